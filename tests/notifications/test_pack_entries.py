"""A print pack's letters are rows (`PrintPackLetter`), not a list on the pack: saved at the
join and ticked by "mark posted" a block at a time, so neither grows in memory with the pack.

Memory is measured with tracemalloc, blocks by the queries they run: no clock."""

from __future__ import annotations

import tracemalloc
from array import array
from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from notifications import delivery, postroom, services
from notifications.models import Notification, PrintPack, PrintPackLetter
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import (
    ensure_letter_templates, generate_all, isolated_media, make_organisation, start_batch,
)

Status = Notification.Status


class PackEntriesMemoryTests(BaseTestCase):
    def test_the_joins_list_of_letters_holds_one_block_whatever_the_packs_size(self) -> None:
        def peak(n: int) -> int:
            tracemalloc.start()
            try:
                entries = delivery.PackEntries()
                for pk in range(1, n + 1):
                    entries.append(pk)
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
                entries.file.close()

        small, large = peak(10_000), peak(200_000)
        # An array of 200,000 ids alone is 1.6 MB; one block is 40 KB.
        self.assertLess(large - small, 16_000, (small, large))

    def test_the_blocks_give_back_every_id_in_order(self) -> None:
        entries = delivery.PackEntries()
        ids = [(i * 7919) % 12_347 + 1 for i in range(12_345)]
        for pk in ids:
            entries.append(pk)
        got = array("q")
        for block in entries.blocks():
            self.assertLessEqual(len(block), delivery.PackEntries.BLOCK)
            got.extend(block)
        entries.file.close()
        self.assertEqual(got.tolist(), ids)


@isolated_media
class PackRowsTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(actor=self.dpo)
        for i in range(7):
            make_subject(self.incident, actor=self.dpo, full_name=f"Person {i}", postcode=f"M{7 - i} 1AE")
        self.batch = start_batch(self.incident, self.dpo)
        generate_all(self.batch)
        self.pack = PrintPack.objects.create(batch=self.batch, created_by=self.dpo)
        delivery.print_pack_build(pack_id=self.pack.pk)
        self.pack.refresh_from_db()

    def test_the_join_saves_one_row_per_letter_in_print_order(self) -> None:
        entries = list(PrintPackLetter.objects.filter(pack=self.pack).order_by("position"))
        self.assertEqual([e.position for e in entries], list(range(7)))
        postcodes = [Notification.objects.get(pk=e.notification_id).subject.postcode for e in entries]
        self.assertEqual(postcodes, sorted(postcodes, key=lambda p: p.replace(" ", "")))
        self.assertEqual(len(self.pack.letter_ids()), self.pack.letters)

    def test_marking_posted_ticks_a_block_at_a_time_and_misses_none(self) -> None:
        first = Notification.objects.order_by("pk").first()
        services.notification_mark(notification=first, actor=self.dpo, status="delivered", expected_version=first.version)
        before = dict(Notification.objects.values_list("pk", "version"))
        with mock.patch.object(postroom, "BLOCK", 3), CaptureQueriesContext(connection) as queries:
            done = postroom.print_pack_mark_posted(pack=self.pack, actor=self.handler)
        self.assertEqual(done, {"sent": 6, "left": 1})
        after = dict(Notification.objects.values_list("pk", "version"))
        self.assertEqual(after, {pk: v + (pk != first.pk) for pk, v in before.items()}, "each ticked once; the delivered one untouched")
        self.assertEqual(Notification.objects.filter(status=Status.SENT).count(), 6)
        for n in Notification.objects.filter(status=Status.SENT):
            latest = n.history.latest()
            self.assertEqual((latest.history_change_reason, latest.history_user), (f"Posted in print pack {self.pack.pk}", self.handler))
            # The stored row and its history row agree: ticked once, from generated, at one time.
            self.assertEqual((n.previous_status, n.version), (Status.GENERATED, latest.version))
            self.assertEqual((latest.status, latest.previous_status, latest.sent_at), (Status.SENT, Status.GENERATED, n.sent_at))
            self.assertIsNotNone(n.sent_at)
            self.assertEqual(n.updated_at, n.sent_at)
        # 6 letters waiting in blocks of 3: two full blocks, then one that finds none.
        blocks = [q for q in queries.captured_queries
                  if '"notifications_printpackletter"' in q["sql"] and "LIMIT 3" in q["sql"]]
        self.assertEqual(len(blocks), 3, [q["sql"] for q in blocks])

    def test_posting_another_pack_ticks_only_its_own_letters(self) -> None:
        elsewhere = make_incident(actor=self.dpo)
        make_subject(elsewhere, actor=self.dpo, full_name="Someone Else")
        other_batch = start_batch(elsewhere, self.dpo)
        generate_all(other_batch)
        other = PrintPack.objects.create(batch=other_batch, created_by=self.dpo)
        delivery.print_pack_build(pack_id=other.pk)
        other.refresh_from_db()
        self.assertEqual(postroom.print_pack_mark_posted(pack=other, actor=self.handler), {"sent": 1, "left": 0})
        self.assertEqual(list(Notification.objects.filter(status=Status.SENT).values_list("incident", flat=True)),
                         [elsewhere.pk])


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_packs_letters_in_order_both_ways(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    ensure_letter_templates()
    make_organisation()
    incident = make_incident(title="Migration test")
    for i in range(5):
        make_subject(incident, full_name=f"Person {i}", postcode=f"M{5 - i} 1AE")
    batch = start_batch(incident, None)
    generate_all(batch)
    pack = PrintPack.objects.create(batch=batch)
    delivery.print_pack_build(pack_id=pack.pk)
    order = PrintPack.objects.get(pk=pack.pk).letter_ids()
    assert len(order) == 5 and order != sorted(order)

    executor = MigrationExecutor(connection)
    executor.migrate([("notifications", "0018_notification_told_at_index")])
    with connection.cursor() as cursor:
        cursor.execute("SELECT notification_ids FROM notifications_printpack WHERE id = %s", [pack.pk])
        stored = cursor.fetchone()[0]
    assert (stored if isinstance(stored, list) else __import__("json").loads(stored)) == order

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("notifications"))
    assert PrintPack.objects.get(pk=pack.pk).letter_ids() == order

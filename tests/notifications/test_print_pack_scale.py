"""Print packs that scale (issue 18): letters merged by qpdf into parts, parts joined in order,
fonts stored once, one attempt at a time, and a damaged letter failing the pack whole."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.conf import settings
from django.test import override_settings
from pypdf import PdfReader

from breachtracker import files
from incidents.assessment import services as assessment_services
from incidents.models import IncidentEvent
from notifications import delivery, services, tasks
from notifications.models import Notification, PrintPack
from notifications.packpdf import PartWriter
from tests.base import BaseTestCase, make_incident, make_subject
from tests.notifications.helpers import (
    ensure_letter_templates,
    generate_all,
    isolated_media,
    make_organisation,
    make_ready,
    start_batch,
)
from tests.worker import celery_worker, needs_services, wait_for

NAMES = ["Amelia Quinn", "Oliver Zhang", "Zoë Vázquez", "Kwame Yates", "Siobhán O'Neill", "Björn Xu",
         "Wojciech Kowalski"]


def _letters(incident: Any, actor: Any, names: list[str]) -> Any:
    for i, name in enumerate(names):
        make_subject(incident, full_name=name, address_line_1=f"{i + 1} Jubilee Way", town="Northtown",
                     postcode=f"N{i + 1} {i + 2}XY")
    batch = start_batch(incident, actor)
    generate_all(batch)
    return batch


def _reader(name: str) -> PdfReader:
    with files.storage().open(name, "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()), strict=True)


def _manifest(pack: PrintPack) -> list[dict[str, str]]:
    with files.storage().open(pack.manifest.name, "rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode())))


def _font_programs(reader_or_path: Any) -> list[bytes]:
    """The digests of every embedded font program (FontFile, FontFile2, FontFile3) object."""
    with pikepdf.open(reader_or_path) as pdf:
        found = []
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        found.append((obj[key].objgen, hashlib.sha256(obj[key].read_raw_bytes()).digest()))
        return [digest for _, digest in {objgen: digest for objgen, digest in found}.items()]


@isolated_media
class PackContentTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(self.dpo, regime="dpa_part3")  # restrictions exist under Part 3
        self.batch = _letters(self.incident, self.dpo, NAMES)

    def build(self, part_size: int = 2000) -> PrintPack:
        with override_settings(NOTIFICATIONS_PACK_PART_SIZE=part_size):
            return delivery.print_pack_build(pack_id=PrintPack.objects.create(batch=self.batch, created_by=self.dpo).pk)

    def test_the_pack_is_a_valid_pdf_with_every_page_of_every_letter(self) -> None:
        pack = self.build()
        letters = Notification.objects.filter(batch=self.batch)
        total = sum(len(_reader(n.pdf.name).pages) for n in letters)
        self.assertEqual(len(_reader(pack.pdf.name).pages), total)
        self.assertEqual((pack.letters, pack.pages, pack.status), (len(NAMES), total, PrintPack.Status.READY))
        self.assertEqual(pack.pdf_sha256, files.sha256(pack.pdf.name))

    def test_each_manifest_line_s_pages_are_that_person_s_letter_and_nobody_else_s(self) -> None:
        pack = self.build(part_size=3)
        reader = _reader(pack.pdf.name)
        rows = _manifest(pack)
        self.assertEqual([int(r["sequence"]) for r in rows], list(range(1, len(NAMES) + 1)))
        for row in rows:
            first, count = int(row["first page"]), int(row["pages"])
            text = "".join(page.extract_text() for page in reader.pages[first - 1:first - 1 + count])
            letter = Notification.objects.get(pk=row["notification"])
            own = "".join(page.extract_text() for page in _reader(letter.pdf.name).pages)
            self.assertEqual(text, own)
            self.assertIn(row["name"], text)
            self.assertEqual([name for name in NAMES if name in text], [row["name"]])
        self.assertEqual(pack.letter_ids(), [int(r["notification"]) for r in rows])

    def test_a_pack_built_in_several_parts_equals_one_built_in_one_part(self) -> None:
        whole, in_parts = self.build(part_size=100), self.build(part_size=2)
        self.assertEqual(in_parts.pages, whole.pages)
        one, several = _reader(whole.pdf.name), _reader(in_parts.pdf.name)
        self.assertEqual([p.extract_text() for p in several.pages], [p.extract_text() for p in one.pages])
        self.assertEqual(_manifest(in_parts), _manifest(whole))
        self.assertEqual(in_parts.letter_ids(), whole.letter_ids())

    def test_a_part_saved_in_pieces_equals_one_saved_whole(self) -> None:
        letters = [files.read(n.pdf.name) for n in Notification.objects.filter(batch=self.batch).order_by("pk")]
        texts = []
        with files.private_folder() as folder:
            for piece in (2, 100):
                writer = PartWriter(folder / f"part-{piece}.pdf", piece=piece)
                pages = sum(writer.append(data) for data in letters)
                writer.close()
                reader = PdfReader(folder / f"part-{piece}.pdf", strict=True)
                self.assertEqual(len(reader.pages), pages)
                texts.append([page.extract_text() for page in reader.pages])
            self.assertEqual(sorted(p.name for p in folder.iterdir()), ["part-100.pdf", "part-2.pdf"])
        self.assertEqual(texts[0], texts[1])

    def test_the_parts_are_deleted_once_joined(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            pack = self.build(part_size=3)
        folder = Path(settings.MEDIA_ROOT) / "packs" / self.incident.reference
        mine = f"batch-{self.batch.pk}-pack-{pack.pk}"
        self.assertEqual(sorted(p.name for p in folder.iterdir() if p.name.startswith(mine)),
                         [f"{mine}.csv", f"{mine}.pdf"])

    def test_font_programs_the_letters_share_are_stored_once(self) -> None:
        # Two letters with the very same fonts: the second person's file is a copy of the first's.
        first, second = Notification.objects.filter(batch=self.batch).order_by("pk")[:2]
        files.copy(first.pdf.name, second.pdf.name)
        Notification.objects.filter(pk=second.pk).update(pdf_sha256=first.pdf_sha256)
        letters = []
        for n in Notification.objects.filter(batch=self.batch):
            with files.local_copy(n.pdf.name) as path:
                letters += _font_programs(path)
        pack = self.build(part_size=100)
        with files.local_copy(pack.pdf.name) as path:
            stored = _font_programs(path)
        self.assertEqual(len(stored), len(set(stored)), "a font program is stored twice")
        self.assertEqual(set(stored), set(letters))
        self.assertLess(len(stored), len(letters))

    def test_a_person_restricted_since_their_letter_was_generated_is_left_out(self) -> None:
        held = Notification.objects.filter(batch=self.batch).select_related("subject").order_by("pk")[2]
        assessment_services.restriction_create(incident=self.incident, actor=self.dpo, fields={
            "grounds": "b", "rationale": "Live investigation.", "review_date": date.today() + timedelta(days=30),
            "subject": held.subject})
        pack = self.build(part_size=3)
        self.assertEqual(pack.letters, len(NAMES) - 1)
        self.assertNotIn(held.pk, pack.letter_ids())
        self.assertNotIn(held.subject.full_name, "".join(p.extract_text() for p in _reader(pack.pdf.name).pages))
        self.assertIn("1 letter(s) left out", pack.last_error)


@isolated_media
class PackFailureTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        self.incident = make_incident(self.dpo)
        self.batch = _letters(self.incident, self.dpo, NAMES[:5])
        self.pack = PrintPack.objects.create(batch=self.batch, created_by=self.dpo)

    def start(self, part_size: int = 2) -> tuple[int, list[list[int]]]:
        with override_settings(NOTIFICATIONS_PACK_PART_SIZE=part_size):
            plan = delivery.print_pack_start(pack_id=self.pack.pk)
        assert plan is not None
        return plan

    def damage(self, notification: Notification) -> None:
        path = Path(settings.MEDIA_ROOT) / notification.pdf.name
        path.write_bytes(path.read_bytes()[:-40])

    def assert_failed_without_a_pack(self, message: str) -> None:
        self.pack.refresh_from_db()
        self.assertEqual(self.pack.status, PrintPack.Status.FAILED)
        self.assertIn(message, self.pack.last_error)
        self.assertEqual((self.pack.pdf.name, self.pack.manifest.name), ("", ""))
        self.assertFalse(IncidentEvent.objects.filter(kind="pack_built").exists())

    def test_a_cut_short_letter_file_fails_the_pack_saying_which_letter(self) -> None:
        attempt, parts = self.start()
        victim = Notification.objects.get(pk=parts[1][0])
        self.damage(victim)
        with self.captureOnCommitCallbacks(execute=True):
            tasks.build_print_pack_part(self.pack.pk, attempt, 0, parts[0])
            with self.assertRaises(delivery.PackError):
                tasks.build_print_pack_part(self.pack.pk, attempt, 1, parts[1])
        self.assert_failed_without_a_pack(f"Part 2 of 3 failed: PackError: The letter {victim.letter_reference} "
                                          "could not be added to the print pack: DamagedFile")
        # The last part finishing afterwards does not join a failed pack.
        with self.captureOnCommitCallbacks(execute=True):
            self.assertFalse(tasks.build_print_pack_part(self.pack.pk, attempt, 2, parts[2]))
        self.assert_failed_without_a_pack("Part 2 of 3 failed")
        # No part is left behind: retention knows only a pack's own files.
        folder = Path(settings.MEDIA_ROOT) / "packs" / self.incident.reference
        self.assertEqual([p.name for p in folder.glob(f"batch-{self.batch.pk}-pack-{self.pack.pk}-*")], [])
        self.assertEqual(self.pack.history.first().history_change_reason, "Print pack could not be built (worker)")

    def test_a_letter_replaced_by_another_file_fails_the_pack(self) -> None:
        attempt, parts = self.start(part_size=100)
        first, second = (Notification.objects.get(pk=pk) for pk in parts[0][:2])
        files.copy(second.pdf.name, first.pdf.name)
        with self.assertRaises(delivery.PackError):
            tasks.build_print_pack_part(self.pack.pk, attempt, 0, parts[0])
        self.assert_failed_without_a_pack("it is not the letter that was generated")

    def test_a_part_run_twice_is_counted_once(self) -> None:
        attempt, parts = self.start()
        self.assertFalse(delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=attempt, index=0,
                                                        notification_ids=parts[0]))
        self.assertFalse(delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=attempt, index=0,
                                                        notification_ids=parts[0]))
        self.assertFalse(delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=attempt, index=1,
                                                        notification_ids=parts[1]))
        self.assertTrue(delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=attempt, index=2,
                                                       notification_ids=parts[2]))
        self.pack.refresh_from_db()
        self.assertEqual(sorted(self.pack.parts_done), ["0", "1", "2"])
        pack = delivery.print_pack_join(pack_id=self.pack.pk, attempt=attempt)
        assert pack is not None
        self.assertEqual(pack.letters, 5)

    def test_parts_of_an_earlier_attempt_are_never_joined(self) -> None:
        old, old_parts = self.start()
        delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=old, index=0, notification_ids=old_parts[0])
        new, parts = self.start()  # the start was sent again (a worker died): a new attempt
        self.assertEqual(new, old + 1)
        for index in (1, 2):
            self.assertFalse(delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=old, index=index,
                                                            notification_ids=old_parts[index]))
        self.assertIsNone(delivery.print_pack_join(pack_id=self.pack.pk, attempt=old))
        self.assertFalse(delivery.print_pack_fail(pack_id=self.pack.pk, attempt=old, error="late"))
        self.pack.refresh_from_db()
        self.assertEqual((self.pack.status, self.pack.parts_done), (PrintPack.Status.BUILDING, {}))
        for index, ids in enumerate(parts):
            delivery.print_pack_part_build(pack_id=self.pack.pk, attempt=new, index=index, notification_ids=ids)
        pack = delivery.print_pack_join(pack_id=self.pack.pk, attempt=new)
        assert pack is not None
        self.assertEqual((pack.status, pack.letters), (PrintPack.Status.READY, 5))
        self.assertEqual(IncidentEvent.objects.filter(kind="pack_built").count(), 1)


# --- through a real worker ------------------------------------------------------------------

def _setup_generated(people: int) -> Any:
    ensure_letter_templates()
    make_organisation()
    incident = make_incident(title="Pack test")
    for i in range(people):
        make_subject(incident, full_name=NAMES[i % len(NAMES)] + f" {i}", postcode=f"M{i % 9 + 1} 1AE")
    make_ready(incident)
    batch = services.batch_start(incident=incident, actor=None)
    return incident, batch


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_a_pack_in_parts_and_joins_them(tmp_path: Path) -> None:
    needs_services()
    env = {"DJANGO_MEDIA_ROOT": str(tmp_path), "NOTIFICATIONS_PACK_PART_SIZE": "3",
           "CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000"}
    with override_settings(MEDIA_ROOT=str(tmp_path)), celery_worker(concurrency=2, extra_env=env):
        incident, batch = _setup_generated(8)
        done = [Notification.Status.GENERATED]
        wait_for(lambda: Notification.objects.filter(batch=batch, status__in=done).count() == 8, timeout=300)
        pack = services.print_pack_request(batch=batch, actor=None)
        wait_for(lambda: PrintPack.objects.get(pk=pack.pk).status != PrintPack.Status.BUILDING, timeout=300)
        pack.refresh_from_db()
        assert (pack.status, pack.last_error, pack.parts, pack.letters) == (PrintPack.Status.READY, "", 3, 8)
        reader = _reader(pack.pdf.name)
        assert len(reader.pages) == pack.pages
        rows = _manifest(pack)
        for row in rows:
            first = int(row["first page"])
            assert row["name"] in reader.pages[first - 1].extract_text()
        assert [int(r["notification"]) for r in rows] == pack.letter_ids()
        assert IncidentEvent.objects.filter(incident=incident, kind="pack_built").count() == 1
        assert [h.history_change_reason for h in pack.history.order_by("history_id")][-1] == "Print pack built by the worker"
        wait_for(lambda: not list((tmp_path / "packs").glob("**/*-part-*")), timeout=60)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_damaged_letter_fails_the_pack_through_a_real_worker(tmp_path: Path) -> None:
    needs_services()
    env = {"DJANGO_MEDIA_ROOT": str(tmp_path), "NOTIFICATIONS_PACK_PART_SIZE": "2",
           "CELERY_WORKER_MAX_TASKS_PER_CHILD": "1000"}
    with override_settings(MEDIA_ROOT=str(tmp_path)), celery_worker(concurrency=2, extra_env=env):
        incident, batch = _setup_generated(5)
        done = [Notification.Status.GENERATED]
        wait_for(lambda: Notification.objects.filter(batch=batch, status__in=done).count() == 5, timeout=300)
        victim = Notification.objects.filter(batch=batch).order_by("pk").last()
        assert victim is not None
        path = tmp_path / victim.pdf.name
        path.write_bytes(path.read_bytes()[:100])
        pack = services.print_pack_request(batch=batch, actor=None)
        wait_for(lambda: PrintPack.objects.get(pk=pack.pk).status != PrintPack.Status.BUILDING, timeout=300)
        pack.refresh_from_db()
        assert pack.status == PrintPack.Status.FAILED
        assert f"The letter {victim.letter_reference} could not be added" in pack.last_error
        assert "DamagedFile" in pack.last_error
        assert pack.pdf.name == ""
        assert not IncidentEvent.objects.filter(incident=incident, kind="pack_built").exists()

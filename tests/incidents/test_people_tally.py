"""The people counts kept per incident (incidents.people.tally): every write keeps them equal to
a full recount, a tally from another day works the ages out again, and a command finds and
repairs any that drifted."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from io import StringIO

from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from incidents.models import DataSubject, PeopleTally
from incidents.people import services, tally
from incidents.retention import incident_purge_people
from incidents.vocab import roles_to_mask
from tests.base import BaseTestCase, category, make_incident, make_subject
from tests.incidents.imports import import_rows, person


PAGES = ("total", "do_not_write", "children", "vulnerable", "by_role", "by_category")
# What the regulator's report reads, as on the day the incident became known.
REPORT = ("known_children", "known_vulnerable", "by_ico", "known_on")


def counted(incident: object, fields: tuple[str, ...] = PAGES) -> dict[str, object]:
    """The tally as stored, without recounting (what the pages show)."""
    row = PeopleTally.objects.get(incident=incident)
    return {name: getattr(row, name) for name in fields}


def recounted(incident: object, fields: tuple[str, ...] = PAGES) -> dict[str, object]:
    """A full recount, rolled back (the stored tally is left as it was)."""
    before = PeopleTally.objects.get(incident=incident)
    fresh = tally.recount(incident)  # type: ignore[arg-type]
    result = {name: getattr(fresh, name) for name in fields}
    before.save()
    return result


class TallyKeptByEveryWriteTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.incident = make_incident(actor=cls.dpo)

    def assertTrue_to_a_recount(self) -> None:
        self.assertEqual(counted(self.incident, PAGES + REPORT), recounted(self.incident, PAGES + REPORT))

    def test_people_added_and_edited_by_hand(self) -> None:
        today = timezone.localdate()
        child = make_subject(self.incident, actor=self.handler, full_name="Young Person",
                             date_of_birth=today.replace(year=today.year - 10), roles=roles_to_mask(["victim"]),
                             categories_mask=category("criminal").mask)
        adult = make_subject(self.incident, actor=self.handler, full_name="Older Person",
                             roles=roles_to_mask(["witness", "victim"]), do_not_write=True)
        self.assertEqual(counted(self.incident), {
            "total": 2, "do_not_write": 1, "children": 1, "vulnerable": 0,
            "by_role": {"victim": 2, "witness": 1}, "by_category": {"criminal": 1}})
        self.assertTrue_to_a_recount()
        # Every field a count depends on, changed by hand.
        services.subject_update(subject=child, actor=self.handler, fields={
            "date_of_birth": date(1970, 1, 1), "roles": roles_to_mask(["suspect"]),
            "categories_mask": category("health").mask | category("criminal").mask})
        services.subject_update(subject=adult, actor=self.handler, fields={
            "do_not_write": False, "representative_relationship": "attorney", "representative_name": "Pat Example"})
        self.assertEqual(counted(self.incident), {
            "total": 2, "do_not_write": 0, "children": 0, "vulnerable": 1,
            "by_role": {"suspect": 1, "victim": 1, "witness": 1}, "by_category": {"criminal": 1, "health": 1}})
        self.assertTrue_to_a_recount()

    def test_an_edit_through_a_stale_copy_counts_from_what_was_stored(self) -> None:
        subject = make_subject(self.incident, actor=self.handler, roles=roles_to_mask(["victim"]))
        copy = DataSubject.objects.get(pk=subject.pk)
        services.subject_update(subject=subject, actor=self.handler, fields={"roles": roles_to_mask(["witness"])})
        services.subject_update(subject=copy, actor=self.handler, fields={"is_vulnerable": True})
        self.assertTrue_to_a_recount()

    def test_an_import_of_new_and_merged_people(self) -> None:
        make_subject(self.incident, actor=self.handler, full_name="Alex Example", postcode="SW1A 1AA",
                     roles=roles_to_mask(["victim"]))
        young = (timezone.localdate() - timedelta(days=365 * 12)).isoformat()
        import_rows(self.incident, self.handler, [
            person("Alex Example", role="Witness", categories="Health data"),  # merged into the person above
            person("Sam Example", dob=young, postcode="LS1 4AP", role="Victim"),
            person("Sam Example", dob=young, postcode="LS1 4AP", role="Witness"),  # the same person twice
            person("Jo Example", dob="1950-05-05", postcode="M1 1AE", role="Suspect",
                   categories="Criminal convictions, offences"),
        ])
        self.assertEqual(counted(self.incident)["total"], 3)
        self.assertEqual(counted(self.incident)["children"], 1)
        self.assertEqual(counted(self.incident)["by_role"], {"victim": 2, "witness": 2, "suspect": 1})
        self.assertTrue_to_a_recount()
        import_rows(self.incident, self.handler, [person("Jo Example", dob="1950-05-05", role="Victim")])
        self.assertEqual(counted(self.incident)["by_role"], {"victim": 3, "witness": 2, "suspect": 1})
        self.assertTrue_to_a_recount()

    def test_retention_counts_again_without_the_dates_of_birth(self) -> None:
        make_subject(self.incident, actor=self.handler, date_of_birth=timezone.localdate() - timedelta(days=400))
        self.assertEqual(counted(self.incident)["children"], 1)
        incident_purge_people(incident=self.incident, actor=self.dpo, reason="Retention period over")
        self.assertEqual(counted(self.incident)["children"], 0)
        self.assertTrue_to_a_recount()


class TallyOverTimeTests(BaseTestCase):
    def test_a_person_who_turned_18_is_an_adult_the_next_day(self) -> None:
        incident = make_incident(actor=self.dpo)
        today = timezone.localdate()
        make_subject(incident, actor=self.handler, date_of_birth=today.replace(year=today.year - 18))
        row = PeopleTally.objects.get(incident=incident)
        # As worked out yesterday, when they were 17.
        PeopleTally.objects.filter(pk=row.pk).update(children=1, ages_on=today - timedelta(days=1))
        self.assertEqual(tally.current(incident).children, 0)
        self.assertEqual(PeopleTally.objects.get(pk=row.pk).ages_on, today)

    def test_an_edit_on_a_later_day_counts_everyone_again(self) -> None:
        incident = make_incident(actor=self.dpo)
        subject = make_subject(incident, actor=self.handler)
        PeopleTally.objects.filter(incident=incident).update(total=7, ages_on=timezone.localdate() - timedelta(days=2))
        services.subject_update(subject=subject, actor=self.handler, fields={"is_child": True})
        self.assertEqual((counted(incident)["total"], counted(incident)["children"]), (1, 1))


class TallyForTheReportTests(BaseTestCase):
    def test_the_report_counts_children_as_on_the_day_the_incident_became_known(self) -> None:
        from incidents.assessment import services as assessment_services
        from reporting.ico_report import subject_counts

        aware = timezone.now() - timedelta(days=40)
        incident = make_incident(actor=self.dpo, aware_at=aware, discovered_at=aware - timedelta(hours=1))
        # 17 when the incident became known, 18 today: a child for the report, not on the pages.
        birthday = timezone.localtime(aware).date() + timedelta(days=20)  # the 18th, between then and today
        born = birthday.replace(year=birthday.year - 18, day=min(birthday.day, 28))  # no 29 February
        make_subject(incident, actor=self.handler, full_name="Turned Eighteen", date_of_birth=born,
                     roles=roles_to_mask(["victim", "witness"]))
        make_subject(incident, actor=self.handler, full_name="No Role Yet", roles=0, is_vulnerable=True)
        counts = subject_counts(incident)
        self.assertEqual((counts["total"], counts["Children"], counts["Vulnerable adults"], counts["Not yet known"]),
                         (2, 1, 1, 1))
        self.assertEqual(counts["role:victim"], 1)
        self.assertEqual(counted(incident)["children"], 0)
        self.assertEqual(sum(v for k, v in counts.items() if k == "Other" or k.startswith("Other")), 1)  # once
        # The clock corrected to 30 days later: they were 18 by then; the tally is counted again.
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report", fields={
            "outcome": False, "justification": "Unlikely to result in a risk to people."})
        incident.aware_at = aware + timedelta(days=30)
        incident.save()
        self.assertEqual(subject_counts(incident)["Children"], 0)
        self.assertEqual(counted(incident, REPORT)["known_on"], timezone.localtime(aware + timedelta(days=30)).date())


class TallyPagesAndCommandTests(BaseTestCase):
    def test_the_register_and_dashboard_show_the_kept_count(self) -> None:
        incident = make_incident(actor=self.dpo, title="Counted incident")
        for n in range(3):
            make_subject(incident, actor=self.handler, full_name=f"Person {n}")
        PeopleTally.objects.filter(incident=incident).update(total=4321)  # what the pages read, not a count
        self.login(self.auditor)
        self.assertContains(self.client.get(reverse("incident_list")), "4321")
        self.assertContains(self.client.get(reverse("dashboard")), "4321 known")

    def test_the_command_finds_and_repairs_a_drifted_tally(self) -> None:
        incident = make_incident(actor=self.dpo)
        make_subject(incident, actor=self.handler, roles=roles_to_mask(["victim"]))
        call_command("recount_people", "--check", stdout=StringIO())  # in step: no error
        PeopleTally.objects.filter(incident=incident).update(total=5, by_role={"victim": 9})
        with self.assertRaisesMessage(CommandError, "1 incident(s) have people counts that differ"):
            call_command("recount_people", "--check", stdout=(out := StringIO()))
        self.assertIn(f"{incident.reference}: total 5 (recount: 1)", out.getvalue())
        self.assertEqual(PeopleTally.objects.get(incident=incident).total, 5, "--check changes nothing")
        call_command("recount_people", stdout=StringIO())
        self.assertEqual((counted(incident)["total"], counted(incident)["by_role"]), (1, {"victim": 1}))
        call_command("recount_people", "--check", stdout=StringIO())

    def test_the_migration_counts_people_recorded_before_it(self) -> None:
        migration = importlib.import_module("incidents.migrations.0020_people_tally")
        incident = make_incident(actor=self.dpo)
        make_subject(incident, actor=self.handler, roles=roles_to_mask(["victim", "witness"]), do_not_write=True,
                     categories_mask=category("health").mask, date_of_birth=date(2020, 1, 1))
        make_subject(incident, actor=self.handler, full_name="Another Person", roles=roles_to_mask(["victim"]))
        PeopleTally.objects.all().delete()  # as before the migration
        migration.count_existing_people(apps, None)
        row = PeopleTally.objects.get(incident=incident)
        self.assertEqual((row.total, row.do_not_write, row.by_role, row.by_category, row.ages_on),
                         (2, 1, {"victim": 2, "witness": 1}, {"health": 1}, None))
        self.assertEqual(tally.current(incident).children, 1, "ages worked out when first read")

"""Issue 17, "history is not rewritable": the status follows from decisions and reports; once
the initial report is recorded, when the organisation became aware and the regime change only
through a DPO's correction with a reason, which the incident page, the history and the
regulator report's follow-up section show, with the deadline following the corrected time."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from typing import Any

import jsonschema
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from incidents.assessment import services as assessment_services
from incidents.models import ClockCorrection, Incident
from reporting import services as report_services
from reporting.ico_report import build_report, report_json
from tests.base import BaseTestCase, make_incident
from tests.notifications.helpers import isolated_media, make_organisation
from tests.reporting.reports import schema

FMT = "%Y-%m-%dT%H:%M"


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime(FMT)


def _edit_form(incident: Incident, **overrides: str) -> dict[str, str]:
    """What the edit page's form posts for this incident, as a browser would send it."""
    data = {
        "title": incident.title, "description": incident.description, "discovery": incident.discovery,
        "cause": incident.cause, "data_role": incident.data_role, "breach_confidentiality": "on",
        "discovered_at": _local(incident.discovered_at),
    }
    data.update(overrides)
    return data


def _report(incident: Incident, actor: Any) -> None:
    report_services.report_submit(incident=incident, actor=actor, fields={
        "kind": "initial", "submitted_at": incident.aware_at + timedelta(hours=60)})


@isolated_media
class EditingAReportedIncidentTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        aware_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=70)
        self.incident = make_incident(actor=self.handler, aware_at=aware_at, discovered_at=aware_at - timedelta(hours=1))
        _report(self.incident, self.dpo)
        self.incident.refresh_from_db()
        self.url = reverse("incident_edit", args=[self.incident.reference])

    def test_the_form_offers_neither_the_status_nor_the_clock(self) -> None:
        self.login(self.handler)
        page = self.client.get(self.url)
        for name in ("status", "aware_at", "regime"):
            self.assertNotContains(page, f'name="{name}"')
        self.assertContains(page, "Correct the clock")

    def test_the_facts_can_still_be_edited(self) -> None:
        self.login(self.handler)
        response = self.client.post(self.url, _edit_form(self.incident, title="Hidden tab in an FOI response"))
        self.assertRedirects(response, self.incident.get_absolute_url())
        self.incident.refresh_from_db()
        self.assertEqual(self.incident.title, "Hidden tab in an FOI response")

    def test_a_crafted_status_is_refused_and_nothing_saved(self) -> None:
        self.login(self.handler)
        response = self.client.post(self.url, _edit_form(self.incident, title="Changed", status="open"))
        self.assertContains(response, "The status cannot be set here", status_code=400)
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual((incident.status, incident.title), (Incident.Status.REPORTED, self.incident.title))

    def test_a_crafted_aware_at_is_refused_and_the_deadline_stays(self) -> None:
        self.login(self.dpo)
        later = _local(self.incident.aware_at + timedelta(hours=30))
        response = self.client.post(self.url, _edit_form(self.incident, title="Changed", aware_at=later))
        self.assertContains(response, "a DPO corrects them with a reason", status_code=400)
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual((incident.aware_at, incident.title), (self.incident.aware_at, self.incident.title))
        self.assertEqual(incident.history.count(), self.incident.history.count())

    def test_a_crafted_regime_is_refused(self) -> None:
        self.login(self.handler)
        response = self.client.post(self.url, _edit_form(self.incident, regime="pecr"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).regime, "uk_gdpr")

    def test_a_model_check_on_the_hidden_clock_is_shown_not_a_crash(self) -> None:
        self.login(self.handler)
        later = _local(self.incident.aware_at + timedelta(hours=2))
        response = self.client.post(self.url, _edit_form(self.incident, discovered_at=later))
        self.assertContains(response, "before “discovered at”")
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).discovered_at, self.incident.discovered_at)

    def test_the_service_refuses_them_too(self) -> None:
        from django.core.exceptions import ValidationError

        from incidents.register import services

        with self.assertRaises(ValidationError):
            services.incident_update(incident=self.incident, actor=self.dpo,
                                     fields={"aware_at": self.incident.aware_at + timedelta(hours=1)})
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)


class EditingAnUnreportedIncidentTests(BaseTestCase):
    def test_a_handler_still_corrects_aware_at_before_the_report(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.handler)
        earlier = incident.aware_at - timedelta(minutes=30)
        response = self.client.post(reverse("incident_edit", args=[incident.reference]),
                                    _edit_form(incident, aware_at=_local(earlier), regime="uk_gdpr"))
        self.assertRedirects(response, incident.get_absolute_url())
        self.assertEqual(Incident.objects.get(pk=incident.pk).aware_at, earlier.replace(second=0))

    def test_a_crafted_status_is_refused_before_the_report_too(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.handler)
        response = self.client.post(reverse("incident_edit", args=[incident.reference]),
                                    _edit_form(incident, aware_at=_local(incident.aware_at), regime="uk_gdpr",
                                               status="closed"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Incident.objects.get(pk=incident.pk).status, Incident.Status.OPEN)


@isolated_media
class ClockCorrectionTests(BaseTestCase):
    def setUp(self) -> None:
        make_organisation()
        aware_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=70)
        self.incident = make_incident(actor=self.handler, aware_at=aware_at, discovered_at=aware_at - timedelta(hours=30))
        _report(self.incident, self.dpo)
        self.incident.refresh_from_db()
        self.url = reverse("incident_correct_clock", args=[self.incident.reference])
        self.earlier = self.incident.aware_at - timedelta(hours=20)

    def _correct(self, **overrides: str) -> Any:
        data = {"aware_at": _local(self.earlier), "regime": "uk_gdpr",
                "reason": "The contractor told us on the Monday; the email was found later."}
        data.update(overrides)
        return self.client.post(self.url, data)

    def test_a_dpo_corrects_aware_at_and_the_deadline_follows(self) -> None:
        self.login(self.dpo)
        self.assertRedirects(self._correct(), self.incident.get_absolute_url())
        incident = Incident.objects.get(pk=self.incident.pk)
        self.assertEqual(incident.aware_at, self.earlier)
        self.assertEqual(incident.regulator_deadline, self.earlier + timedelta(hours=72))
        correction = ClockCorrection.objects.get()
        self.assertEqual((correction.aware_at_before, correction.aware_at_after),
                         (self.incident.aware_at, self.earlier))
        self.assertEqual(correction.deadline_before, self.incident.regulator_deadline)
        self.assertEqual(correction.corrected_by, self.dpo)

    def test_the_report_judged_on_time_becomes_late_against_the_corrected_deadline(self) -> None:
        self.assertEqual(self.incident.regulator_state, "reported_on_time")
        self.login(self.dpo)
        self._correct()
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).regulator_state, "reported_late")
        self.assertTrue(build_report(Incident.objects.get(pk=self.incident.pk))["what_happened"]["reported_late"])

    def test_it_is_in_the_history_with_who_and_why(self) -> None:
        self.login(self.dpo)
        self._correct()
        last = Incident.objects.get(pk=self.incident.pk).history.latest()
        self.assertEqual(last.history_user, self.dpo)
        self.assertIn("The contractor told us on the Monday", last.history_change_reason)
        page = self.client.get(reverse("incident_history", args=[self.incident.reference]))
        self.assertContains(page, "The contractor told us on the Monday")

    def test_the_incident_page_shows_it(self) -> None:
        self.login(self.auditor)
        page = self.client.get(self.incident.get_absolute_url())
        self.assertNotContains(page, "The clock was corrected")
        self.login(self.dpo)
        self._correct()
        self.login(self.auditor)
        page = self.client.get(self.incident.get_absolute_url())
        self.assertContains(page, "The clock was corrected after the report to the regulator")
        self.assertContains(page, "The contractor told us on the Monday")

    def test_the_regulator_report_lists_it_in_the_follow_up_section(self) -> None:
        self.login(self.dpo)
        self._correct(regime="dpa_part3")
        report = build_report(Incident.objects.get(pk=self.incident.pk))
        [row] = report["report_type"]["clock_corrections"]
        self.assertEqual(row["changed"], ["became aware at", "regime"])
        self.assertIn("The contractor told us", row["reason"])
        jsonschema.validate(json.loads(report_json(report)), schema(), format_checker=jsonschema.FormatChecker())
        page = self.client.get(reverse("report_preview", args=[self.incident.reference]))
        self.assertContains(page, "Corrections since the initial report")

    def test_a_report_without_corrections_has_no_such_key(self) -> None:
        self.assertNotIn("clock_corrections", build_report(self.incident)["report_type"])

    def test_it_needs_a_reason(self) -> None:
        self.login(self.dpo)
        response = self._correct(reason="   ")
        self.assertContains(response, "Say why the time or the regime was wrong.")
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)
        self.assertFalse(ClockCorrection.objects.exists())

    def test_nothing_changed_is_refused(self) -> None:
        self.login(self.dpo)
        response = self._correct(aware_at=_local(self.incident.aware_at))
        self.assertContains(response, "Nothing changed")
        self.assertFalse(ClockCorrection.objects.exists())

    def test_awareness_before_discovery_is_refused(self) -> None:
        self.login(self.dpo)
        response = self._correct(aware_at=_local(self.incident.discovered_at - timedelta(days=3)))
        self.assertContains(response, "before “discovered at”")
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)

    def test_a_handler_may_not_correct_it(self) -> None:
        self.login(self.handler)
        self.assertEqual(self._correct().status_code, 403)
        self.assertEqual(Incident.objects.get(pk=self.incident.pk).aware_at, self.incident.aware_at)

    def test_an_unreported_incident_is_edited_instead(self) -> None:
        incident = make_incident(actor=self.dpo)
        self.login(self.dpo)
        response = self.client.post(reverse("incident_correct_clock", args=[incident.reference]),
                                    {"aware_at": _local(incident.aware_at - timedelta(hours=1)),
                                     "regime": "uk_gdpr", "reason": "Wrong"})
        self.assertRedirects(response, reverse("incident_edit", args=[incident.reference]))
        self.assertEqual(Incident.objects.get(pk=incident.pk).aware_at, incident.aware_at)


class StatusFromRecordsTests(BaseTestCase):
    def test_a_decision_not_to_report_then_closing_and_reopening(self) -> None:
        incident = make_incident(actor=self.handler)
        assessment_services.decision_record(incident=incident, actor=self.dpo, kind="report", fields={
            "outcome": False, "justification": "The recipient is trusted and deleted it."})
        self.assertEqual(Incident.objects.get(pk=incident.pk).status, Incident.Status.NOT_REPORTED)
        self.login(self.dpo)
        url = reverse("incident_close", args=[incident.reference])
        self.assertRedirects(self.client.post(url, {"reason": "Recipient confirmed deletion."}),
                             incident.get_absolute_url())
        closed = Incident.objects.get(pk=incident.pk)
        self.assertEqual(closed.status, Incident.Status.CLOSED)
        self.assertEqual(closed.history.latest().history_change_reason, "Closed: Recipient confirmed deletion.")
        self.client.post(reverse("incident_reopen", args=[incident.reference]), {"reason": "More files found."})
        reopened = Incident.objects.get(pk=incident.pk)
        self.assertEqual(reopened.status, Incident.Status.NOT_REPORTED)
        self.assertEqual(reopened.history.latest().history_user, self.dpo)

    def test_closing_while_the_clock_runs_is_refused(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.dpo)
        response = self.client.post(reverse("incident_close", args=[incident.reference]), {"reason": "Done"})
        self.assertContains(response, "You cannot close this incident yet", status_code=400)
        self.assertEqual(Incident.objects.get(pk=incident.pk).status, Incident.Status.OPEN)

    def test_closing_needs_a_reason(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.dpo)
        response = self.client.post(reverse("incident_close", args=[incident.reference]), {"reason": " "})
        self.assertContains(response, "Give a reason.")
        self.assertEqual(Incident.objects.get(pk=incident.pk).status, Incident.Status.OPEN)

    def test_a_handler_may_not_close(self) -> None:
        incident = make_incident(actor=self.handler)
        self.login(self.handler)
        response = self.client.post(reverse("incident_close", args=[incident.reference]), {"reason": "Done"})
        self.assertEqual(response.status_code, 403)

    def test_the_migration_sets_each_open_incidents_status_from_its_records(self) -> None:
        migration = importlib.import_module("incidents.migrations.0022_clock_corrections_and_status_from_records")
        hand_set = make_incident(actor=self.handler, status=Incident.Status.NOTIFYING)
        decided = make_incident(actor=self.handler)
        assessment_services.decision_record(incident=decided, actor=self.dpo, kind="report", fields={
            "outcome": False, "justification": "No risk."})
        Incident.objects.filter(pk=decided.pk).update(status=Incident.Status.OPEN)  # as set by hand before
        closed = make_incident(actor=self.handler, status=Incident.Status.CLOSED)
        migration.statuses_from_records(apps, None)
        self.assertEqual(Incident.objects.get(pk=hand_set.pk).status, Incident.Status.OPEN)
        self.assertEqual(Incident.objects.get(pk=decided.pk).status, Incident.Status.NOT_REPORTED)
        self.assertEqual(Incident.objects.get(pk=closed.pk).status, Incident.Status.CLOSED)
        last = Incident.objects.get(pk=decided.pk).history.latest()
        self.assertIsNone(last.history_user)
        self.assertIn("issue 17", last.history_change_reason)

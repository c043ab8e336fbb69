"""Every view, for every role: anonymous → login, wrong role → 403, right role → 200."""

from __future__ import annotations

from typing import Any

from datetime import timedelta

from django.urls import URLPattern, URLResolver, get_resolver, reverse


from reporting import services as report_services
from tests.base import make_incident, sign_in
from tests.world import EveryKindOfRecordTestCase

# Who may open each page. A new URL without a line here fails test_every_url_has_a_rule.
READ = {"dpo", "handler", "auditor"}
EDIT = {"dpo", "handler"}
DPO_ONLY = {"dpo"}

MATRIX: dict[str, set[str]] = {
    "dashboard": READ,
    "incident_list": READ,
    "incident_create": EDIT,
    "incident_detail": READ,
    "incident_edit": EDIT,
    "incident_categories": EDIT,
    "incident_correct_clock": DPO_ONLY,
    "incident_close": DPO_ONLY,
    "incident_reopen": DPO_ONLY,
    "incident_history": READ,
    "incident_audit_csv": {"dpo", "auditor"},
    "subject_list": READ,
    "subject_create": EDIT,
    "subject_detail": READ,
    "subject_edit": EDIT,
    "subject_history": READ,
    "subject_import_upload": EDIT,
    "subject_import_template": EDIT,
    "subject_import_mapping": EDIT,
    "subject_import_detail": READ,
    "subject_import_progress": READ,
    "subject_import_report": READ,
    "organisation_detail": READ,
    "organisation_edit": DPO_ONLY,
    "assessment": READ,
    "assessment_create": EDIT,
    "decision_create": DPO_ONLY,
    "restriction_create": DPO_ONLY,
    "restriction_review": DPO_ONLY,
    "submission_create": DPO_ONLY,
    "disclosure_check": EDIT,
    "incident_disclosure_check": EDIT,
    "disclosure_check_batch": EDIT,
    "incident_disclosure_check_batch": EDIT,
    "evidence_download": EDIT,
    # notifications (issue 5)
    "notification_list": READ,
    "notification_plan": DPO_ONLY,
    "batch_start": DPO_ONLY,
    "letter_approval": DPO_ONLY,
    "letter_sample": DPO_ONLY,
    "batch_progress": READ,
    "notification_bulk": EDIT,
    "outstanding_csv": READ,
    "print_packs": EDIT,
    "print_pack_download": READ,
    "notification_detail": READ,
    "notification_mark": EDIT,
    "notification_pdf": READ,
    "letter_templates": READ,
    "letter_template_edit": DPO_ONLY,
    # the regulator report and register export (issue 6)
    "report_preview": READ,
    "report_details_edit": EDIT,
    "report_json": {"dpo", "auditor"},
    "report_pdf": {"dpo", "auditor"},
    "report_snapshot": READ,
    "report_snapshot_download": {"dpo", "auditor"},
    "register_export": {"dpo", "auditor"},
    # issue 19: the ICO's forms
    "report_copy": {"dpo", "auditor"},
    "pecr_log": READ,
    "pecr_log_download": {"dpo", "auditor"},
    # issue 20: requests and claims from the people told
    "request_list": READ,
    "action_list": READ,
    "request_create": EDIT,
    "request_detail": READ,
    "contact_list": READ,
    "contact_create": EDIT,
    "contact_detail": READ,
    "phone_script": READ,
    "person_contacts": READ,
    # closing an incident (issue 20)
    "closure": READ,
    "closure_review_edit": DPO_ONLY,
    "closure_close": DPO_ONLY,
    "closure_pdf": {"dpo", "auditor"},
    # issue 20: the regulator's case (written by the DPO only)
    "regulator": READ,
    "regulator_case_edit": DPO_ONLY,
    "regulator_correspondence_add": DPO_ONLY,
    "regulator_correspondence_file": READ,
    "regulator_request_add": DPO_ONLY,
    "regulator_request_answer": DPO_ONLY,
    "regulator_link_add": DPO_ONLY,
    "regulator_link_remove": DPO_ONLY,
    # processors and partner controllers (issue 19)
    "party_list": READ,
    "party_create": DPO_ONLY,
    "party_edit": DPO_ONLY,
    "party_remove": DPO_ONLY,
    "controller_notice": {"dpo", "auditor"},
    # two-factor sign-in (issue 17): your own settings, and everyone's activity
    "two_factor_status": READ | {"outsider"},
    "security_log": {"dpo", "auditor"},
}
# Django's own pages, with their own access rules.
NOT_OURS = {"login", "logout"}
# Health checks for load balancers: public, "OK"/"failed" only (tests/breachtracker/test_health.py).
PUBLIC = {"health", "health_web", "health_database", "health_redis", "health_workers"}
# The second sign-in step's pages and single sign-on: open before signing in, or redirecting once done
# (tests/accounts/).
SIGN_IN_STEPS = {"two_factor_verify", "two_factor_enrol", "two_factor_recovery_codes", "oidc_authentication_init",
                 "oidc_authentication_callback"}
# Pages about one user's kept upload (issue 16): the role rule is the same, but an allowed role's
# GET is 405 (a copy is made by POST) or 404 (no such file of theirs), never 200.
TOKEN_PAGES: dict[str, tuple[set[str], int]] = {
    "disclosure_copy": (EDIT, 405),
    "incident_disclosure_copy": (EDIT, 405),
    "disclosure_copy_download": (EDIT, 404),
}


def _names(patterns: list[Any], namespace: str | None = None) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            found |= _names(pattern.url_patterns, pattern.namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return found


class PermissionMatrixTests(EveryKindOfRecordTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.submission = report_services.report_submit(
            incident=cls.incident, actor=cls.dpo,
            fields={"kind": "initial", "submitted_at": cls.incident.aware_at + timedelta(hours=1)})

    def _url(self, name: str) -> str:
        ref = self.incident.reference
        args: dict[str, list[Any]] = {
            "incident_detail": [ref], "incident_edit": [ref], "incident_categories": [ref],
            "incident_correct_clock": [ref], "incident_close": [ref], "incident_reopen": [ref],
            "incident_history": [ref], "incident_audit_csv": [ref], "subject_list": [ref], "subject_create": [ref],
            "subject_detail": [ref, self.subject.pk], "subject_edit": [ref, self.subject.pk],
            "subject_history": [ref, self.subject.pk],
            "assessment": [ref], "assessment_create": [ref], "decision_create": [ref, "report"],
            "restriction_create": [self.part3.reference],
            "restriction_review": [self.part3.reference, self.restriction.pk],
            "submission_create": [ref],
            "incident_disclosure_check": [ref], "evidence_download": [ref, self.evidence.pk],
            "incident_disclosure_check_batch": [ref],
            "subject_import_upload": [ref], "subject_import_template": [ref],
            **{name: [ref, self.subject_import.pk] for name in (
                "subject_import_mapping", "subject_import_detail", "subject_import_progress", "subject_import_report")},
            "notification_list": [ref], "notification_plan": [ref], "batch_start": [ref],
            "letter_approval": [ref], "letter_sample": [ref, "victim"],
            "batch_progress": [ref, self.batch.pk], "notification_bulk": [ref], "outstanding_csv": [ref],
            "print_packs": [ref], "print_pack_download": [ref, self.pack.pk, "pdf"],
            "notification_detail": [ref, self.notification.pk], "notification_mark": [ref, self.notification.pk],
            "notification_pdf": [ref, self.notification.pk], "letter_template_edit": ["victim"],
            "report_preview": [ref], "report_details_edit": [ref], "report_json": [ref], "report_pdf": [ref],
            "report_snapshot": [ref, self.submission.snapshot.pk],
            "report_snapshot_download": [ref, self.submission.snapshot.pk, "pdf"], "register_export": ["xlsx"],
            "report_copy": [ref], "pecr_log_download": ["2024-02", "txt"],  # a month with no PECR breach
            "request_list": [ref], "action_list": [ref], "request_create": [ref], "request_detail": [ref, self.person_request.pk],
            "contact_detail": [ref, self.contact.pk], "contact_list": [ref], "contact_create": [ref],
            "phone_script": [ref], "person_contacts": [ref, self.subject.pk],
            "closure": [ref], "closure_review_edit": [ref], "closure_close": [ref], "closure_pdf": [ref],
            "party_list": [ref], "party_create": [ref, "partner"], "party_edit": [ref, self.partner.pk],
            "party_remove": [ref, self.partner.pk], "controller_notice": [self.processor_incident.reference],
            "regulator": [ref], "regulator_case_edit": [ref], "regulator_correspondence_add": [ref],
            "regulator_correspondence_file": [ref, self.regulator_letter.pk], "regulator_request_add": [ref],
            "regulator_request_answer": [ref, self.regulator_request.pk], "regulator_link_add": [ref],
            "regulator_link_remove": [ref, self.incident_link.pk],
        }
        return reverse(name, args=args.get(name, []))

    def test_every_url_has_a_rule(self) -> None:
        unlisted = (_names(get_resolver().url_patterns) - set(MATRIX) - set(TOKEN_PAGES) - NOT_OURS - PUBLIC
                    - SIGN_IN_STEPS)
        self.assertEqual(unlisted, set(), "Add these views to the permission matrix")

    def test_anonymous_users_are_sent_to_login(self) -> None:
        for name in MATRIX:
            url = self._url(name)
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, name)
            self.assertTrue(response["Location"].startswith(reverse("login")), name)

    def test_each_role_gets_200_or_403(self) -> None:
        people = {"dpo": self.dpo, "handler": self.handler, "auditor": self.auditor, "outsider": self.outsider}
        checked = 0
        for persona, user in people.items():
            sign_in(self.client, user)
            for name, allowed in MATRIX.items():
                response = self.client.get(self._url(name))
                expected = 200 if persona in allowed else 403
                self.assertEqual(response.status_code, expected, f"{persona} GET {name}")
                checked += 1
        self.assertEqual(checked, len(MATRIX) * 4)

    def test_each_role_gets_the_token_pages_or_403(self) -> None:
        token = "0" * 32
        args = {"disclosure_copy": [token], "incident_disclosure_copy": [self.incident.reference, token],
                "disclosure_copy_download": [token]}
        people = {"dpo": self.dpo, "handler": self.handler, "auditor": self.auditor, "outsider": self.outsider}
        for name, (allowed, status) in TOKEN_PAGES.items():
            url = reverse(name, args=args[name])
            self.client.logout()
            self.assertEqual(self.client.get(url).status_code, 302, name)
            for persona, user in people.items():
                sign_in(self.client, user)
                expected = status if persona in allowed else 403
                self.assertEqual(self.client.get(url).status_code, expected, f"{persona} GET {name}")

    def test_a_refused_post_changes_nothing(self) -> None:
        sign_in(self.client, self.auditor)
        response = self.client.post(self._url("incident_edit"), {"title": "Changed by an auditor"})
        self.assertEqual(response.status_code, 403)
        self.incident.refresh_from_db()
        self.assertNotEqual(self.incident.title, "Changed by an auditor")

    def test_the_403_page_explains_itself(self) -> None:
        sign_in(self.client, self.handler)
        response = self.client.get(self._url("organisation_edit"))
        self.assertContains(response, "You do not have permission", status_code=403)

    def test_auditors_see_no_edit_buttons(self) -> None:
        sign_in(self.client, self.auditor)
        response = self.client.get(self._url("incident_detail"))
        self.assertNotContains(response, self._url("incident_edit"))
        self.assertNotContains(response, reverse("incident_create"))

    def test_an_unknown_incident_is_404(self) -> None:
        sign_in(self.client, self.dpo)
        self.assertEqual(self.client.get(reverse("incident_detail", args=["BR-1999-0001"])).status_code, 404)

    def test_a_subject_is_only_found_under_its_own_incident(self) -> None:
        other = make_incident(actor=self.dpo)
        sign_in(self.client, self.dpo)
        url = reverse("subject_detail", args=[other.reference, self.subject.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

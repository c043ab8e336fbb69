"""End-to-end journeys in a real browser, one per role, with axe-core on every page."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from incidents import roles
from incidents.models import Incident
from tests.base import PASSWORD, make_incident, make_subject, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def type_datetime(page: Any, label: str, value: Any) -> None:
    """Set a native date-time picker that has keyboard focus.

    The picker itself is keyboard-operable (Chromium's own control); Playwright cannot type
    into its day/month/year segments reliably across locales, so the value is set on the
    focused control the way the picker would set it.
    """
    field = page.get_by_label(label)
    field.focus()
    field.fill(value.strftime("%Y-%m-%dT%H:%M"))


def test_auditor_reads_the_register_and_history_and_finds_no_edit_buttons(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_user("auditor", roles.AUDITOR)
    incident = make_incident(actor=dpo, title="FOI response with a hidden tab", regime="dpa_part3")
    subject = make_subject(incident, actor=dpo, full_name="Sam Witness")
    v = visit("auditor")
    v.login("auditor", PASSWORD)
    v.check("dashboard")
    v.page.get_by_role("link", name="Register").first.click()
    v.check("register")
    v.page.get_by_role("link", name=incident.reference).click()
    v.check("incident")
    v.page.get_by_role("link", name="History").click()
    expect(v.page.get_by_text("Dana Okafor").first).to_be_visible()
    v.check("incident-history")
    v.page.get_by_role("link", name="Affected people").click()
    v.page.get_by_role("link", name=subject.full_name).click()
    v.check("subject")
    v.page.get_by_role("link", name="Assessment & decisions").click()
    v.check("assessment")
    v.page.get_by_role("link", name="Notifications").click()
    v.check("notifications")
    for page_url in v.pages_checked:
        v.page.goto(page_url)
        edit_controls = sum(v.page.get_by_role(role, name=re.compile(name)).count() for role, name in (
            ("link", "^Edit"), ("button", "^Save"), ("link", "^Import"), ("link", "^Add a person"),
            ("link", "^Assess the risk"), ("link", "^Decide"), ("link", "^Record a report"),
            ("link", "^Generate letters"), ("button", "^Apply"), ("link", "^Print packs")))
        assert edit_controls == 0, page_url
        assert v.page.get_by_role("link", name="Log an incident").count() == 0

    # Exports: the audit trail for the regulator (people's details withheld) and the
    # outstanding list. The register's own exports come with issue 6.
    v.page.goto(f"{v.base_url}/incidents/{incident.reference}/history/")
    with v.page.expect_download() as download:
        v.page.get_by_role("link", name=re.compile("Download the audit trail")).click()
    audit = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert incident.reference in audit and "Sam Witness" not in audit
    v.page.goto(f"{v.base_url}/incidents/{incident.reference}/notifications/")
    with v.page.expect_download() as download:
        v.page.get_by_role("link", name=re.compile("Outstanding people")).click()
    assert Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]


def test_dpo_logs_an_incident_with_the_keyboard_only_and_sees_the_clock(visit: Any) -> None:
    make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    v = visit("dpo-keyboard")
    v.login("dpo", PASSWORD)
    page = v.page
    v.goto("/incidents/new/")
    v.check("new-incident-form")
    aware = timezone.localtime() - timedelta(hours=3)
    discovered = aware - timedelta(hours=1)
    page.get_by_label("Title").focus()
    page.keyboard.type("Crime data in an FOI response")
    page.keyboard.press("Tab")
    page.keyboard.type("A released spreadsheet had a hidden tab of victims.")
    page.keyboard.press("Tab")
    page.keyboard.type("A requester told us.")
    page.keyboard.press("Tab")
    page.keyboard.type("Hidden")  # a focused list picks the option typed
    page.keyboard.press("Tab")
    page.keyboard.type("DPA")
    page.get_by_label("Controller: we decide why and how the data is used").focus()
    page.keyboard.press("Space")
    page.get_by_label("Confidentiality breach").focus()
    page.keyboard.press("Space")
    type_datetime(page, "Discovered at", discovered)
    type_datetime(page, "Became aware at", aware)
    page.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=The regulator clock has started", timeout=10000)
    incident = Incident.objects.get()
    assert incident.regime == "dpa_part3" and incident.breach_confidentiality
    expect(page.get_by_text("Clock running")).to_be_visible()
    expect(page.get_by_text("left", exact=False).first).to_be_visible()
    v.check("incident-created")


def test_form_errors_are_linked_to_their_fields(visit: Any) -> None:
    make_user("handler", roles.HANDLER)
    v = visit("handler-errors")
    v.login("handler", PASSWORD)
    v.goto("/incidents/new/")
    v.page.get_by_role("button", name="Save").click()
    title = v.page.get_by_label("Title")
    # The click submits the form: wait for the page that comes back, not the one still showing.
    expect(title).to_have_attribute("aria-invalid", "true")
    described_by = title.get_attribute("aria-describedby") or ""
    error_ids = [i for i in described_by.split() if "error" in i]
    assert error_ids and "required" in v.page.locator(f"#{error_ids[0]}").inner_text().lower()
    v.check("form-errors")


def test_dpo_as_processor_names_the_controller_tells_them_and_is_refused_an_incomplete_notice(visit: Any) -> None:
    """Issue 19: as processor, the clock is time since we became aware, flagged until the
    controller is told; the notice to the controller is refused while facts are missing."""
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    incident = make_incident(actor=dpo, title="Payroll bureau: wrong file sent", data_role="processor")
    v = visit("dpo-processor")
    v.login("dpo", PASSWORD)
    page = v.page
    v.goto(f"/incidents/{incident.reference}/")
    expect(page.get_by_text("Tell the controller").first).to_be_visible()
    expect(page.get_by_text("we do neither ourselves unless the controller asked us to")).to_be_visible()
    v.check("incident")
    v.press(page.get_by_role("link", name="Controllers", exact=True))
    page.wait_for_selector("#no-controller")
    v.check("no-controller-named")
    v.press(page.get_by_role("link", name="Add a controller we process for"))
    v.tab_to(page.get_by_label("Organisation's name"))
    page.keyboard.type("Westshire County Council")
    v.press(page.get_by_role("button", name="Save"))
    page.wait_for_selector("text=has not been told yet")
    v.check("controller-not-told")
    v.press(page.get_by_role("link", name="Download the notice to the controller (PDF)"))
    page.wait_for_selector("#notice-refused")
    expect(page.get_by_text("The likely consequences are not written")).to_be_visible()
    # The refusal is a 400 page by design; Chromium logs any 4xx document as a console error.
    assert v.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    v.console_errors.clear()
    v.check("notice-refused")
    v.press(page.get_by_role("link", name="Back to the controllers"))
    v.press(page.get_by_role("link", name="Change Westshire County Council"))
    type_datetime(page, "When we told them", timezone.localtime())
    v.tab_to(page.get_by_label("How we told them"))
    page.keyboard.type("Email")
    v.tab_to(page.get_by_label("Who told them"))
    page.keyboard.type("Dana Okafor")
    v.press(page.get_by_role("button", name="Save"))
    page.wait_for_selector("text=Controller told")
    assert page.get_by_text("has not been told yet").count() == 0
    v.check("controller-told")
    told = incident.parties.get()
    assert told.told_how == "email" and told.told_at is not None
    v.press(page.get_by_role("link", name="History"))
    page.wait_for_url(re.compile(r".*/history/$"))
    expect(page.get_by_text("Controller we process for: Westshire County Council").first).to_be_visible()
    v.check("history")

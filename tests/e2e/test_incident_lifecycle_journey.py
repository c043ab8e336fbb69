"""A reported incident's later life in a real browser: the DPO corrects when the organisation
became aware, closes the incident (a reason is required) and reopens it; axe-core on each page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from incidents import roles
from incidents.models import ClockCorrection, Incident
from reporting import services as report_services
from tests.base import PASSWORD, make_incident, make_user
from tests.notifications.helpers import make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dpo_corrects_the_clock_then_closes_and_reopens_the_incident(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    aware_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=70)
    incident = make_incident(actor=dpo, title="Spreadsheet of officers sent in an FOI reply",
                             aware_at=aware_at, discovered_at=aware_at - timedelta(hours=30))
    report_services.report_submit(incident=incident, actor=dpo, fields={
        "kind": "initial", "submitted_at": aware_at + timedelta(hours=60)})
    earlier = aware_at - timedelta(hours=20)

    v = visit("dpo-lifecycle")
    v.login("dpo", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Correct the clock").click()
    v.page.wait_for_url(re.compile(r".*/clock/$"))
    v.check("clock-form")
    v.page.get_by_role("button", name="Record the correction").click()  # nothing changed, no reason
    expect(v.page.get_by_text("Say why the time or the regime was wrong.")).to_be_visible()
    v.check("clock-form-errors")
    v.page.get_by_label("Became aware at").fill(timezone.localtime(earlier).strftime("%Y-%m-%dT%H:%M"))
    v.page.get_by_label("Why the recorded value was wrong").fill("The contractor told us on the Monday.")
    v.page.get_by_role("button", name="Record the correction").click()
    v.page.wait_for_url(re.compile(rf".*/incidents/{incident.reference}/$"))
    expect(v.page.get_by_text("Clock corrected.")).to_be_visible()
    assert ClockCorrection.objects.get().aware_at_after == earlier
    v.check("incident-after-correction")

    v.page.get_by_role("link", name="Close the incident").click()
    v.page.wait_for_url(re.compile(r".*/closure/close/$"))
    v.page.get_by_role("button", name="Close the incident").click()  # no reason
    expect(v.page.get_by_text("Say why the incident can be closed.")).to_be_visible()
    v.check("close-form-errors")
    assert Incident.objects.get(pk=incident.pk).status != Incident.Status.CLOSED
    v.page.get_by_label("Why the incident can be closed").fill("Report sent; nothing left to do.")
    v.page.get_by_role("button", name="Close the incident").click()
    v.page.wait_for_url(re.compile(rf".*/incidents/{incident.reference}/closure/$"))
    expect(v.page.get_by_text("Incident closed.")).to_be_visible()
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED
    v.check("incident-closed")

    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Reopen the incident").click()
    v.page.wait_for_url(re.compile(r".*/reopen/$"))
    v.page.get_by_label("Reason").fill("More files were found in the reply.")
    v.page.get_by_role("button", name="Reopen the incident").click()
    v.page.wait_for_url(re.compile(rf".*/incidents/{incident.reference}/$"))
    expect(v.page.get_by_text("Incident reopened")).to_be_visible()
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.REPORTED
    v.goto(f"/incidents/{incident.reference}/history/")
    expect(v.page.get_by_text("Closed: Report sent; nothing left to do.").first).to_be_visible()
    v.check("history-after-reopening")

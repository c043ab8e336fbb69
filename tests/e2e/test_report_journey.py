"""The regulator report in a real browser: the DPO fills the gaps, axe-core on each page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from incidents import roles
from tests.base import PASSWORD, make_incident, make_subject, make_user
from tests.notifications.helpers import make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dpo_reads_the_report_fills_a_gap_and_sees_it_closed(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    incident = make_incident(actor=dpo, title="FOI response with a hidden tab", regime="dpa_part3")
    make_subject(incident, actor=dpo, full_name="Sam Witness")
    v = visit("dpo-report")
    v.login("dpo", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Regulator report").click()
    expect(v.page.get_by_role("heading", name="9. Have you told the data subjects?")).to_be_visible()
    assert v.page.get_by_text("Sam Witness").count() == 0
    v.check("regulator-report")
    v.page.locator("li", has_text="Potential consequences").get_by_role("link", name="fill it in").click()
    v.check("report-answers-form")
    v.page.get_by_label("Potential consequences").fill("Distress; risk of harm to victims.")
    v.page.get_by_role("button", name="Save").click()
    expect(v.page.get_by_text("Distress; risk of harm to victims.")).to_be_visible()
    assert v.page.locator("li", has_text="Potential consequences").count() == 0

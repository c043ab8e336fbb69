"""Issue 20's closing journey in a real browser, axe-core on each page: the DPO writes the
closure review, tries to close the incident with an action still open, is told what is open,
gives the reason for closing with it, and closes; the review shows the sign-off and the
dashboard its casework charts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from incidents import roles
from incidents.models import ClosureReview, Incident
from tests.base import PASSWORD, make_incident, make_user
from tests.incidents.test_closure import add_action, decide_not_to_report
from tests.notifications.helpers import make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dpo_writes_the_review_and_closes_with_an_action_open(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    incident = make_incident(actor=dpo, title="Officers' spreadsheet in an FOI reply")
    decide_not_to_report(incident, dpo)
    add_action(incident, dpo, description="Audit every spreadsheet published this year.")

    v = visit("dpo-closure")
    v.login("dpo", PASSWORD)
    v.goto("/")
    expect(v.page.get_by_text("0 actions overdue, 1 open and not yet due, 0 done.", exact=True)).to_be_visible()
    v.check("dashboard-charts")
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Closure", exact=True).click()
    v.page.wait_for_url(re.compile(r".*/closure/$"))
    expect(v.page.get_by_text("Still open: 1 open action.")).to_be_visible()
    v.check("closure-tab")

    v.page.get_by_role("link", name="Write the review").click()
    v.page.wait_for_url(re.compile(r".*/closure/edit/$"))
    v.page.get_by_role("button", name="Save the review").click()  # nothing written yet
    expect(v.page.get_by_text("Say what happened.")).to_be_visible()
    v.check("review-form-errors")
    v.page.get_by_label("What happened").fill("An FOI reply carried a hidden tab listing officers.")
    v.page.get_by_label("Lessons learned").fill("Check every file for hidden content before release.")
    v.page.get_by_role("button", name="Save the review").click()
    expect(v.page.get_by_text("Closure review saved.")).to_be_visible()
    expect(v.page.get_by_text("Check every file for hidden content before release.")).to_be_visible()

    v.page.get_by_role("link", name="Close the incident").click()
    v.page.wait_for_url(re.compile(r".*/closure/close/$"))
    expect(v.page.get_by_role("listitem").filter(has_text="1 open action")).to_be_visible()
    v.check("close-form")
    v.page.get_by_label("Why the incident can be closed").fill("The board accepted the review.")
    v.page.get_by_role("button", name="Close the incident").click()
    expect(v.page.get_by_text("You cannot close this incident yet. Not finished: 1 open action.")).to_be_visible()
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.NOT_REPORTED
    v.check("close-refused")
    v.page.get_by_label("Why close it with items still open").fill("The audit runs next quarter under the audit plan.")
    v.page.get_by_role("button", name="Close the incident").click()
    v.page.wait_for_url(re.compile(r".*/closure/$"))
    expect(v.page.get_by_text("Incident closed. The closure review is signed off.")).to_be_visible()
    expect(v.page.get_by_text("Signed off by Dana Okafor")).to_be_visible()
    review = ClosureReview.objects.get(incident=incident)
    assert (review.signed_off_by, review.open_items_at_close) == (dpo, "1 open action")
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.CLOSED
    v.check("closed")

    v.goto(f"/incidents/{incident.reference}/history/")
    expect(v.page.get_by_text("The audit runs next quarter under the audit plan.").first).to_be_visible()
    v.check("history-with-the-sign-off")

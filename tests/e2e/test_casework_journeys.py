"""Issue 20's role journeys in a real browser, axe-core on each page: a case handler records a
person's complaint and answers it; the DPO adds a preventive action and marks it done with
evidence. Each step is read back from the database and from the incident's History tab."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import roles
from incidents.models import IncidentAction, PersonRequest
from tests.base import PASSWORD, make_incident, make_subject, make_user
from tests.notifications.helpers import make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_handler_records_a_complaint_and_answers_it(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_user("handler", roles.HANDLER, first_name="Hari", last_name="Shah")
    make_organisation()
    incident = make_incident(actor=dpo, title="Crime reports attached to an FOI reply")
    person = make_subject(incident, actor=dpo, full_name="Wendy Witness")
    today = timezone.localdate()

    v = visit("handler-complaint")
    v.login("handler", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/subjects/{person.pk}/")
    v.page.get_by_role("link", name="Record a request or claim from them").click()
    v.page.wait_for_url(re.compile(r".*/requests/new/"))
    v.check("complaint-form")
    v.page.get_by_label("Kind").select_option("complaint")
    v.page.get_by_label("What they asked for").fill("Upset that her statement was sent to strangers.")
    v.page.get_by_role("button", name="Record it").click()  # a complaint needs a date to respond by
    expect(v.page.get_by_text("Set the date you will respond by.")).to_be_visible()
    assert not PersonRequest.objects.exists()
    v.check("complaint-form-errors")
    v.page.get_by_label("Respond by").fill((today + timedelta(days=20)).isoformat())
    v.page.get_by_role("button", name="Record it").click()
    v.page.wait_for_url(re.compile(r".*/requests/\d+/$"))
    expect(v.page.get_by_text("Complaint recorded")).to_be_visible()
    record = PersonRequest.objects.get()
    assert (record.subject_id, record.kind, record.status) == (person.pk, "complaint", "open")
    v.check("complaint-detail")

    v.page.get_by_label("What the response was").fill("Apologised in writing; explained what we have done.")
    v.page.get_by_role("button", name=re.compile("Record the response")).click()
    expect(v.page.get_by_text("Response recorded.")).to_be_visible()
    record.refresh_from_db()
    assert record.status == PersonRequest.Status.ANSWERED and record.answered_on == today
    assert record.history.first().history_user.username == "handler"
    v.check("complaint-answered")

    v.goto(f"/incidents/{incident.reference}/history/")
    expect(v.page.get_by_text("Complaint received").first).to_be_visible()
    v.check("history-with-complaint")


def test_dpo_adds_an_action_and_marks_it_done(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    incident = make_incident(actor=dpo, title="Officers' spreadsheet in an FOI reply")
    today = timezone.localdate()

    v = visit("dpo-action")
    v.login("dpo", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Actions").click()
    v.page.wait_for_url(re.compile(r".*/actions/$"))
    v.check("actions")
    v.page.get_by_label("Kind").select_option("preventive")
    v.page.get_by_label("What will be done").fill("Check every FOI reply for hidden sheets before it is sent.")
    v.page.get_by_label("Due by").fill((today + timedelta(days=14)).isoformat())
    v.page.get_by_role("button", name="Add the action").click()
    expect(v.page.get_by_text("Action added.")).to_be_visible()
    action = IncidentAction.objects.get()
    assert action.status == IncidentAction.Status.OPEN and action.owner.username == "dpo"
    v.check("action-added")

    v.page.get_by_label("What shows it was done").fill("FOI procedure v3 approved by the board.")
    v.page.get_by_role("button", name="Mark done").click()
    expect(v.page.get_by_text("Action marked done.")).to_be_visible()
    action.refresh_from_db()
    assert (action.status, action.done_on, action.evidence) == ("done", today, "FOI procedure v3 approved by the board.")
    v.check("action-done")

    v.goto(f"/incidents/{incident.reference}/report/")
    expect(v.page.get_by_text("Check every FOI reply for hidden sheets").first).to_be_visible()
    v.check("report-lists-the-action")



def test_handler_takes_a_call_from_the_script_and_follows_it_up(visit: Any) -> None:
    from incidents.models import Contact
    from notifications.models import Notification
    from tests.notifications.helpers import fill_plan

    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_user("handler", roles.HANDLER, first_name="Hari", last_name="Shah")
    make_organisation()
    incident = make_incident(actor=dpo, title="Crime reports attached to an FOI reply")
    person = make_subject(incident, actor=dpo, full_name="Wendy Witness")
    letter = Notification.objects.create(incident=incident, subject=person)
    fill_plan(incident, dpo)

    v = visit("handler-call")
    v.login("handler", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Calls & messages").click()
    v.page.wait_for_url(re.compile(r".*/contacts/$"))
    v.check("contacts-empty")
    v.page.get_by_role("link", name="Phone script").click()
    v.page.wait_for_url(re.compile(r".*/phone-script/$"))
    expect(v.page.get_by_text("A list with your name and address was sent to the wrong person")).to_be_visible()
    v.check("phone-script")
    v.page.get_by_role("link", name="Log a call or message").first.click()
    v.page.wait_for_url(re.compile(r".*/contacts/new/$"))
    v.page.get_by_label("Who it was, if they are on the list").fill("Wendy")  # a part of a name is not enough
    v.page.get_by_label("What they asked or said").fill("Who else has my statement?")
    v.page.get_by_role("button", name="Log it").click()
    expect(v.page.get_by_text("Nobody on this incident's list has that name or reference.")).to_be_visible()
    assert not Contact.objects.exists()
    v.check("contact-form-errors")
    v.page.get_by_label("Who it was, if they are on the list").fill(letter.letter_reference)
    v.page.get_by_label("What we told them").fill("What happened and what we have done, from the script.")
    v.page.get_by_label("Follow-up needed").fill("Send her the letter again in large print.")
    v.page.get_by_role("button", name="Log it").click()
    v.page.wait_for_url(re.compile(r".*/contacts/\d+/$"))
    expect(v.page.get_by_text("Contact logged.")).to_be_visible()
    contact = Contact.objects.get()
    assert (contact.subject_id, contact.status, contact.handled_by.username) == (person.pk, "follow_up", "handler")
    v.check("contact-detail")

    v.page.get_by_label("What was done").fill("Posted a large-print copy.")
    v.page.get_by_role("button", name="Follow-up done").click()
    expect(v.page.get_by_text("Follow-up recorded as done.")).to_be_visible()
    contact.refresh_from_db()
    assert (contact.status, contact.outcome) == ("done", "Posted a large-print copy.")

    v.goto(f"/incidents/{incident.reference}/subjects/{person.pk}/")
    v.page.get_by_role("link", name="Every contact with them, both ways").click()
    expect(v.page.get_by_text("Who else has my statement?")).to_be_visible()
    v.check("person-contacts")
    v.goto(f"/incidents/{incident.reference}/history/")
    expect(v.page.get_by_text("Follow-up done").first).to_be_visible()

"""Issue 20's regulator journey in a real browser, axe-core on each page: the DPO records an ICO
information request, uploads the reply letter as correspondence about it, and answers it. Each
step is read back from the database, the download and the incident's History tab."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents import roles
from incidents.models import RegulatorCorrespondence, RegulatorRequest
from tests.base import PASSWORD, make_incident, make_user
from tests.notifications.helpers import isolated_media, make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@isolated_media
def test_dpo_records_an_information_request_uploads_the_reply_and_answers_it(visit: Any) -> None:
    make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    incident = make_incident(title="Officers' spreadsheet in an FOI reply")
    today = timezone.localdate()
    letter = b"%PDF-1.4 Our reply to the ICO's questions of this week."

    v = visit("dpo-regulator-request")
    v.login("dpo", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/")
    v.page.get_by_role("link", name="Regulator's case").click()
    v.page.wait_for_url(re.compile(r".*/regulator/$"))
    expect(v.page.get_by_text("No information requests recorded.")).to_be_visible()
    v.check("regulator-tab")

    v.page.get_by_role("link", name="Record an information request").click()
    v.page.wait_for_url(re.compile(r".*/regulator/requests/new/$"))
    v.page.get_by_label("What the regulator asks for").fill("Your FOI release procedure and staff training records.")
    v.page.get_by_label("Reply by").fill((today - timedelta(days=1)).isoformat())  # before it was received
    v.page.get_by_role("button", name="Save the request").click()
    expect(v.page.get_by_text("The date to reply by cannot be before the request was received.")).to_be_visible()
    assert not RegulatorRequest.objects.exists()
    v.check("request-form-errors")
    v.page.get_by_label("Reply by").fill((today + timedelta(days=14)).isoformat())
    v.page.get_by_role("button", name="Save the request").click()
    v.page.wait_for_url(re.compile(r".*/regulator/$"))
    expect(v.page.get_by_text("Information request recorded")).to_be_visible()
    record = RegulatorRequest.objects.get()
    assert (record.status, record.owner.username, record.due_on) == ("open", "dpo", today + timedelta(days=14))
    v.check("request-recorded")

    v.page.get_by_role("link", name="Add correspondence").click()
    v.page.wait_for_url(re.compile(r".*/regulator/correspondence/new/$"))
    v.page.get_by_label("Direction").select_option("out")
    v.page.get_by_label("What it says").fill("Our reply: the procedure (v3) and the training records.")
    v.page.get_by_label("About information request").select_option(str(record.pk))
    v.page.get_by_label("File (optional)").set_input_files(
        {"name": "../../reply-to-ico.pdf", "mimeType": "application/pdf", "buffer": letter})
    v.check("correspondence-form")
    v.page.get_by_role("button", name="Save the correspondence").click()
    v.page.wait_for_url(re.compile(r".*/regulator/$"))
    expect(v.page.get_by_text("Correspondence recorded.")).to_be_visible()
    kept = RegulatorCorrespondence.objects.get()
    assert (kept.direction, kept.request_id, kept.file_name) == ("out", record.pk, "reply-to-ico.pdf")
    v.check("correspondence-recorded")
    with v.page.expect_download() as download:
        v.page.get_by_role("link", name=re.compile("Download")).click()
    assert download.value.suggested_filename == f"{incident.reference}-regulator-{kept.pk}.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == letter

    v.page.get_by_role("link", name=re.compile("Record the answer")).click()
    v.page.wait_for_url(re.compile(r".*/regulator/requests/\d+/answer/$"))
    v.page.get_by_label("What we replied").fill("Sent the procedure and training records (letter attached).")
    v.check("answer-form")
    v.page.get_by_role("button", name="Record the answer").click()
    v.page.wait_for_url(re.compile(r".*/regulator/$"))
    expect(v.page.get_by_text("Answer recorded.")).to_be_visible()
    expect(v.page.get_by_text(f"Answered on {today:%-d %b %Y}")).to_be_visible()
    record.refresh_from_db()
    assert (record.status, record.answered_on) == ("answered", today)
    assert record.history.first().history_user.username == "dpo"
    v.check("request-answered")

    v.goto(f"/incidents/{incident.reference}/history/")
    expect(v.page.get_by_text("Information request answered").first).to_be_visible()
    expect(v.page.get_by_text("Correspondence sent to the regulator").first).to_be_visible()
    v.check("history-with-the-regulator")

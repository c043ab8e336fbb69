"""The four role journeys of issue 8, in a real browser with a real Celery worker.

Background work (the import's check and import, letter generation, the print pack) runs in a
`celery worker` process against the live server's PostgreSQL test database and Redis; without
those services the journeys skip locally and fail in CI. axe-core runs on every page visited.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from pypdf import PdfReader
from django.utils import timezone

from incidents import roles
from incidents.models import DataSubject, Incident, SubjectImport
from incidents.vocab import roles_to_mask
from notifications import services as notification_services
from notifications.models import Notification, NotificationPlan
from tests.base import PASSWORD, make_incident, make_subject, make_user
from tests.notifications.helpers import ensure_letter_templates, generate_all, make_organisation, make_ready
from tests.worker import celery_worker, needs_services

from .test_journeys import type_datetime

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT_MS = 90_000  # background work on a shared 2-core machine
CSV_HEADERS = ["Reference", "Full name", "Date of birth", "Role", "Postcode", "Email", "Do not write", "Phone",
               "Preferred channel", "Data categories"]


def write_people_csv(path: Path, *, bad_rows: bool) -> Path:
    """300 people; with `bad_rows`, three of them carry the mistakes a real export has."""
    rows = []
    for n in range(300):
        rows.append([f"CR-{n:04d}", f"Person {n:03d} Example", f"19{50 + n % 40}-0{1 + n % 9}-1{n % 9}",
                     "Witness" if n % 3 else "Victim", "NN1 1AA", "",
                     *(["yes", "01234 567000", "phone"] if n % 50 == 7 else ["", "", ""]), ""])
    if bad_rows:
        rows[10][1] = ""                 # no name
        rows[20][3] = "Bystander"        # a role we do not know
        rows[30][2] = "31/02/1980"       # a date that does not exist
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADERS)
        writer.writerows(rows)
    return path


def upload_by_keyboard(v: Any, path: Path) -> None:
    """Choose a file with the keyboard: Space on the file control opens the chooser."""
    page = v.page
    page.wait_for_load_state()
    field = page.get_by_label("Spreadsheet of affected people")
    for key in ("Space", "Enter", "Space"):  # a busy machine can swallow the first key press
        v.tab_to(field)
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press(key)
        except PlaywrightTimeout:
            continue
        chooser.value.set_files(str(path))
        break
    else:
        raise AssertionError("the file control did not open a chooser from the keyboard")
    v.press(page.get_by_role("button", name="Upload and check"))


def test_dpo_goes_from_a_leak_to_a_recorded_report_with_the_keyboard_only(visit: Any, tmp_path: Path) -> None:
    needs_services()
    make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    v = visit("j1-dpo")
    page = v.page
    with celery_worker():
        v.goto("/login/")
        v.check("login")
        v.login_by_keyboard("dpo", PASSWORD)
        v.check("dashboard")
        v.press(page.get_by_role("link", name="Log an incident"))
        page.wait_for_url(re.compile(r".*/incidents/new/$"))
        v.check("new-incident")
        aware = timezone.localtime() - timedelta(hours=14)
        v.tab_to(page.get_by_label("Title"))
        page.keyboard.type("Victims' details in an FOI disclosure")
        page.keyboard.press("Tab")
        page.keyboard.type("A spreadsheet released under FOI had a hidden tab listing 300 victims and witnesses.")
        page.keyboard.press("Tab")
        page.keyboard.type("The requester emailed us the morning after.")
        page.keyboard.press("Tab")
        page.keyboard.type("Hidden")
        v.tab_to(page.get_by_label("Controller: we decide why and how the data is used"))
        page.keyboard.press("Space")
        v.tab_to(page.get_by_label("Confidentiality breach"))
        page.keyboard.press("Space")
        type_datetime(page, "Discovered at", aware - timedelta(hours=1))
        type_datetime(page, "Became aware at", aware)
        v.press(page.get_by_role("button", name="Save"))
        page.wait_for_selector("text=The regulator clock has started")
        incident = Incident.objects.get()
        # The clock in words and an icon-free badge, not colour alone.
        expect(page.get_by_text("Clock running").first).to_be_visible()
        expect(page.get_by_text(re.compile(r"\d+ hours? \d+ minutes? left|left")).first).to_be_visible()
        assert page.locator("figure.case-timeline").get_by_text("72-hour deadline").count() >= 1
        v.check("incident-with-clock")

        # Import 300 people from a spreadsheet with three bad rows.
        v.press(page.get_by_role("link", name="Affected people"))
        v.check("affected-people-empty")
        v.press(page.get_by_role("link", name="Import from a spreadsheet"))
        v.check("import-upload")
        upload_by_keyboard(v, write_people_csv(tmp_path / "victims-and-witnesses.csv", bad_rows=True))
        page.wait_for_selector("text=can be imported", timeout=WAIT_MS)
        expect(page.get_by_text("Bystander").first).to_be_visible()
        # Only the row with no name is left out; the other two people are kept, to check.
        assert (SubjectImport.objects.get().rows_invalid, SubjectImport.objects.get().rows_valid) == (1, 299)
        v.check("import-report-with-problems")
        v.press(page.get_by_role("button", name="Cancel: I will fix the file"))
        page.wait_for_selector("text=Import cancelled")
        v.check("import-cancelled")
        v.press(page.get_by_role("link", name="Upload the corrected file"))
        upload_by_keyboard(v, write_people_csv(tmp_path / "victims-and-witnesses-fixed.csv", bad_rows=False))
        page.wait_for_selector("text=can be imported", timeout=WAIT_MS)
        v.press(page.get_by_role("button", name="Import 300 valid rows"))
        page.wait_for_selector("text=Imported:", timeout=WAIT_MS)
        assert DataSubject.objects.filter(incident=incident).count() == 300
        v.check("import-done")

        # Assess the risk, then decide to report.
        v.press(page.get_by_role("link", name="Assessment & decisions"))
        v.press(page.get_by_role("link", name="Assess the risk"))
        v.check("assessment-form")
        # The danger question has no default: the journey must answer it.
        v.tab_to(page.get_by_role("radio", name="Yes"))
        page.keyboard.press("Space")
        v.tab_to(page.get_by_label("Published, or reached unknown recipients"))
        page.keyboard.press("Space")
        v.tab_to(page.get_by_label("Children or vulnerable people among those affected"))
        page.keyboard.press("Space")
        v.press(page.get_by_role("button", name="Save"))
        page.wait_for_selector("text=Assessment version 1 recorded")
        v.check("assessment-recorded")
        v.press(page.get_by_role("link", name="Decide on reporting"))
        v.check("decision-form")
        v.tab_to(page.get_by_label("Yes"))
        page.keyboard.press("Space")
        v.press(page.get_by_role("button", name="Save"))
        page.wait_for_selector("text=Decision recorded")
        v.check("decision-recorded")

        # The report to the ICO: preview, download the PDF, then record the submission.
        v.press(page.get_by_role("link", name="Regulator report"))
        page.wait_for_selector("text=Report to the ICO")
        v.check("regulator-report")
        with page.expect_download() as download_info:
            v.tab_to(page.get_by_role("link", name="Download PDF"))
            page.keyboard.press("Enter")
        pdf_path = tmp_path / "report.pdf"
        download_info.value.save_as(pdf_path)
        pdf_text = "\n".join(p.extract_text() for p in PdfReader(str(pdf_path)).pages)
        assert incident.reference in pdf_text and "Page 1 of" in pdf_text
        assert "Person 0" not in pdf_text  # people are counted in the report, never named
        v.press(page.get_by_role("link", name="Assessment & decisions").first)
        v.press(page.get_by_role("link", name="Record a report"))
        v.check("record-report-form")
        v.tab_to(page.get_by_label("Kind"))
        page.keyboard.type("Initial")
        type_datetime(page, "Submitted at", timezone.localtime())
        v.tab_to(page.get_by_label("Regulator's case reference"))
        page.keyboard.type("IC-123456-A1B2")
        v.press(page.get_by_role("button", name="Save"))
        page.wait_for_selector("text=IC-123456-A1B2")
        v.check("report-recorded")
        assert incident.submissions.get().ico_reference == "IC-123456-A1B2"

        v.press(page.get_by_role("link", name="Overview"))
        page.wait_for_selector("figure.case-timeline")
        timeline = page.locator("figure.case-timeline")
        assert timeline.get_by_text("Decision on reporting").count() >= 1
        assert timeline.get_by_text("Reported to the regulator").count() >= 1
        v.check("incident-timeline")

        # A partner controller (a records unit shared with a neighbouring force, issue 19): we
        # report to the ICO for both, we both tell the people, and we write on their behalf too.
        v.press(page.get_by_role("link", name="Controllers", exact=True))
        page.wait_for_selector("text=Partner controllers")
        v.check("controllers")
        v.press(page.get_by_role("link", name="Add a partner controller"))
        v.tab_to(page.get_by_label("Organisation's name"))
        page.keyboard.type("Southshire Constabulary")
        page.keyboard.press("Tab")
        page.keyboard.type("Data protection officer, dpo@southshire.example")
        v.tab_to(page.get_by_label("We do").first)
        page.keyboard.press("Space")
        v.tab_to(page.get_by_label("We do").nth(1))
        page.keyboard.press("Space")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        v.tab_to(page.get_by_label("Our report and letters are written on their behalf too"))
        page.keyboard.press("Space")
        v.check("partner-form")
        v.press(page.get_by_role("button", name="Save"))
        page.wait_for_selector("text=Partner controller recorded.")
        expect(page.locator("#partners").get_by_text("Both of us")).to_be_visible()
        v.check("partner-recorded")
        partner = incident.parties.get()
        assert (partner.reports_to_ico, partner.tells_people, partner.on_behalf) == ("us", "both", True)
        v.press(page.get_by_role("link", name="Regulator report"))
        page.wait_for_selector("#writing-controller")
        assert "also on behalf of Southshire Constabulary" in page.locator("#writing-controller").inner_text()
        v.check("report-on-behalf-of-partner")


def _people(incident: Incident, actor: Any, count: int, *, do_not_write: str = "") -> None:
    for n in range(count):
        make_subject(incident, actor=actor, full_name=f"Person {n:03d} Example", postcode="NN1 1AA",
                     address_line_1=f"{n} High Street", town="Northtown")
    if do_not_write:
        make_subject(incident, actor=actor, full_name=do_not_write, postcode="NN1 2BB", do_not_write=True,
                     address_line_1="2 Low Road", town="Northtown", phone="01234 000111",
                     roles=roles_to_mask(["victim"]))


def _plan(incident: Incident, actor: Any, *, approve: bool = True) -> None:
    notification_services.plan_update(incident=incident, actor=actor, fields={
        "target_date": timezone.localdate() + timedelta(days=10), "consequences": "Your name was disclosed.",
        "measures": "We asked the requester to delete the file.", "advice": "Call us with any worries.",
        "support": "Victim Support: 0808 16 89 111."})
    make_ready(incident, actor, approve=approve)


def test_dpo_generates_letters_watches_the_progress_and_downloads_the_print_pack(visit: Any) -> None:
    needs_services()
    ensure_letter_templates()
    make_organisation()
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    incident = make_incident(actor=dpo, title="Letters to the wrong address")
    _people(incident, dpo, 12, do_not_write="Robin Hidden")
    _plan(incident, dpo, approve=False)  # decided and written; the DPO approves in the browser
    v = visit("j2-letters")
    page = v.page
    with celery_worker():
        v.login("dpo", PASSWORD)
        page.get_by_role("link", name=incident.reference, exact=True).click()
        page.get_by_role("link", name="Notifications").click()
        v.check("notifications-empty")
        page.get_by_role("link", name="Generate letters").click()
        expect(page.get_by_text("Letters cannot be generated yet")).to_be_visible()
        v.check("generate-letters-unapproved")
        page.get_by_role("link", name="Preview and approve the letters").first.click()
        v.check("approve-letters")
        page.get_by_role("button", name="I have read the samples: approve these letters").click()
        page.wait_for_selector("text=Letters approved")
        v.check("generate-letters")
        page.get_by_role("button", name="Generate").click()
        page.wait_for_selector("#batch-text >> text=Finished", timeout=WAIT_MS)
        # The page reloads itself once the batch is done, so the list shows the letters.
        page.get_by_role("link", name="Generated").wait_for(timeout=WAIT_MS)
        page.wait_for_selector("#batch-text >> text=Finished")
        assert page.evaluate("document.getElementById('batch-bar').value") == 100
        assert page.get_by_role("link", name="PDF").count() == 12
        v.check("batch-finished")
        page.get_by_role("link", name="Print packs").click()
        page.get_by_role("button", name="Build a print pack").click()
        page.wait_for_selector("text=Building the print pack")
        v.check("print-pack-building")
        # The page refreshes itself while the pack is building.
        page.get_by_role("link", name="PDF").first.wait_for(timeout=WAIT_MS)
        page.wait_for_load_state()
        with page.expect_download() as download:
            page.get_by_role("link", name="PDF").first.click()
        pdf = Path(download.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 1000
        with page.expect_download() as manifest:
            page.get_by_role("link", name="Manifest (CSV)").first.click()
        assert "Robin Hidden" not in Path(manifest.value.path()).read_text()
        v.check("print-pack-ready")
        page.get_by_role("button", name="Mark this print pack as posted").click()
        page.wait_for_selector("text=12 letters marked sent")
        v.check("print-pack-posted")
    assert Notification.objects.filter(incident=incident, status="sent").count() == 12


def test_case_handler_ticks_off_fifty_records_a_call_and_cannot_decide(visit: Any) -> None:
    needs_services()
    ensure_letter_templates()
    make_organisation()
    dpo = make_user("dpo", roles.DPO)
    make_user("handler", roles.HANDLER, first_name="Harry", last_name="Hall")
    incident = make_incident(actor=dpo, title="Victim list emailed to a supplier")
    _people(incident, dpo, 60, do_not_write="Robin Hidden")
    _plan(incident, dpo)
    generate_all(notification_services.batch_start(incident=incident, actor=dpo))
    assert Notification.objects.filter(incident=incident, status="generated").count() == 60
    v = visit("j3-handler")
    page = v.page
    v.login("handler", PASSWORD)
    page.get_by_role("link", name=incident.reference, exact=True).click()
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("Told (sent or delivered): 0 of 61")).to_be_visible()
    v.check("notifications")
    page.get_by_role("navigation", name="Show people").get_by_role("link", name="Outstanding").click()
    v.check("outstanding")
    page.get_by_label("Select all on this page").check()
    assert page.locator(".row-select:checked").count() == 50
    page.get_by_label("With the selected people").select_option("sent")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("text=50 updated: marked “sent”")
    expect(page.get_by_text("Told (sent or delivered): 50 of 61")).to_be_visible()
    v.check("fifty-ticked")

    page.get_by_role("navigation", name="Show people").get_by_role("link", name="Withheld").click()
    page.get_by_role("link", name="Robin Hidden").click()
    v.check("do-not-write-person")
    page.get_by_label("Channel").select_option("phone")
    page.get_by_label("Outcome").select_option("told")
    page.get_by_role("button", name="Record contact").click()
    page.wait_for_selector("text=Contact recorded")
    v.check("phone-contact-recorded")
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("Told (sent or delivered): 51 of 61")).to_be_visible()
    v.check("progress-updated")
    page.get_by_role("link", name="Dashboard").click()
    chart = page.get_by_role("img", name=re.compile(f"{incident.reference}: people told over time, 51 of 61"))
    expect(chart).to_be_visible()
    v.check("dashboard-progress-chart")
    page.get_by_role("link", name=incident.reference, exact=True).click()
    assert NotificationPlan.objects.get(incident=incident)

    # A decision is the DPO's: the handler sees no button, and the address itself is refused.
    page.get_by_role("link", name="Assessment & decisions").click()
    assert page.get_by_role("link", name="Decide on reporting").count() == 0
    v.check("assessment-without-decision-buttons")
    response = page.goto(f"{v.base_url}/incidents/{incident.reference}/decisions/report/new/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name=re.compile("not allowed|permission", re.I)).count() >= 1
    # Chromium logs the 403 of the page itself as a console error: that one is the point here.
    assert all("403" in e for e in v.console_errors)
    v.console_errors.clear()
    v.check("decision-refused")

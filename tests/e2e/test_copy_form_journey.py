"""Issue 19: the DPO copies the report's answers into the ICO's online form, one by one,
ticking each; the ticks survive a reload; axe-core on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from incidents import roles
from reporting.services import report_details_save
from tests.base import PASSWORD, make_incident, make_subject, make_user
from tests.notifications.helpers import make_organisation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dpo_copies_an_answer_and_ticks_it(visit: Any) -> None:
    dpo = make_user("dpo", roles.DPO, first_name="Dana", last_name="Okafor")
    make_organisation()
    incident = make_incident(actor=dpo, title="Officers' spreadsheet in an FOI reply",
                             description="A spreadsheet of 10,000 officers went out with an FOI reply.")
    make_subject(incident, actor=dpo, full_name="Oliver Officer")
    report_details_save(incident=incident, actor=dpo, fields={"consequences": "Officers may be targeted."})
    v = visit("dpo-copy-form")
    v.page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=v.base_url)
    v.login("dpo", PASSWORD)
    v.goto(f"/incidents/{incident.reference}/report/")
    v.page.get_by_role("link", name="Fill in the ICO's online form").click()
    v.page.wait_for_url(f"**/incidents/{incident.reference}/report/copy/")
    v.check("copy-form")
    v.page.locator('button[data-copy="answer-what_happened"]').click()
    # The clipboard write is asynchronous: wait for the page to say so, do not read at once.
    expect(v.page.locator('[data-copied-for="answer-what_happened"]')).to_have_text("Copied", timeout=30_000)
    assert v.page.evaluate("navigator.clipboard.readText()") == incident.description
    v.page.get_by_label("Pasted into the ICO's form").first.check()
    expect(v.page.locator("#copy-progress")).to_have_text(re.compile(r"^1 of "), timeout=30_000)
    v.page.reload()
    expect(v.page.get_by_label("Pasted into the ICO's form").first).to_be_checked(timeout=30_000)
    expect(v.page.locator("#copy-progress")).to_have_text(re.compile(r"^1 of "), timeout=30_000)
    assert "Oliver" not in v.page.content()
    v.check("copy-form-ticked")

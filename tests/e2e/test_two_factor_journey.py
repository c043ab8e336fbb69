"""Two-factor sign-in in a real browser: set-up with the QR code page, recovery codes, the code page."""

from __future__ import annotations

import re
from base64 import b32decode
from typing import Any

import pytest
from playwright.sync_api import expect
from django_otp.oath import totp

from incidents import roles
from tests.base import PASSWORD, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_case_handler_sets_up_an_app_and_signs_in_with_a_code(visit: Any) -> None:
    make_user("newhandler", roles.HANDLER)
    v = visit("two-factor")
    v.goto("/login/")
    v.page.get_by_label("Username").fill("newhandler")
    v.page.get_by_label("Password").fill(PASSWORD)
    v.page.get_by_role("button", name="Sign in").click()
    v.page.wait_for_url(re.compile(r".*/account/two-factor/set-up/"))
    expect(v.page.locator("figure.qr-code svg")).to_be_visible()
    v.check("set-up")
    key = v.page.locator("#secret").inner_text().replace(" ", "")
    code = f"{totp(b32decode(key + '=' * (-len(key) % 8))):06d}"
    v.page.get_by_label("Code from your app").fill(code)
    v.page.get_by_role("button", name="Turn on two-factor sign-in").click()
    v.page.wait_for_url(re.compile(r".*/account/two-factor/recovery-codes/"))
    codes = v.page.get_by_role("list", name="Recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    v.check("recovery-codes")
    v.page.get_by_role("link", name="I have saved my recovery codes").click()
    v.page.wait_for_url(re.compile(r".*/$"))
    v.check("dashboard")
    v.page.get_by_role("button", name="Sign out").click()
    v.page.wait_for_url(re.compile(r".*/login/"))

    v.page.get_by_label("Username").fill("newhandler")
    v.page.get_by_label("Password").fill(PASSWORD)
    v.page.get_by_role("button", name="Sign in").click()
    v.page.wait_for_url(re.compile(r".*/account/two-factor/verify/"))
    v.page.get_by_label("Code").fill("000000" if codes[0] != "000000" else "111111")
    v.page.get_by_role("button", name="Continue").click()
    expect(v.page.get_by_text("That code is not right")).to_be_visible()
    v.check("wrong-code")
    # A wrong code locks the device for a second: if the next try comes within it, the page
    # says how long to wait, and the code is accepted after that wait (a refused try while
    # locked does not lengthen the lock).
    for _ in range(5):
        v.page.get_by_label("Code").fill(codes[0])
        v.page.get_by_role("button", name="Continue").click()
        v.page.wait_for_load_state()
        wait = re.search(r"Wait (\d+) seconds?", v.page.content())
        if wait is None:
            break
        v.page.wait_for_timeout(int(wait.group(1)) * 1000 + 500)
    v.page.wait_for_url(re.compile(r".*/$"))
    expect(v.page.get_by_text("You used a recovery code. You have 9 left")).to_be_visible()
    v.check("signed-in-with-recovery-code")

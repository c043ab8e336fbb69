"""Browser tests: Playwright driving Debian's Chromium against the app on 127.0.0.1.

Chromium is launched by its path (headless, --no-sandbox); Playwright's own browser download
is never used. Where Chromium is missing the tests skip locally and fail in CI.
Screenshots go to artifacts/screenshots/ (listed in the README).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from tests.base import app_device, unused_code

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BREACHTRACKER_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("BREACHTRACKER_REQUIRE_SERVICES"):
            pytest.fail(f"CI must run the browser tests: {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    # CI shares a busy two-core machine: an assertion waits up to 30 s for the page to show
    # what it expects (it passes as soon as it does), so a slow moment is not a failure.
    expect.set_options(timeout=30_000)

    # Playwright's sync API keeps an event loop in this thread for the whole session; the ORM
    # calls tests (and database teardown) make meanwhile are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Visit:
    """A signed-in browser session with the checks every journey makes on every page."""

    def __init__(self, page: Any, base_url: str, journey: str) -> None:
        self.page = page
        self.base_url = base_url
        self.journey = journey
        self.pages_checked: list[str] = []
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def login(self, username: str, password: str) -> None:
        """The password, then the code from the user's authenticator app (set up if need be)."""
        device = app_device(get_user_model().objects.get(username=username))
        self.goto("/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(re.compile(r".*/account/two-factor/verify/"))
        self.page.get_by_label("Code").fill(unused_code(device))
        self.page.get_by_role("button", name="Continue").click()
        self.page.wait_for_url(re.compile(r".*(?<!/login)(?<!/verify)/$"))  # past both steps

    def tab_to(self, target: Any, limit: int = 200) -> None:
        """Press Tab until `target` (a locator) has focus, as a keyboard user would."""
        for _ in range(limit):
            if target.evaluate("el => el === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"could not reach {target} with the Tab key in {limit} presses")

    def press(self, target: Any, key: str = "Enter") -> None:
        """Tab to a control and operate it with the keyboard (Enter for links and buttons)."""
        self.tab_to(target)
        self.page.keyboard.press(key)
        self.page.wait_for_load_state()

    def login_by_keyboard(self, username: str, password: str) -> None:
        device = app_device(get_user_model().objects.get(username=username))
        self.goto("/login/")
        self.tab_to(self.page.get_by_label("Username"))
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(password)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(re.compile(r".*/account/two-factor/verify/"))
        # The code box has focus when the page opens.
        self.page.keyboard.type(unused_code(device))
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(re.compile(r".*(?<!/login)(?<!/verify)/$"))  # past both steps

    def check(self, step: str) -> None:
        """Screenshot the page, run axe-core on it, and fail on CSP or script errors."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", f"{self.journey}-{len(self.pages_checked) + 1:02d}-{step}".lower())
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        # evaluate() runs through DevTools, so the page's CSP does not have to allow it.
        self.page.evaluate(AXE)
        result = self.page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']})).violations"
        )
        serious = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result if v["impact"] in ("serious", "critical")
        ]
        assert not serious, f"axe on {self.page.url}: {json.dumps(serious, indent=1)}"
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors}"
        self.pages_checked.append(self.page.url)


@pytest.fixture
def visit(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    def start(journey: str) -> Visit:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(30_000)
        request.addfinalizer(context.close)
        return Visit(context.new_page(), live_server.url, journey)

    yield start

"""Browser fixtures: the whole local stack (`stack`, `http` from the end-to-end suite) plus Debian's Chromium
driven with Playwright's sync API. The tests log in through the real SSO page (authorization code + PKCE)."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e import conftest as e2e
from tests.e2e.conftest import Http

# the end-to-end suite's HTTP helper, re-exported; `stack` below runs the end-to-end suite's fixture too
http = e2e.http


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The end-to-end suite's `stack` fixture (the whole local stack on free ports; it forgets the in-process
    clients of any other stack before it starts and after it stops), for this suite."""
    run = getattr(e2e.stack, "__wrapped__", e2e.stack)
    gen = run(tmp_path_factory)
    st = next(gen)
    try:
        yield st
    finally:
        next(gen, None)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Session:
    """One browser context (its own sessionStorage) logged in as one user."""

    def __init__(self, browser: Any, admin_url: str, clock: bool = False) -> None:
        self.admin = admin_url.rstrip("/")
        self.context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="id-ID",
                                           timezone_id="Asia/Jakarta")
        if clock:  # fake timers (time still flows); the test can then run the page's intervals early
            self.context.clock.install()
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text:
            self.errors.append(msg.text)

    def login(self, user: str, route: str = "") -> Any:
        page = self.page
        page.goto(f"{self.admin}/{route}")
        page.wait_for_selector("#username")  # the SSO login page
        page.fill("#username", user)
        page.fill("#password", "demo")
        page.click("#submit")
        page.wait_for_url(f"{self.admin}/**")
        page.wait_for_selector("#page-title")
        return page

    def go(self, route: str) -> Any:
        self.page.goto(f"{self.admin}/{route}")
        self.page.wait_for_selector("#page-title")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def browser_session(chromium: Any, stack: Any) -> Iterator[Callable[..., Any]]:
    """`s = browser_session("operator1", "#/antrian")` → a fresh context logged in through the SSO page."""
    opened: list[Session] = []

    def open_as(user: str, route: str = "", clock: bool = False) -> Any:
        s = Session(chromium, stack.url["admin"], clock=clock)
        opened.append(s)
        s.login(user, route)
        return s

    yield open_as
    for s in opened:
        assert not s.errors, f"page errors or CSP violations: {s.errors}"
        s.close()


def wait_for(predicate: Callable[[], Any], timeout_s: float = 20.0, interval_s: float = 0.25, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out waiting for {what or predicate}: last={last!r}")


def new_consultation(client: Http, subject: str, consumer: str = "consumer1") -> dict[str, Any]:
    status, body = client.call("POST", "/requests", consumer, {
        "kind": "consultation", "topic": "data", "subject": subject,
        "question": f"Mohon informasi {subject} menurut provinsi tahun 2023.",
    })
    assert status == 201, body
    return body


def wait_assigned(client: Http, request_id: str) -> dict[str, Any]:
    def assigned() -> Any:
        status, body = client.call("GET", f"/ops/requests/{request_id}", "supervisor1")
        return body if status == 200 and body.get("assignee") else None
    return wait_for(assigned, what=f"{request_id} to be assigned")


# --- the public portal (issue 21) ---------------------------------------------------------------------------
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


class PortalSession(Session):
    """A browser context on the public portal (phone or desktop viewport); logs in through the SSO page when a
    page needs an account."""

    def __init__(self, browser: Any, portal_url: str, viewport: dict[str, int], **context: Any) -> None:
        self.admin = self.portal = portal_url.rstrip("/")
        phone = viewport["width"] < 600
        self.context = browser.new_context(viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta",
                                           is_mobile=phone, has_touch=phone, accept_downloads=True, **context)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)

    def sso_login(self, user: str, password: str = "demo") -> Any:
        """On the SSO login page (after the portal sent the browser there): log in and come back."""
        page = self.page
        page.wait_for_selector("#username")
        page.fill("#username", user)
        page.fill("#password", password)
        page.click("#submit")
        page.wait_for_url(f"{self.portal}/**")
        page.wait_for_selector("#page-title")
        return page

    def login(self, user: str, route: str = "#/permintaan") -> Any:
        """Open a page that needs an account as the first page of the visit: straight to the SSO and back."""
        self.page.goto(f"{self.portal}/{route}")
        return self.sso_login(user)


@pytest.fixture
def portal(chromium: Any, stack: Any) -> Iterator[Callable[..., PortalSession]]:
    """`s = portal("phone")` → a fresh portal context (not logged in); `s.login("consumer1", "#/konsultasi")`."""
    opened: list[PortalSession] = []

    def open_(viewport: str = "phone", **context: Any) -> PortalSession:
        s = PortalSession(chromium, stack.url["portal"], PHONE if viewport == "phone" else DESKTOP, **context)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        errors = list(s.errors)
        s.close()
        assert not errors, f"page errors or CSP violations: {errors}"


# --- e-mail the stack sent (moto's SES) ------------------------------------------------------------------
def ses_messages(http: Any) -> list[dict[str, Any]]:
    """What the stack's SES (moto's server) has sent, oldest first."""
    st, raw = http.call("GET", "/moto-api/data.json", base="moto")
    assert st == 200
    data = raw if isinstance(raw, dict) else json.loads(raw)
    return list(data.get("ses", {}).get("Message", []))


def code_sent_to(http: Any, address: str, after: int) -> tuple[str, int]:
    """The newest verification code SES (moto) sent to ``address`` among messages after the first ``after``."""
    def newest() -> tuple[str, int] | None:
        msgs = ses_messages(http)
        mine = [m for m in msgs[after:] if address in (m.get("destinations") or {}).get("ToAddresses", [])
                and "verifikasi" in (m.get("subject") or "").lower()]
        if not mine:
            return None
        found = re.search(r"e-mail Anda: (\d{6})", mine[-1].get("body") or "")
        return (found.group(1), len(msgs)) if found else None

    return wait_for(newest, timeout_s=30, what=f"a verification code to {address}")

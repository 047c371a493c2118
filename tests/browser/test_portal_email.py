"""A new e-mail address on the portal's profile page (SPEC §8 "Identity"): it waits, unverified, until the code
sent to it is entered on the same page; a wrong code is refused in Indonesian; the verified address is the
profile's. The round trip ends on the original address, so the shared stack's other tests keep theirs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import code_sent_to, ses_messages, wait_for
from tests.browser.test_portal_a11y import serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

USER = "consumer2"


def ses_count(http: Any) -> int:
    return len(ses_messages(http))


def change_and_verify(page: Any, http: Any, address: str, *, try_wrong: bool = False) -> None:
    before = ses_count(http)
    page.fill("#profile-form input[name=email]", address)
    page.click("#profile-save")
    page.wait_for_selector(f"#toasts >> text=Kode verifikasi dikirim ke {address}")
    page.wait_for_selector("#email-verify")
    assert page.inner_text("#pending-email") == address
    wait_for(lambda: page.evaluate("document.activeElement.id") == "verify-code", what="the code field focused")
    code, _ = code_sent_to(http, address, before)
    if try_wrong:
        page.fill("#verify-code", "000000" if code != "000000" else "111111")
        page.click("#verify-submit")
        page.wait_for_selector("#verify-form .alert-error")
        text = page.inner_text("#verify-form .alert-error")
        assert "Kode verifikasi salah" in text and "wrong" not in text, text
        page.fill("#verify-code", "12")  # not a code at all: said before anything is sent
        page.click("#verify-submit")
        page.wait_for_selector("#verify-form .alert-error >> text=6 angka")
    enter_code(page, code, address)


def enter_code(page: Any, code: str, address: str) -> None:
    """The right code: the address is the profile's, and nothing waits any more."""
    page.fill("#verify-code", code)
    page.click("#verify-submit")
    page.wait_for_selector(f"#toasts >> text=Alamat email {address} terverifikasi")
    page.wait_for_selector("#profile-form")
    assert page.locator("#email-verify").count() == 0
    assert page.input_value("#profile-form input[name=email]") == address


def test_a_new_address_is_verified_on_the_profile_page(portal: Any, http: Any) -> None:
    st, me = http.call("GET", "/me", USER)
    assert st == 200 and me["email"] and not me.get("pending_email"), me
    original = me["email"]
    s = portal("phone", bypass_csp=True)  # axe-core is injected as a script below (the flow tests check the CSP)
    page = s.login(USER, "#/profil")
    page.wait_for_selector("#profile-form")
    assert page.locator("#email-verify").count() == 0  # nothing waits

    new = "dua.baru@example.id"
    change_and_verify(page, http, new, try_wrong=True)
    st, me = http.call("GET", "/me", USER)
    assert st == 200 and me["email"] == new and me["pending_email"] is None, me

    # a pending address survives a reload: the page asks for its code again
    before = ses_count(http)
    page.fill("#profile-form input[name=email]", original)
    page.click("#profile-save")
    page.wait_for_selector(f"#toasts >> text=Kode verifikasi dikirim ke {original}")
    first, _ = code_sent_to(http, original, before)
    page.reload()
    page.wait_for_selector("#email-verify")
    assert page.inner_text("#pending-email") == original
    assert "Kode berlaku sampai" in page.inner_text("#email-verify")
    assert http.call("GET", "/me", USER)[1]["email"] == new  # not before its code
    # the card with its error shown passes axe-core like every other view (tests/browser/test_portal_a11y.py)
    page.click("#verify-submit")  # empty: the page says what is missing
    page.wait_for_selector("#verify-form .alert-error")
    found = serious({"profile, e-mail waiting for its code": violations(page)})
    assert not found, found

    # "Kirim kode baru": a fresh code; the first one no longer confirms the address
    before = ses_count(http)
    page.click("#verify-send")
    page.wait_for_selector(f"#toasts >> text=Kode verifikasi dikirim ke {original}")
    second, _ = code_sent_to(http, original, before)
    if second != first:
        page.fill("#verify-code", first)
        page.click("#verify-submit")
        page.wait_for_selector("#verify-form .alert-error >> text=Kode verifikasi salah")
    enter_code(page, second, original)
    assert http.call("GET", "/me", USER)[1]["email"] == original

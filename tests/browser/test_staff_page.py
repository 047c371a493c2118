"""The admin page's staff and units view (issue 18) in headless Chromium against the whole local stack: the
admin creates a producer unit and an operator, edits the operator's quota and roles, deactivates them; every
change is checked through the API. A supervisor does not see the view."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _staff(http: Any, user_id: str) -> dict[str, Any]:
    status, body = http.call("GET", f"/ops/staff/{user_id}", "admin1")
    assert status == 200, body
    return body


def test_admin_manages_staff_and_units(browser_session: Any, http: Any) -> None:
    s = browser_session("admin1", "#/petugas")
    page = s.page
    assert "Petugas & unit" in " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    page.wait_for_selector("#unit-form")
    assert page.inner_text("#page-title") == "Petugas & unit"

    # a new producer unit
    page.fill("#unit-code", "ipdsweb")
    page.fill("#unit-new-name", "Integrasi Pengolahan dan Diseminasi Statistik")
    page.click("#unit-add")
    page.wait_for_selector("tr[data-unit='ipdsweb']")
    status, unit = http.call("GET", "/ops/units/ipdsweb", "admin1")
    assert status == 200 and unit["name"].startswith("Integrasi") and unit["active"], unit

    # a new operator (the SSO user's sub), with a quota and services
    page.fill("#new-user_id", "kc-browser-op")
    page.fill("#new-name", "Sari Anggraini")
    page.fill("#new-email", "sari@bps.example.id")
    page.check("#new-role-operator")
    page.fill("#new-quota", "3")
    page.check("#new-svc-consultation")
    page.click("#new-save")
    page.wait_for_selector("tr[data-staff='kc-browser-op']")
    out = _staff(http, "kc-browser-op")
    assert out["roles"] == ["operator"] and out["operator"]["quota"] == 3, out
    assert out["operator"]["services"] == ["consultation"] and out["active"]

    # invalid input is shown in the form, in Indonesian, with the field flagged
    page.fill("#new-user_id", "kc-browser-op")
    page.fill("#new-name", "Duplikat")
    page.check("#new-role-operator")
    page.click("#new-save")
    page.wait_for_selector("#staff-create .alert-error")

    # edit: quota up, supervisor role too
    page.click("#edit-kc-browser-op")
    page.wait_for_selector("#edit-form")
    page.fill("#edit-quota", "4")
    page.check("#edit-role-supervisor")
    page.click("#edit-save")
    wait_for(lambda: _staff(http, "kc-browser-op")["operator"]["quota"] == 4, what="quota saved")
    out = _staff(http, "kc-browser-op")
    assert out["roles"] == ["operator", "supervisor"], out

    # a unit's new name being typed, then a staff member deactivated (roles revoked, the operator record
    # inactive): the lists reload, the typed name stays
    page.fill("#unit-name-ipdsweb", "IPDS")
    page.wait_for_selector("#toggle-kc-browser-op >> text=Nonaktifkan")
    page.click("#toggle-kc-browser-op")
    wait_for(lambda: not _staff(http, "kc-browser-op")["active"], what="deactivated")
    assert _staff(http, "kc-browser-op")["operator"]["active"] is False
    page.wait_for_selector("#toggle-kc-browser-op >> text=Aktifkan")
    assert page.input_value("#unit-name-ipdsweb") == "IPDS"

    # the unit renamed, then deactivated
    page.click("#unit-save-ipdsweb")
    wait_for(lambda: http.call("GET", "/ops/units/ipdsweb", "admin1")[1]["name"] == "IPDS", what="unit renamed")
    page.wait_for_selector("#unit-toggle-ipdsweb >> text=Nonaktifkan")
    page.click("#unit-toggle-ipdsweb")
    wait_for(lambda: http.call("GET", "/ops/units/ipdsweb", "admin1")[1]["active"] is False, what="unit inactive")


def test_supervisor_has_no_staff_view(browser_session: Any) -> None:
    s = browser_session("supervisor1", "#/petugas")
    page = s.page
    assert "Petugas & unit" not in " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    page.wait_for_selector("text=Menu ini tidak tersedia untuk peran Anda.")


def test_staff_and_unit_tables_fit_a_phone(browser_session: Any) -> None:
    """On a phone the staff and unit tables become cards (each cell labelled) instead of scrolling sideways."""
    s = browser_session("admin1", "#/petugas")
    page = s.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_selector(".staff-table tbody tr")
    page.wait_for_selector(".units-table tbody tr")
    for table in (".staff-table", ".units-table"):
        wide = page.evaluate("""(sel) => {
            const wrap = document.querySelector(sel).closest(".table-wrap");
            return { scroll: wrap.scrollWidth, client: wrap.clientWidth,
                     head: getComputedStyle(document.querySelector(sel + " thead")).display,
                     label: getComputedStyle(document.querySelector(sel + " tbody [data-label]"), "::before").content };
        }""", table)
        assert wide["scroll"] <= wide["client"] + 1, (table, wide)  # nothing hidden to the right
        assert wide["head"] == "none" and wide["label"] not in ("none", "normal", ""), (table, wide)

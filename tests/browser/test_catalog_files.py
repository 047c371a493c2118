"""File-backed catalog items in the browser (issue 19 §1, issue 21 "direct download for open file-backed items"):
an admin attaches a data file to a catalog item on the admin page (SHA-256 computed in the page, pre-signed POST,
the worker's verification shown); on the portal anyone downloads an open item's file from its detail page, and a
consumer's auto-delivered order shows its files; axe-core finds no serious or critical issue on these views."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for
from tests.browser.test_portal_a11y import axe_source, ready, serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_an_admin_attaches_a_file_and_the_portal_offers_it(browser_session: Any, portal: Any, http: Any,
                                                           tmp_path: Path) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    data = b"provinsi,luas_km2\nACEH,56835\nBALI,5780\nPAPUA,82681\n"
    csv = tmp_path / "luas wilayah 2024.csv"
    csv.write_bytes(data)
    item = {"id": "TS-UJI-BERKAS-1", "type": "table_static", "title": "Luas Wilayah Menurut Provinsi (uji berkas)",
            "subject": "Geografi", "year": 2024, "release_date": "2024-05-01", "format": "csv"}
    assert http.call("POST", "/ops/catalog/items", "admin1", item)[0] in (201, 409)
    s = browser_session("admin1", "#/katalog/TS-UJI-BERKAS-1")
    # axe through an init script (not subject to the pages' CSP, which the session checks): loaded on the reload
    s.context.add_init_script(script=axe_source())
    page = s.page
    page.reload()
    page.wait_for_selector("#page-title")
    page.wait_for_selector("#catalog-file-form")
    expect(page.locator("#catalog-files .loading")).to_have_count(0)
    page.set_input_files("#catalog-file", str(csv))
    page.click("#catalog-file-upload")
    page.wait_for_selector("#catalog-file-status >> text=terverifikasi", timeout=45_000)
    row = page.wait_for_selector("#catalog-files-table tr[data-status='ready']")
    assert "luas wilayah 2024.csv" in row.inner_text()
    found["admin: berkas data item katalog"] = violations(page)
    st, files = http.call("GET", "/ops/catalog/items/TS-UJI-BERKAS-1/files", "admin1")
    mine = [f for f in files if f["status"] == "ready" and f["filename"] == "luas wilayah 2024.csv"]
    assert mine and mine[-1]["sha256"] == hashlib.sha256(data).hexdigest()  # the page hashed the file itself

    # the portal, not logged in, on a phone: "Unduh" on the item's detail starts the download
    p = portal("phone")
    p.context.add_init_script(script=axe_source())
    p.page.goto(f"{p.portal}/#/katalog/TS-UJI-BERKAS-1")
    ready(p.page)
    button = p.page.wait_for_selector("#item-files button:has-text('Unduh luas wilayah 2024.csv')")
    with p.page.expect_download() as dl:
        button.click()
    got = Path(dl.value.path()).read_bytes()
    assert got == data and dl.value.suggested_filename == "luas wilayah 2024.csv"
    p.page.wait_for_selector("#file-status >> text=dimulai")
    found["portal: detail data berberkas"] = violations(p.page)

    # a consumer's order of it is delivered automatically and shows its files
    st, req = http.call("POST", "/requests", "consumer1", {"kind": "data_order", "purpose": "Penelitian",
                                                          "items": [{"catalog_id": "TS-UJI-BERKAS-1"}]})
    assert st == 201, req
    rid = req["request_id"]
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer1")[1]["status"] == "delivered", timeout_s=40,
             what="the automatic delivery")
    c = portal("desktop")
    c.context.add_init_script(script=axe_source())
    c.login("consumer1", f"#/permintaan/{rid}")
    ready(c.page, "#deliverables")
    assert c.page.is_visible("#auto-delivered")
    assert c.page.is_visible("#deliverables a:has-text('Unduh luas wilayah 2024.csv')")
    found["portal: permintaan terkirim otomatis"] = violations(c.page)
    assert serious(found) == {}, serious(found)

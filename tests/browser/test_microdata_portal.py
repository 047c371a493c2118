"""The microdata application in the browser (issue 19 item 5, issue 21): on the portal the consumer orders
microdata with the project details and accepts the data-use agreement shown with its version; on the admin
request view the operator returns it for revision with comments; on the portal the consumer sees the comments,
edits and resubmits it, and attaches a document (uploaded, verified). axe-core finds no serious or critical
issue on the new views."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import wait_for
from tests.browser.test_portal_a11y import axe_source, serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def microdata_item(http: Any) -> dict[str, Any]:
    st, page = http.call("GET", "/catalog/search?type=microdata&page_size=5", None)
    assert st == 200 and page["items"], page
    return page["items"][0]


def test_apply_return_resubmit_and_attach(portal: Any, browser_session: Any, http: Any) -> None:
    item = microdata_item(http)
    version = http.call("GET", "/microdata/agreement", None)[1]["version"]
    found: dict[str, Any] = {}

    c = portal("phone")
    c.context.add_init_script(script=axe_source())
    page = c.login("consumer2", "#/permintaan")
    page.goto(f"{c.portal}/#/katalog/{item['id']}")
    page.wait_for_selector("#add-to-cart")
    page.click("#add-to-cart")
    page.goto(f"{c.portal}/#/keranjang")
    page.wait_for_selector("#micro-box")
    page.wait_for_selector("#agreement-text h3")
    assert f"versi {version}" in page.inner_text("#agreement-text")
    found["portal: microdata order form"] = violations(page)
    page.fill("textarea[name=purpose]", "Penelitian tesis")
    page.fill("#project-title", "Kemiskinan rumah tangga nelayan")
    page.fill("#project-institution", "Universitas Hasanuddin")
    page.fill("#project-purpose", "Menganalisis determinan kemiskinan rumah tangga nelayan")
    page.fill("#project-outputs", "Tesis magister")
    page.fill("textarea[name=abstract]", "Regresi logistik atas pengeluaran per kapita rumah tangga.")
    page.check("#agreement")
    page.click("#order-submit")
    page.wait_for_url("**/#/permintaan/R*")
    rid = page.url.rsplit("/", 1)[-1]
    mine = http.call("GET", f"/requests/{rid}", "consumer2")[1]
    assert mine["agreement_version"] == version and mine["project"]["institution"] == "Universitas Hasanuddin"
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer2")[1]["status"] == "awaiting_approval",
             what="the application waits for review")

    # the operator returns it for revision on the admin request view
    s = browser_session("operator1", f"#/permintaan/{rid}")
    s.context.add_init_script(script=axe_source())
    s.page.reload()
    s.page.wait_for_selector("#action-return")
    assert "Kemiskinan rumah tangga nelayan" in s.page.inner_text("body")
    found["admin: microdata review"] = violations(s.page)
    s.page.fill("#approval-form textarea", "Jelaskan variabel yang dipakai dan cara menjaga kerahasiaan.")
    s.page.click("#action-return")
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer2")[1]["status"] == "awaiting_consumer",
             what="returned for revision")

    # the consumer sees the comments, edits and resubmits
    page.reload()
    page.wait_for_selector("#revision-card")
    assert "kerahasiaan" in page.inner_text("#revision-card")
    page.wait_for_selector("#revision-card #agreement-text h3")
    found["portal: returned for revision"] = violations(page)
    page.fill("#revise-abstract", "Regresi logistik; variabel pendapatan dan aset; data disimpan terenkripsi.")
    page.check("#revise-agree")
    page.click("#revise-submit")
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer2")[1]["status"] == "awaiting_approval",
             what="resubmitted")
    after = http.call("GET", f"/requests/{rid}", "consumer2")[1]
    assert after["abstract"].endswith("terenkripsi.") and after["review"]["resubmitted_at"]

    # and attaches a document: uploaded to storage, verified by the API
    page.wait_for_selector("#attach-form")
    page.set_input_files("#attach-file", {"name": "surat pengantar.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.click("#attach-submit")
    page.wait_for_selector("#attachments li >> text=terverifikasi")
    found["portal: attachments"] = violations(page)
    staff = http.call("GET", f"/ops/requests/{rid}/attachments", "operator1")[1]
    assert [a["status"] for a in staff] == ["ready"] and staff[0]["filename"] == "surat pengantar.pdf"

    assert not serious(found), serious(found)

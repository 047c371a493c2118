"""What a citizen stumbled on when the portal was walked as a consumer (issue 21, session 25), each fixed and
checked here in headless Chromium against the whole local stack:

- a zero-rupiah exemption ticked but left without its justification silently became a billed order: the
  justification is now required while ticked, and a blank one is refused before anything is sent;
- the API's field errors showed pydantic's English under the API's field name: now the field's label on the
  page and the problem in Indonesian; the page's own checks are titled "Periksa isian";
- a custom-data request with an open price quote said "Gratis · Rp 0" and told the consumer to answer in the
  conversation: now the quote's total "bila penawaran disetujui" and where to decide;
- a paid order's billing card came after the attachments form (far down on a phone): now right after the status;
- focus: a busy button (upload, pay) dropped the focus to the page; the billing page's payment news and the
  request page's automatic refresh lost it: kept on the control, or moved to the status;
- names: the search result's cart button and the header's brand link had accessible names that did not start
  with their visible words (Lighthouse's label-content-name-mismatch, WCAG 2.5.3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _paid_item(http: Any) -> dict[str, Any]:
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    assert st == 200, res
    return next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")


def _count(http: Any, user: str) -> int:
    return len(http.call("GET", "/requests?page_size=100", user)[1]["items"])


def test_order_form_exemption_and_field_errors_in_indonesian(portal: Any, http: Any) -> None:
    item = _paid_item(http)
    s = portal("phone")
    page = s.page
    page.goto(f"{s.portal}/#/katalog/{item['id']}")
    page.wait_for_selector("#page-title")
    page.locator("button", has_text="Tambah ke keranjang").first.click()
    page.goto(f"{s.portal}/#/keranjang")
    page.click("#order-login")
    s.sso_login("consumer2")
    page.wait_for_selector("#order-form")
    before = _count(http, "consumer2")
    why = page.locator("textarea[name=zero_rupiah_justification]")
    assert why.evaluate("el => el.required") is False  # not asked for while no exemption is requested
    page.check("#zero-rupiah")
    assert why.evaluate("el => el.required") is True
    page.fill("#order-form textarea[name=purpose]", "Penelitian skripsi tentang harga produsen")
    page.click("#order-submit")  # the browser's own check stops it: nothing sent
    assert page.evaluate("document.activeElement.name") == "zero_rupiah_justification"
    why.fill("   ")  # blank: the page's check
    page.click("#order-submit")
    err = page.locator("#order-form-error .alert-error")
    err.wait_for()
    assert "Tuliskan dasar pembebasan biaya" in err.inner_text() and "Periksa isian" in err.inner_text()
    assert "Terjadi kesalahan" not in err.inner_text()
    assert _count(http, "consumer2") == before
    # the API's 400 (a purpose of blanks passes the browser's check, the API refuses it): label + Indonesian
    page.uncheck("#zero-rupiah")
    page.fill("#order-form textarea[name=purpose]", "   ")
    page.click("#order-submit")
    page.wait_for_selector("#order-form-error .alert-error li")
    text = page.inner_text("#order-form-error .alert-error")
    assert "Tujuan penggunaan data: masih kosong atau terlalu pendek" in text, text
    assert "String should" not in text and "purpose" not in text
    assert _count(http, "consumer2") == before


def test_quote_pending_says_the_price_and_where_to_decide(portal: Any, http: Any) -> None:
    st, req = http.call("POST", "/requests", "consumer2", {
        "kind": "data_order", "items": [], "purpose": "Kajian upah minimum",
        "custom_request": "Tabulasi khusus upah buruh menurut kabupaten, 2020-2024"})
    assert st == 201, req
    rid = req["request_id"]
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    s = portal("desktop")
    page = s.login("consumer2", f"#/permintaan/{rid}")
    page.wait_for_selector("#status-card")
    facts = page.inner_text("#status-card")
    assert "tarif PNBP setelah ditelaah petugas" in facts, facts  # before the quote: free for now, may be priced
    tariff = {i["code"]: i["unit_price_idr"] for i in http.call("GET", "/ops/tariff", op)[1]["items"]}
    st, _ = http.call("POST", f"/ops/requests/{rid}/quote", op, {"lines": [{"code": "TAB-KHUSUS", "quantity": 2}]})
    assert st == 200
    page.reload()
    page.wait_for_selector("#status-card")
    card = page.inner_text("#status-card").replace("\xa0", " ")
    total = f"Rp {2 * tariff['TAB-KHUSUS']:,}".replace(",", ".")
    assert f"{total} bila penawaran disetujui" in card, card
    assert "Menunggu keputusan Anda atas penawaran harga" in card
    assert "Gratis" not in card and "Rp 0" not in card
    assert "Setujui atau tolak" in card and "Percakapan" not in card


def test_billing_first_and_focus_kept_through_payment_and_upload(portal: Any, http: Any) -> None:
    item = _paid_item(http)
    st, req = http.call("POST", "/requests", "consumer2", {"kind": "data_order", "purpose": "Bahan skripsi",
                                                           "items": [{"catalog_id": item["id"]}]})
    assert st == 201, req
    rid = req["request_id"]
    wait_for(lambda: http.call("GET", f"/requests/{rid}/billing", "consumer2")[0] == 200, timeout_s=40,
             what="the billing")
    s = portal("phone", bypass_csp=True)  # wait_for_function evaluates strings (the CSP is checked elsewhere)
    page = s.login("consumer2", f"#/permintaan/{rid}")
    page.wait_for_selector("#to-billing")
    page.wait_for_selector("#attach-form")
    # the billing comes before the attachments form
    order = page.evaluate("""() => [...document.querySelectorAll('main section.card h2')].map((e) => e.textContent)""")
    assert order.index("Tagihan") < order.index("Lampiran"), order

    # an upload keeps the focus on its button
    page.set_input_files("#attach-file", files=[{"name": "catatan.txt", "mimeType": "text/plain", "buffer": b"x"}])
    page.click("#attach-submit")
    page.wait_for_selector("#attach-error .alert-error")
    assert "Periksa isian" in page.inner_text("#attach-error")
    page.set_input_files("#attach-file", files=[{"name": "surat.pdf", "mimeType": "application/pdf",
                                                 "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}])
    page.focus("#attach-submit")
    page.click("#attach-submit")
    page.wait_for_selector("#attachments li")
    page.wait_for_function("!document.querySelector('#attach-submit[aria-busy]')")
    assert page.evaluate("document.activeElement.id") == "attach-submit"

    # the billing page: after paying at the simulator the news gets the focus
    page.click("#to-billing")
    page.wait_for_selector("#sim-pay")
    page.click("#sim-pay")
    page.wait_for_selector("#billing-status >> text=Lunas", timeout=30_000)
    assert page.evaluate("document.activeElement.id") == "billing-status"

    # the request page refreshes by itself when the status changes, keeping the focused control
    page.click("text=Kembali ke permintaan")
    page.wait_for_selector("#status-card")
    status = page.inner_text("#status-word")
    page.focus("#to-billing")
    st, body = http.call("POST", f"/requests/{rid}/messages", "consumer2", {"body": "Terima kasih, sudah dibayar."})
    assert st == 201, body
    page.wait_for_function("document.querySelector('#messages') && "
                           "document.querySelector('#messages').textContent.includes('sudah dibayar')",
                           timeout=30_000)
    assert page.evaluate("document.activeElement.id") == "to-billing"
    page.wait_for_function("document.getElementById('live').textContent.includes('Status permintaan diperbarui')")
    assert status


def test_accessible_names_start_with_the_visible_words(portal: Any, http: Any) -> None:
    s = portal("phone")
    page = s.page
    page.goto(f"{s.portal}/#/cari?q=penduduk")
    page.wait_for_selector("button[data-add]")
    brand = page.locator("a.brand")
    assert brand.get_attribute("aria-label").startswith("SILASTIK Pelayanan Statistik Terpadu")
    add = page.locator("button[data-add]").first
    assert add.get_attribute("aria-label").startswith(f"{add.inner_text().strip()}: ")
    add.click()
    assert add.inner_text().strip() == "Di keranjang"
    assert add.get_attribute("aria-label").startswith("Di keranjang: ")

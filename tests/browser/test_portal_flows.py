"""The public portal (issue 21) in headless Chromium against the whole local stack, on a phone and on a desktop
viewport: search → cart → order → billing page → pay at the simulator → receipt → (operator delivers through the
API) → download → rate; consultation → operator reply → rating; complaint; cancel; and the error states
(404, 401 → log in again, 409, 413, 429 with its retry time) without losing what the user typed."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.conftest import code_sent_to, ses_messages, wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def paid_item(http: Any, skip: set[str] = frozenset()) -> dict[str, Any]:
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    assert st == 200
    items = [i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata" and i["id"] not in skip]
    assert items, "the demo catalog has priced items"
    return items[0]


def deliver(http: Any, rid: str, data: bytes, filename: str = "data-pesanan.csv") -> str:
    """The operator's side, through the API as the admin page does it: start, upload one file, complete."""
    op = wait_assigned(http, rid)["assignee"]
    st, body = http.call("POST", f"/ops/requests/{rid}/start", op, {})
    assert st == 200, body
    st, out = http.call("POST", f"/ops/requests/{rid}/deliverables", op, {
        "filename": filename, "content_type": "text/csv", "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    assert st == 201, out
    resp = requests.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": (filename, data)},
                         timeout=15)
    assert resp.status_code in (200, 201, 204), resp.text
    wait_for(lambda: any(d["status"] == "ready" for d in http.call("GET", f"/ops/requests/{rid}/deliverables", op)[1]),
             timeout_s=45, what="the upload to be verified")
    st, done = http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "data dikirim"})
    assert st == 200 and done["status"] == "delivered", done
    return op


def fake(status: int, code: str, headers: dict[str, str] | None = None) -> Any:
    """A route handler answering like the API (or API Gateway in front of it) would with this error."""
    def handler(route: Any) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(
            {"error": {"code": code, "message": code.replace("_", " ")}}), headers={
            "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "Retry-After", **(headers or {})})
    return handler


def request_id_from(url: str) -> str:
    m = re.search(r"#/permintaan/([A-Za-z0-9_-]+)", url)
    assert m, url
    return m.group(1)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_search_order_pay_download_rate(portal: Any, http: Any, stack: Any, viewport: str) -> None:
    item = paid_item(http)
    s = portal(viewport)
    page = s.page
    page.goto(f"{s.portal}/")
    page.fill("#home-q", item["title"])
    page.click("#home-q-submit")
    page.wait_for_url("**/#/cari?q=*")
    page.wait_for_selector("#result-count")
    assert "data ditemukan" in page.inner_text("#result-count")
    # the query is in the address: the same URL opened elsewhere shows the same results
    assert "q=" in page.url and page.locator(".facets summary").count() >= 1
    page.click(f'.result[data-id="{item["id"]}"] [data-add]')
    assert page.inner_text("#cart-count") == "1"
    page.click("#cart-link")
    page.wait_for_selector("#cart-table")
    assert item["title"] in page.inner_text("#cart-table")
    page.click("#order-login")
    s.sso_login("consumer1")
    page.wait_for_selector("#order-form")
    assert page.url.endswith("#/keranjang")
    assert page.inner_text("#cart-count") == "1"  # the cart survived the login round trip
    page.fill("#order-form textarea[name=purpose]", "Penelitian tesis tentang pembangunan daerah")
    page.click("#order-submit")
    page.wait_for_url("**/#/permintaan/*")
    rid = request_id_from(page.url)
    page.wait_for_selector("#status-card")
    assert page.inner_text("#cart-count") == "0"

    # the billing is created by the workflow; the page notices by itself
    page.wait_for_selector("#to-billing", timeout=40_000)
    page.click("#to-billing")
    page.wait_for_selector("#billing-code")
    code = page.inner_text("#billing-code").strip()
    assert re.fullmatch(r"\d{15}", code), code
    assert page.inner_text("#amount").replace("\xa0", " ") == f"Rp {item['price_idr']:,}".replace(",", ".")
    assert page.inner_text("#amount-words").endswith("rupiah")
    assert re.search(r"\d+ (hari|jam|menit)", page.inner_text("#countdown"))
    assert page.locator(".bank details").count() >= 1
    assert page.inner_text("#billing-status") == "Belum dibayar"
    with page.expect_download() as dl:
        page.click("#invoice")
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"

    page.click("#sim-pay")
    page.wait_for_selector("#billing-status >> text=Lunas", timeout=30_000)
    assert re.fullmatch(r"\w{10,}", page.inner_text("#ntpn").strip())
    with page.expect_download() as dl:
        page.click("#receipt")
    assert dl.value.suggested_filename == f"kuitansi-{rid}.pdf"
    assert Path(dl.value.path()).read_bytes()[:4] == b"%PDF"

    data = f"kode,nilai\n{rid},42\n".encode()
    deliver(http, rid, data)
    page.goto(f"{s.portal}/#/permintaan/{rid}")
    page.wait_for_selector("#deliverables a[download]", timeout=30_000)
    assert page.inner_text("#status-word") == "Sudah dikirim"
    with page.expect_download() as dl:
        page.click("#deliverables a[download]")
    assert Path(dl.value.path()).read_bytes() == data
    page.check("#rating-form input[name=score][value='5']")
    page.fill("#rating-form textarea[name=comment]", "Cepat dan jelas")
    page.click("#rating-submit")
    page.wait_for_selector("#rating-done")
    st, body = http.call("GET", f"/requests/{rid}", "consumer1")
    assert body["status"] == "completed" and body["rating"]["score"] == 5
    assert page.inner_text("#status-word") == "Selesai"
    timeline = page.inner_text("#timeline")
    for word in ("Menunggu pembayaran", "Sudah dikirim", "Selesai"):
        assert word in timeline


def test_consultation_reply_and_rating(portal: Any, http: Any) -> None:
    s = portal("desktop")
    page = s.login("consumer2", "#/konsultasi")
    page.wait_for_selector("#consult-form")
    assert page.locator("#consult-form input[name=topic]").count() == 3
    page.check("#consult-form input[name=topic][value=classification]")
    page.fill("#consult-form input[name=subject]", "Kode KBLI untuk usaha kopi bubuk")
    page.fill("#consult-form textarea[name=question]", "Apa kode KBLI 2020 untuk industri pengolahan kopi bubuk?")
    page.click("#consult-submit")
    page.wait_for_url("**/#/permintaan/*")
    rid = request_id_from(page.url)
    st, req = http.call("GET", f"/requests/{rid}", "consumer2")
    assert req["kind"] == "consultation" and req["topic"] == "classification"
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    answer = "Industri pengolahan kopi bubuk masuk KBLI 10761."
    assert http.call("POST", f"/ops/requests/{rid}/messages", op, {"body": answer})[0] == 201
    assert http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "terjawab"})[0] == 200
    # the open page refreshes itself when the status changes
    page.wait_for_selector("#status-word >> text=Sudah dikirim", timeout=30_000)
    assert answer in page.inner_text("#messages")
    page.check("#rating-form input[name=score][value='4']")
    page.click("#rating-submit")
    page.wait_for_selector("#rating-done")
    assert http.call("GET", f"/requests/{rid}", "consumer2")[1]["rating"]["score"] == 4


def test_complaint_about_a_request(portal: Any, http: Any) -> None:
    st, req = http.call("POST", "/requests", "consumer1", {"kind": "consultation", "topic": "data",
                                                          "subject": "Data upah buruh", "question": "Ada data upah?"})
    assert st == 201
    s = portal("phone")
    page = s.login("consumer1", f"#/pengaduan?tentang={req['request_id']}")
    page.wait_for_selector("#complaint-form")
    # the user's requests are listed to choose from; the one in the address is chosen
    expect(page.locator("#complaint-about")).to_have_value(req["request_id"])
    assert page.locator("#complaint-about option").count() >= 2
    page.fill("#complaint-form textarea[name=message]", "Konsultasi saya belum dijawab, mohon ditindaklanjuti.")
    page.click("#complaint-submit")
    page.wait_for_url("**/#/permintaan/*")
    rid = request_id_from(page.url)
    page.wait_for_selector("#status-card")
    st, body = http.call("GET", f"/requests/{rid}", "consumer1")
    assert body["kind"] == "complaint" and body["about_request_id"] == req["request_id"]
    assert "Pengaduan" in page.inner_text("#page-title")


def test_cancel_an_unpaid_order(portal: Any, http: Any) -> None:
    item = paid_item(http)
    s = portal("desktop")
    page = s.page
    page.goto(f"{s.portal}/#/katalog/{item['id']}")  # public: no login needed to look and fill the cart
    page.click("#add-to-cart")
    page.click("#cart-link")
    page.click("#order-login")
    s.sso_login("consumer2")
    page.wait_for_selector("#order-form")
    page.fill("#order-form textarea[name=purpose]", "Bahan laporan perusahaan")
    page.click("#order-submit")
    page.wait_for_url("**/#/permintaan/*")
    rid = request_id_from(page.url)
    page.wait_for_selector("#cancel")
    page.once("dialog", lambda d: d.accept())
    page.click("#cancel")
    page.wait_for_selector("#status-word >> text=Dibatalkan")
    assert http.call("GET", f"/requests/{rid}", "consumer2")[1]["status"] == "cancelled"
    assert page.locator("#cancel").count() == 0
    assert page.locator("#message-form").count() == 0  # a closed request takes no more messages


def test_email_link_logs_in_and_opens_the_request(portal: Any, http: Any, stack: Any) -> None:
    st, req = http.call("POST", "/requests", "consumer1", {"kind": "consultation", "topic": "metadata",
                                                          "subject": "Definisi pengangguran", "question": "Apa itu TPT?"})
    assert st == 201
    rid = req["request_id"]
    s = portal("phone")
    s.page.goto(f"{stack.url['portal']}/#/permintaan/{rid}")  # what the e-mails link to (PORTAL_URL)
    page = s.sso_login("consumer1")
    page.wait_for_selector("#status-card")
    assert page.url.endswith(f"#/permintaan/{rid}")
    assert "Definisi pengangguran" in page.inner_text("#page-title")
    # another consumer's request does not exist for this user
    page.goto(f"{s.portal}/#/permintaan/R-TIDAK-ADA")
    page.wait_for_selector(".alert-error")
    assert "Tidak ditemukan" in page.inner_text(".alert-error")


def test_error_states_keep_the_input(portal: Any, http: Any) -> None:
    s = portal("phone")
    page = s.login("consumer1", "#/konsultasi")
    page.wait_for_selector("#consult-form")
    page.fill("#consult-form input[name=subject]", "Draf tetap ada")
    page.fill("#consult-form textarea[name=question]", "Pertanyaan yang tidak boleh hilang")

    # 413: the server refuses the body
    page.route("**/requests", fake(413, "payload_too_large"))
    page.click("#consult-submit")
    page.wait_for_selector("#consult-form .alert-error")
    assert "terlalu besar" in page.inner_text("#consult-form .alert-error")
    page.unroute("**/requests")
    # a reload (or a new login) keeps the draft
    page.reload()
    page.wait_for_selector("#consult-form")
    assert page.input_value("#consult-form textarea[name=question]") == "Pertanyaan yang tidak boleh hilang"

    # 401 after a failed refresh: "log in again", the draft still there
    page.route("**/requests", fake(401, "unauthorized"))
    page.route("**/token", lambda route: route.fulfill(status=400, content_type="application/json",
                                                      body=json.dumps({"error": "invalid_grant"})))
    page.click("#consult-submit")
    page.wait_for_selector("#consult-form .alert-error >> text=Masuk kembali")
    page.unroute("**/requests")
    page.unroute("**/token")
    page.click("#consult-form .alert-error button")
    page = s.sso_login("consumer1")
    page.wait_for_selector("#consult-form")
    assert page.input_value("#consult-form input[name=subject]") == "Draf tetap ada"

    # 429 with Retry-After: the wait is named and the retry button counts down
    page.route("**/catalog/search*", fake(429, "too_many_requests", {"Retry-After": "7"}))
    page.goto(f"{s.portal}/#/cari?q=beras")
    page.wait_for_selector("#results .alert-error")
    assert "Coba lagi dalam 7 detik" in page.inner_text("#results .alert-error")
    page.unroute("**/catalog/search*")

    # 409: rating a request that is not delivered yet is refused by the real API, shown in plain words
    st, req = http.call("POST", "/requests", "consumer1", {"kind": "complaint", "message": "Uji 409"})
    rid = req["request_id"]
    page.goto(f"{s.portal}/#/permintaan/{rid}")
    page.wait_for_selector("#status-card")
    result = page.evaluate("""async (rid) => {
        const api = await import('./js/api.js');
        try { await api.post(`/requests/${rid}/rating`, {score: 5}); return 'no error'; }
        catch (e) { return `${e.status} ${api.errorText(e)}`; }
    }""", rid)
    assert result.startswith("409 ") and ("dinilai" in result or "dikirim" in result), result


def test_sign_up_at_the_local_sso_then_profile(portal: Any, http: Any) -> None:
    s = portal("phone")
    page = s.page
    page.goto(f"{s.portal}/#/profil")  # first page of the visit: straight to the SSO...
    page.wait_for_selector("#register-link")  # ...whose login page offers the demo registration
    page.goto(f"{s.portal}/")
    page.goto("about:blank")
    page.goto(f"{s.portal}/#/keranjang")
    page.click("#order-login + button")  # "Daftar akun": the identity provider's registration (prompt=create)
    page.wait_for_selector("#register-form")
    page.fill("#reg-username", "warga.baru")
    page.fill("#reg-name", "Warga Baru")
    page.fill("#reg-email", "warga.baru@example.id")
    page.select_option("#reg-category", "student")
    page.fill("#reg-password", "rahasia-123")
    page.fill("#reg-password2", "rahasia-beda")
    page.click("#submit")
    page.wait_for_selector("#error")  # the mismatch is refused, the form keeps what was typed
    assert page.input_value("#reg-name") == "Warga Baru"
    page.fill("#reg-password", "rahasia-123")
    page.fill("#reg-password2", "rahasia-123")
    page.click("#submit")
    page.wait_for_url(f"{s.portal}/**")
    page.wait_for_selector("#order-form")  # back where the visitor was, logged in
    page.goto(f"{s.portal}/#/profil")
    page.wait_for_selector("#profile-form")
    assert page.input_value("#profile-form input[name=name]") == "Warga Baru"
    page.fill("#profile-form input[name=institution]", "Universitas Indonesia")
    page.click("#profile-save")
    page.wait_for_selector("#toasts >> text=Profil disimpan")
    # the address given at the sign-up is not verified: the profile offers to send it a code, then takes it
    card = page.inner_text("#email-verify")
    assert "warga.baru@example.id" in card and "belum diverifikasi" in card, card
    assert page.locator("#verify-code").count() == 0  # no code was sent yet
    before = len(ses_messages(http))
    page.click("#verify-send")
    page.wait_for_selector("#verify-code")
    code, _ = code_sent_to(http, "warga.baru@example.id", before)
    page.fill("#verify-code", code)
    page.click("#verify-submit")
    page.wait_for_selector("#toasts >> text=Alamat email warga.baru@example.id terverifikasi")
    assert page.input_value("#profile-form input[name=email]") == "warga.baru@example.id"
    # the new account logs in with its own password (and the name is taken now)
    import requests as rq

    tok = rq.post(f"{http.stack.url['sso']}/token", timeout=10, data={
        "grant_type": "password", "username": "warga.baru", "password": "rahasia-123"}).json()
    st, me = http.call("GET", "/me", headers={"Authorization": f"Bearer {tok['access_token']}"})
    assert st == 200 and me["institution"] == "Universitas Indonesia" and me["roles"] == ["consumer"]

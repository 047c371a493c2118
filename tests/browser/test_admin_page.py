"""The operators' admin page in headless Chromium against the whole local stack, logging in through the
real SSO page (authorization code + PKCE). Test data is created through the API.

The tests share one stack and run in file order: the reports test at the end sees the requests the
earlier tests delivered."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import new_consultation, wait_assigned, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SHARED: dict[str, Any] = {}


def _patch(http: Any, request_id: str, change: dict[str, Any]) -> dict[str, Any]:
    """PATCH as the supervisor; a 409 (the workflow touched the request at the same moment) is retried."""
    for _ in range(20):
        status, body = http.call("PATCH", f"/ops/requests/{request_id}", "supervisor1", change)
        if status != 409:
            break
        time.sleep(0.2)
    assert status == 200, body
    return body


def _to(http: Any, request_id: str, operator: str) -> None:
    status, body = http.call("GET", f"/ops/requests/{request_id}", "supervisor1")
    assert status == 200, body
    if body["assignee"] != operator:
        _patch(http, request_id, {"assignee": operator, "note": "uji halaman petugas"})


def test_consumer_token_is_refused(browser_session: Any) -> None:
    s = browser_session("consumer1")
    page = s.page
    page.wait_for_selector("#refused")
    assert page.inner_text("#page-title") == "Halaman ini hanya untuk petugas"
    assert page.locator("#sidebar").is_hidden()
    # the code never stays in the address bar; the token lives in sessionStorage only
    assert "code=" not in page.url and "token" not in page.url
    assert page.evaluate("() => localStorage.length") == 0
    stored = page.evaluate("() => JSON.parse(sessionStorage.getItem('silastik.admin.session'))")
    assert stored and stored["accessToken"].count(".") == 2
    page.click("#logout")
    page.wait_for_selector("text=Anda telah keluar")
    assert page.evaluate("() => sessionStorage.getItem('silastik.admin.session')") is None


def test_queue_overdue_first_auto_refresh_reply_and_complete(browser_session: Any, http: Any) -> None:
    late = new_consultation(http, "Inflasi bulanan")
    soon = new_consultation(http, "Indeks harga konsumen")
    for r in (late, soon):
        wait_assigned(http, r["request_id"])
        _to(http, r["request_id"], "operator2")
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds")
    body = _patch(http, late["request_id"], {"due_at": yesterday})
    assert body["overdue"], body

    s = browser_session("operator2", "#/antrian", clock=True)
    page = s.page
    nav = page.locator("#sidebar .nav-link").all_inner_texts()
    assert "Antrian saya" in " ".join(nav) and "Laporan" not in " ".join(nav) and "Katalog data" not in " ".join(nav)
    page.wait_for_selector(f"tr[data-id='{late['request_id']}']")
    rows = page.locator("#queue-body tbody tr")
    first = rows.nth(0)
    assert first.get_attribute("data-id") == late["request_id"]  # the overdue request comes first
    assert "row-overdue" in (first.get_attribute("class") or "")
    assert "Terlambat" in first.inner_text()
    assert page.locator(f"tr[data-id='{soon['request_id']}']").get_attribute("class").count("row-overdue") == 0

    # auto refresh (every 30 s): a newly delegated request appears without reloading the page
    fresh = new_consultation(http, "Ekspor nonmigas")
    wait_assigned(http, fresh["request_id"])
    _to(http, fresh["request_id"], "operator2")
    page.clock.run_for(31_000)
    page.wait_for_selector(f"tr[data-id='{fresh['request_id']}'] .badge-new", timeout=10_000)

    # open the overdue request, start it, reply, add an internal note, complete it
    page.click(f"a[href='#/permintaan/{late['request_id']}']")
    page.wait_for_selector("#action-start")
    assert late["request_id"] in page.inner_text("#page-title")
    assert "Budi Santoso" in page.inner_text("main")
    page.click("#action-start")
    page.wait_for_selector("#request-status >> text=Sedang dikerjakan")

    reply = "Selamat siang, data inflasi bulanan per provinsi tersedia di tabel BPS nomor 1.2.3."
    page.fill("#reply-body", reply)
    page.click("#reply-send")
    page.wait_for_selector(f"#messages >> text={reply}")
    page.check("#reply-internal")
    note = "Catatan internal: cek juga publikasi Statistik Harga."
    page.fill("#reply-body", note)
    page.click("#reply-send")
    page.wait_for_selector("#messages .message-internal")
    status, msgs = http.call("GET", f"/requests/{late['request_id']}/messages", "consumer1")
    assert status == 200
    bodies = [m["body"] for m in msgs]
    assert reply in bodies and note not in bodies  # the consumer sees the reply, never the internal note

    page.fill("#complete-form textarea", "Jawaban sudah dikirim.")
    page.click("#action-complete")
    page.wait_for_selector("#request-status >> text=Terkirim")
    status, body = http.call("GET", f"/requests/{late['request_id']}", "consumer1")
    assert body["status"] == "delivered"
    status, body = http.call("POST", f"/requests/{late['request_id']}/rating", "consumer1",
                             {"score": 5, "comment": "Cepat dan jelas"})
    assert status == 201, body
    SHARED["delivered"] = [late["request_id"]]


def test_upload_with_progress_verification_and_completion(browser_session: Any, http: Any, tmp_path: Path) -> None:
    status, order = http.call("POST", "/requests", "consumer1", {
        "kind": "data_order", "purpose": "Penelitian tesis tentang ketimpangan wilayah",
        "custom_request": "Jumlah penduduk miskin menurut kabupaten/kota di Jawa Tengah 2019-2023",
    })
    assert status == 201, order
    rid = order["request_id"]
    wait_assigned(http, rid)
    _to(http, rid, "operator3")
    csv = tmp_path / "penduduk miskin jateng.csv"
    line = "kode_wilayah,nama_wilayah,tahun,penduduk_miskin_ribu\n"
    rows = [f"33{i % 100:02d},Kabupaten {i},{2019 + i % 5},{(i * 37) % 500}.{i % 10}\n" for i in range(120_000)]
    csv.write_text(line + "".join(rows))
    size = csv.stat().st_size

    s = browser_session("operator3", f"#/permintaan/{rid}")
    page = s.page
    page.click("#action-start")
    page.wait_for_selector("#request-status >> text=Sedang dikerjakan")
    page.wait_for_selector("#upload-form")
    # record every progress step the page shows
    page.evaluate("""() => {
        window.__steps = [];
        const pct = document.getElementById('upload-pct');
        const status = document.getElementById('upload-status');
        new MutationObserver(() => window.__steps.push([pct.textContent, status.textContent]))
            .observe(pct, {childList: true, characterData: true, subtree: true});
    }""")
    # throttle the upload so the browser reports intermediate progress
    cdp = s.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                   "uploadThroughput": 2_000_000})
    page.set_input_files("#upload-file", str(csv))
    page.click("#upload-start")
    page.wait_for_selector("#upload-status >> text=terverifikasi", timeout=45_000)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                   "uploadThroughput": -1})
    steps = page.evaluate("() => window.__steps")
    uploading = [int(p.rstrip("%")) for p, st in steps if st.startswith("Mengunggah") and p.endswith("%")]
    assert any(0 < v < 100 for v in uploading), steps
    assert page.get_attribute("#upload-progress", "value") == "100"
    row = page.locator("#deliverables-table tbody tr").first
    assert row.get_attribute("data-status") == "ready"
    assert "penduduk miskin jateng.csv" in row.inner_text()

    page.click("#action-complete")
    page.wait_for_selector("#request-status >> text=Terkirim")
    status, links = http.call("GET", f"/requests/{rid}/deliverables", "consumer1")
    assert status == 200 and len(links) == 1, links
    assert links[0]["size_bytes"] == size and links[0]["filename"] == "penduduk miskin jateng.csv"
    SHARED.setdefault("delivered", []).append(rid)


def test_intake_by_phone(browser_session: Any, http: Any) -> None:
    s = browser_session("operator1", "#/pencatatan")
    page = s.page
    page.wait_for_selector("#intake-form")
    page.click("#intake-submit")  # empty form: the page says what is missing
    page.wait_for_selector("#intake-error >> text=Gagal")
    assert page.get_attribute("#intake-name", "aria-invalid") == "true"

    page.select_option("#intake-channel", "phone")
    page.fill("#intake-name", "Ibu Ratna Sari")
    page.fill("#intake-email", "ratna.sari@example.id")
    page.fill("#intake-phone", "+62 812 5555 0101")
    page.fill("#intake-institution", "Dinas Pertanian Kabupaten Bogor")
    page.select_option("#intake-category", "government")
    page.select_option("#intake-kind", "consultation")
    page.select_option("#intake-topic", "classification")
    page.fill("#intake-subject", "Kode KBLI usaha penggilingan padi")
    page.fill("#intake-question", "Penelepon menanyakan kode KBLI 2020 untuk usaha penggilingan padi skala kecil.")
    page.click("#intake-submit")
    page.wait_for_selector("#intake-success")
    text = page.inner_text("#intake-success")
    rid = re.search(r"R\d{6}-[A-Z0-9]+", text).group(0)
    status, rec = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
    assert status == 200, rec
    assert rec["channel"] == "phone" and rec["kind"] == "consultation" and rec["topic"] == "classification"
    assert rec["consumer"]["email"] == "ratna.sari@example.id"
    assert "dicatat oleh operator1" in json.dumps(rec["timeline"])
    # a request that does not exist: the API's 404 is shown in Indonesian
    page.goto(f"{s.admin}/#/permintaan/R000000-TIDAKADA")
    page.wait_for_selector(".alert-error")
    assert "Gagal: Tidak ditemukan" in page.inner_text(".alert-error")


def test_supervisor_edits_the_roster(browser_session: Any, http: Any) -> None:
    s = browser_session("supervisor1", "#/jadwal")
    page = s.page
    page.wait_for_selector("#roster-table")
    # two weeks ahead: outside the seeded shifts, so the week starts empty for operator3
    for _ in range(2):
        before = page.inner_text("#roster-week")
        page.click("#roster-next")
        wait_for(lambda b=before: page.inner_text("#roster-week") != b and page.locator("#roster-table").count())
    page.wait_for_selector("#roster-table")
    monday = page.locator("#shift-day-0").get_attribute("value")
    tuesday = page.locator("#shift-day-1").get_attribute("value")

    page.select_option("#shift-operator", "operator3")
    for i in range(7):
        page.locator(f"#shift-day-{i}").set_checked(i in (0, 1))
    page.fill("#shift-start", "08:00")
    page.fill("#shift-end", "12:00")
    page.click("#shift-add")
    page.fill("#shift-start", "13:00")
    page.fill("#shift-end", "17:30")
    page.locator("#shift-day-1").set_checked(False)
    page.click("#shift-add")
    cell = f"tr[data-operator='operator3'] td[data-day='{tuesday}']"
    assert page.locator(f"{cell} .shift-chip").count() == 1
    page.click(f"{cell} .chip-remove")  # remove Tuesday's shift again
    assert page.locator(f"{cell} .shift-chip").count() == 0
    assert page.locator("#roster-dirty").is_visible()
    page.click("#roster-save")
    page.wait_for_selector("#roster-saved")
    assert page.locator(f"tr[data-operator='operator3'] td[data-day='{monday}'] .shift-chip").count() == 2

    status, roster = http.call("GET", f"/ops/roster?from={monday}&to={tuesday}", "supervisor1")
    assert status == 200, roster
    mine = sorted((x["start"], x["end"]) for x in roster["shifts"] if x["operator_id"] == "operator3")
    assert mine == [(f"{monday}T08:00:00+07:00", f"{monday}T12:00:00+07:00"),
                    (f"{monday}T13:00:00+07:00", f"{monday}T17:30:00+07:00")], mine


def test_reports_render_charts(browser_session: Any, http: Any) -> None:
    s = browser_session("supervisor1", "#/laporan")
    page = s.page
    nav = " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    assert "Laporan" in nav and "Jadwal piket" in nav and "Katalog data" not in nav
    page.wait_for_selector("#chart-volume svg.chart rect.bar")
    total = int(page.inner_text("#kpi-total .kpi-value").replace(".", ""))
    assert total >= 4
    volume = [int(v) for v in page.locator("#chart-volume rect.bar").evaluate_all(
        "els => els.map(e => e.getAttribute('data-value'))")]
    assert sum(volume) == total
    # fulfilment-time histogram, SLA donut, operator load, ratings: SVG marks with data
    assert page.locator("#chart-fulfilment rect.bar").count() >= 1
    assert page.locator("#chart-sla circle.donut-part").count() >= 1
    assert page.locator("#chart-load rect.bar").count() >= 4
    assert page.locator("#chart-ratings rect.bar[data-value='1']").count() >= 1  # the 5-star rating
    assert page.locator("#chart-revenue svg.chart").count() == 1 and page.locator("#chart-channel rect.bar").count() >= 1
    for chart in ("volume", "fulfilment", "sla", "load", "ratings", "revenue", "channel"):
        svg = page.locator(f"#chart-{chart} svg.chart")
        assert svg.get_attribute("role") == "img" and svg.locator("title").count() >= 1
    assert "%" in page.inner_text("#kpi-sla .kpi-value")


def test_escalation_answered_by_producer_and_forum_thread(browser_session: Any, http: Any) -> None:
    rec = new_consultation(http, "Metodologi survei angkatan kerja")
    rid = rec["request_id"]
    wait_assigned(http, rid)
    _to(http, rid, "operator1")
    s = browser_session("operator1", f"#/permintaan/{rid}")
    page = s.page
    page.click("#action-start")
    page.wait_for_selector("#request-status >> text=Sedang dikerjakan")
    page.click("#escalate-form >> xpath=.. >> summary")
    page.select_option("#escalate-form select[name=unit]", "metodologi")
    page.fill("#escalate-form textarea[name=question]", "Bagaimana penimbang Sakernas Agustus 2024 dihitung?")
    page.click("#action-escalate")
    page.wait_for_selector("#request-status >> text=Dieskalasi")
    page.wait_for_selector("#request-escalations a")
    esc_id = page.inner_text("#request-escalations a").strip()

    # the forum: a thread linked to the request, then a reply
    page.click("text=Diskusikan di forum")
    page.wait_for_selector("#thread-form")
    assert page.input_value("#thread-request") == rid
    page.fill("#thread-title", "Penimbang Sakernas")
    page.fill("#thread-body", "Ada yang pernah menjelaskan penimbang Sakernas ke pemohon? @operator2")
    page.click("#thread-submit")
    page.wait_for_selector("#post-form")
    page.fill("#post-body", "Sudah dieskalasi ke unit metodologi.")
    page.click("#post-submit")
    page.wait_for_selector("#forum-posts >> text=Sudah dieskalasi ke unit metodologi.")
    assert page.locator("#forum-posts .message").count() == 2

    p = browser_session("producer1", f"#/eskalasi/{esc_id}").page
    nav = " ".join(p.locator("#sidebar .nav-link").all_inner_texts())
    assert "Eskalasi" in nav and "Antrian saya" not in nav
    p.fill("#escalation-answer", "Penimbang dihitung dari proyeksi penduduk hasil SP2020 per kabupaten/kota.")
    p.click("#escalation-submit")
    p.wait_for_selector("text=Dijawab oleh")
    status, body = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
    assert body["status"] == "in_progress", body["status"]  # the answer resumes the request


def _patch_session(page: Any, **changes: Any) -> None:
    page.evaluate("""(changes) => {
        const s = JSON.parse(sessionStorage.getItem('silastik.admin.session'));
        sessionStorage.setItem('silastik.admin.session', JSON.stringify(Object.assign(s, changes)));
    }""", changes)


def test_expired_or_rejected_token_is_renewed_else_login_again(browser_session: Any) -> None:
    s = browser_session("operator1", "#/antrian")
    page = s.page
    page.wait_for_selector("#queue-updated >> text=Diperbarui")
    token = lambda: page.evaluate("() => JSON.parse(sessionStorage.getItem('silastik.admin.session')).accessToken")  # noqa: E731
    first = token()
    _patch_session(page, expiresAt=0)  # expired: renewed with the refresh token, no login page
    page.reload()
    page.wait_for_selector("#queue-updated >> text=Diperbarui")
    second = token()
    assert second != first
    _patch_session(page, accessToken=second[:-6] + "AAAAAA")  # refused by the API (401): renewed and retried
    page.reload()
    page.wait_for_selector("#queue-updated >> text=Diperbarui")
    assert token() not in (first, second)
    _patch_session(page, expiresAt=0, refreshToken="tidak-berlaku")  # no way to renew: log in again
    page.reload()
    page.wait_for_selector("#username")
    page.fill("#username", "operator1")
    page.fill("#password", "demo")
    page.click("#submit")
    page.wait_for_selector("#queue-updated >> text=Diperbarui")
    assert page.url.endswith("#/antrian")


def test_admin_creates_and_edits_a_catalog_item(browser_session: Any, http: Any) -> None:
    s = browser_session("admin1", "#/katalog/baru")
    page = s.page
    assert "Katalog data" in " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    page.wait_for_selector("#catalog-form")
    page.select_option("#catalog-form select[name=type]", "table_static")
    page.fill("#catalog-form input[name=title]", "Luas Panen Padi Menurut Kabupaten/Kota, Provinsi Jawa Barat, 2025")
    page.fill("#catalog-form input[name=subject]", "Pertanian")
    page.select_option("#catalog-form select[name=level]", "provinsi")
    page.select_option("#catalog-form select[name=province]", "32")
    assert page.input_value("#catalog-form input[name=region]") == "Jawa Barat"
    page.fill("#catalog-form input[name=year]", "2025")
    page.select_option("#catalog-form select[name=access]", "paid")
    page.fill("#catalog-form input[name=price_idr]", "25000")
    page.fill("#catalog-form input[name=release_date]", "2026-02-16")
    page.click("#catalog-save")
    page.wait_for_url(re.compile(r".*#/katalog/TS-[A-Z0-9]+$"))
    item_id = page.url.rsplit("/", 1)[-1]
    status, item = http.call("GET", f"/catalog/items/{item_id}")
    assert status == 200 and item["region_code"] == "32" and item["price_idr"] == 25000, item

    page.wait_for_selector("#catalog-form")
    page.fill("#catalog-form input[name=title]", "Luas Panen Padi Menurut Kabupaten/Kota, Jawa Barat, 2025 (revisi)")
    page.click("#catalog-save")
    page.wait_for_selector("#catalog-error .alert-success")
    status, item = http.call("GET", f"/catalog/items/{item_id}")
    assert item["title"].endswith("(revisi)")


def test_supervisor_approves_a_microdata_order(browser_session: Any, http: Any) -> None:
    status, found = http.call("GET", "/catalog/search?type=microdata&page_size=5")
    assert status == 200 and found["items"], found
    status, order = http.call("POST", "/requests", "consumer2", {
        "kind": "data_order", "items": [{"catalog_id": found["items"][0]["id"]}],
        "purpose": "Disertasi tentang pasar kerja", "agreement_accepted": True,
        "abstract": "Model regresi logistik multilevel atas status pekerjaan menurut karakteristik rumah tangga.",
    })
    assert status == 201, order
    rid = order["request_id"]
    wait_for(lambda: http.call("GET", f"/ops/requests/{rid}", "supervisor1")[1]["status"] == "awaiting_approval")
    s = browser_session("supervisor1", "#/antrian")
    page = s.page
    page.wait_for_selector("#queue-approvals >> text=menunggu persetujuan")
    page.click("#queue-approvals a")
    page.wait_for_selector(f"tr[data-id='{rid}']")
    assert page.input_value("#filter-status") == "awaiting_approval"
    page.click(f"a[href='#/permintaan/{rid}']")
    page.wait_for_selector("#approval-form")
    assert "Model regresi logistik" in page.inner_text("main")
    page.click("#action-reject")  # a rejection needs a reason: the page says so before calling the API
    page.wait_for_selector("#action-error >> text=alasan wajib diisi")
    page.fill("#approval-form textarea", "Abstraksi sesuai ketentuan penggunaan mikrodata.")
    page.click("#action-approve")
    page.wait_for_selector("text=Disetujui oleh supervisor1")
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer2")[1]["status"] == "awaiting_payment")

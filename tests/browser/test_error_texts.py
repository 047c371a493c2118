"""The pages' error texts in a real browser: the API's English message never reaches the reader.

tests/unit/test_error_texts.py holds the tables against the codes the API raises; this runs the pages' own
modules (``/js/api.js``) and a real refusal on the staff page."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

_PORTAL = """async () => {
  const m = await import("/js/api.js");
  return {
    cap: m.errorText(new m.ApiError(429, "too_many_open_requests", "at most 5 open requests at a time", {}, 30)),
    rate: m.errorText(new m.ApiError(429, "too_many_requests", "slow down", {}, 12)),
    hourly: m.errorText(new m.ApiError(429, "too_many_requests", "slow down", {}, 2401)),
    window: m.errorText(new m.ApiError(403, "download_window_closed", "the download period for this request has ended")),
    unknown: m.errorText(new m.ApiError(409, "some_new_code", "an English sentence")),
    offline: m.errorText(new TypeError("Failed to fetch")),
  };
}"""

_ADMIN = """async () => {
  const m = await import("/js/api.js");
  const f = await import("/js/fmt.js");
  const last = new m.ApiError(409, "last_admin", "the last active admin cannot lose the admin role");
  const bad = new m.ApiError(400, "invalid_input", "invalid request body",
    [{ loc: ["body", "quota"], msg: "Input should be less than or equal to 100", type: "less_than_equal" },
     { loc: ["shifts", "2"], msg: "overlaps another shift of operator1", type: "shift_overlap" }]);
  const unknown = new m.ApiError(409, "some_new_code", "an English sentence");
  const quota = new m.ApiError(409, "operator_at_quota", "operator operator2 has reached their quota",
    { load: 5, quota: 5 });
  const late = new m.ApiError(409, "illegal_transition", "cannot cancel", { from: "delivered", to: "cancelled" });
  const rate = new m.ApiError(429, "too_many_requests", "slow down", { limit: 10, window_s: 3600, retry_after_s: 40 });
  return {
    timeout: f.problemText("States.Timeout"), someProblem: f.problemText("States.TaskFailed"),
    timeoutOnDesk: f.problemText("States.Timeout", "desk"), late: f.problemText("paid_after_close"),
    quotaDetails: m.errorDetails(quota), lateDetails: m.errorDetails(late), rateDetails: m.errorDetails(rate),
    last: m.errorSummary(last), lastDetails: m.errorDetails(last),
    badDetails: m.errorDetails(bad),
    unknown: m.errorSummary(unknown), unknownDetails: m.errorDetails(unknown),
    offline: m.errorSummary(new TypeError("Failed to fetch")),
  };
}"""


def test_portal_error_texts(portal: Any) -> None:
    s = portal("phone")
    s.page.goto(f"{s.portal}/#/")
    s.page.wait_for_selector("#page-title")
    out = s.page.evaluate(_PORTAL)
    # an open-requests cap is not a rate limit: no "try again in 30 seconds"
    assert out["cap"].startswith("Anda sudah memiliki banyak permintaan") and "detik" not in out["cap"], out
    assert out["rate"].endswith("Coba lagi dalam 12 detik."), out
    assert out["hourly"].endswith("Coba lagi dalam 41 menit."), out  # not "2401 detik"
    assert out["window"].startswith("Masa unduh untuk permintaan ini sudah berakhir"), out
    # a code the page does not know yet: the status' text, never the server's sentence
    assert "English" not in out["unknown"] and out["unknown"].startswith("Tindakan ini tidak dapat dilakukan"), out
    assert out["offline"].startswith("Server tidak dapat dihubungi"), out


def test_admin_error_texts(browser_session: Any) -> None:
    s = browser_session("admin1", "#/petugas")
    out = s.page.evaluate(_ADMIN)
    assert out["last"] == ("Gagal: Konflik — Admin aktif terakhir tidak dapat kehilangan peran admin. "
                           "Tetapkan admin lain terlebih dahulu."), out
    assert out["lastDetails"] == [], out  # the English message is not repeated under the summary
    assert out["badDetails"] == ["quota: nilainya terlalu besar",
                                 "shifts.2: bertumpang tindih dengan jadwal lain operator yang sama"], out
    # unknown to this page: the summary is Indonesian; the server's words only as a labelled technical detail
    assert out["unknown"] == "Gagal: Konflik", out
    assert out["unknownDetails"] == ["Keterangan teknis dari server (kode some_new_code): an English sentence"], out
    assert out["offline"].startswith("Gagal: Server API tidak dapat dihubungi"), out
    # a request's workflow problem (the request page's banner, the payments desk) in words, unknown ones named
    assert out["timeout"].startswith("Alur kerja berhenti"), out
    assert out["someProblem"].startswith("Alur kerja melaporkan masalah (kode States.TaskFailed)"), out
    # the request page says where the work item is; the payments desk, which shows it, does not point to itself
    assert out["timeout"].endswith("Lihat butir kerja di menu Pembayaran."), out
    assert out["timeoutOnDesk"] == "Alur kerja berhenti: satu langkah otomatis melewati batas waktunya.", out
    assert "menu Pembayaran" not in out["late"], out
    # the details' keys and request statuses in Indonesian; the wait is the 429's own text
    assert out["quotaDetails"] == ["beban sekarang: 5", "kuota: 5"], out
    assert out["lateDetails"] == ["dari status: Terkirim", "ke status: Dibatalkan"], out
    assert out["rateDetails"] == ["batas: 10", "jangka waktu (detik): 3600"], out


def test_staff_page_explains_a_refusal_in_indonesian(browser_session: Any, http: Any) -> None:
    """An admin adding themselves as an operator: four eyes refuse it (409 self_grant); the form says why."""
    status, before = http.call("GET", "/ops/staff/admin1", "admin1")
    assert status == 200 and "operator" not in before["roles"], before
    s = browser_session("admin1", "#/petugas")
    page = s.page
    page.wait_for_selector("#new-user_id")
    page.fill("#new-user_id", "admin1")
    page.fill("#new-name", "Admin Satu")
    page.check("#new-role-operator")
    page.click("#new-save")
    box = page.wait_for_selector("#staff-create .alert-error")
    text = box.inner_text()
    assert "Anda tidak dapat memberi diri sendiri peran pegawai" in text, text
    assert "cannot" not in text and "yourself" not in text, text
    status, after = http.call("GET", "/ops/staff/admin1", "admin1")
    assert status == 200 and after["roles"] == before["roles"], after  # nothing was granted

"""Issue 20 items 4-7 and the portal's survey (issue 21) in real pages (headless Chromium, whole local stack):
an operator inserts a canned reply (filled for the request) into the reply box and sends it; a supervisor merges
a duplicate from the request view; the reports view shows the desk's tables with CSV downloads; a consumer rates
a delivered request with the IKM survey (axe: no serious or critical issue on that form)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import new_consultation, wait_assigned, wait_for
from tests.browser.test_portal_a11y import serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_insert_canned_reply_merge_and_reports(browser_session: Any, http: Any) -> None:
    st, reply = http.call("POST", "/ops/replies", "supervisor1", {
        "title": "Data tersedia di katalog", "topic": "data",
        "body": "Yth. {{nama_pemohon}}, data untuk permintaan {{id_permintaan}} tersedia di {{tautan_katalog}}."})
    assert st == 201, reply
    primary = new_consultation(http, "Upah minimum provinsi")["request_id"]
    dup = new_consultation(http, "Upah minimum provinsi (lagi)")["request_id"]
    op = wait_assigned(http, primary)["assignee"]
    wait_assigned(http, dup)
    assert http.call("POST", f"/ops/requests/{primary}/start", op, {})[0] == 200

    s = browser_session(op, f"#/permintaan/{primary}")
    page = s.page
    page.wait_for_selector(f"#reply-template option[value='{reply['reply_id']}']", state="attached")
    page.select_option("#reply-template", reply["reply_id"])
    page.click("#reply-insert")
    wait_for(lambda: primary in page.input_value("#reply-body"), what="the reply inserted")
    text = page.input_value("#reply-body")
    assert text.startswith("Yth. ") and "{{" not in text and "/#/cari" in text
    page.click("#reply-send")
    page.wait_for_selector(f"#messages >> text=data untuk permintaan {primary}")

    # the supervisor merges the duplicate into the primary from the duplicate's page
    sup = browser_session("supervisor1", f"#/permintaan/{dup}")
    sp = sup.page
    sp.on("dialog", lambda d: d.accept())
    sp.click("#merge-actions summary")
    sp.fill("#merge-into", primary)
    sp.fill("#merge-note", "pertanyaan sama")
    sp.click("#merge-submit")
    sp.wait_for_selector(f"text=digabungkan ke {primary}")
    st, d = http.call("GET", f"/ops/requests/{dup}", "supervisor1")
    assert d["status"] == "cancelled" and d["merged_into"] == primary
    sup.go(f"#/permintaan/{primary}")
    sp.wait_for_selector(f"#merged-list >> text={dup}")

    # reports: the desk's tables and their CSV buttons
    sup.go("#/laporan")
    sp.wait_for_selector("#desk-report, #report-body .alert", timeout=60_000)
    assert sp.locator("#desk-report").count() == 1, sp.inner_text("#report-body")
    for tid in ("table-fulfilment", "table-first-response", "table-backlog", "table-approvals", "table-escalations",
                "table-ikm"):
        assert sp.locator(f"#{tid}").count() == 1, tid
    assert "Konsultasi" in sp.inner_text("#table-backlog")
    with sp.expect_download() as dl:
        sp.click("#csv-ikm")
    assert dl.value.suggested_filename.startswith("laporan-ikm-")

    # the canned replies view: supervisors manage, the list shows the reply
    sup.go("#/balasan")
    sp.wait_for_selector(f"[data-reply='{reply['reply_id']}']")
    sp.click("#reply-new")
    sp.fill("#reply-title", "Salam penutup")
    sp.fill("#reply-body-template", "Terima kasih, {{nama_pemohon}}.")
    sp.click("#reply-save")
    sp.wait_for_selector("text=Salam penutup")


def test_portal_survey_with_the_rating(portal: Any, http: Any) -> None:
    rid = new_consultation(http, "Indeks harga konsumen")["request_id"]
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    assert http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "terjawab"})[0] == 200
    s = portal("phone", bypass_csp=True)  # axe is injected as a script; the flow tests check the CSP
    page = s.login("consumer1", f"#/permintaan/{rid}")
    page.wait_for_selector("#rating-form")
    page.click("#ikm-survey summary")
    assert page.locator("#ikm-survey fieldset").count() == 9
    found = {"rating+survey": violations(page)}
    assert serious(found) == {}, found
    page.check("#rating-form input[name=score][value='5']")
    page.check("#ikm-persyaratan input[value='4']")
    page.click("#rating-submit")  # only one of nine answered: refused in the page, nothing sent
    page.wait_for_selector("text=baru terisi 1 dari 9")
    for i, code in enumerate(["persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku",
                              "pengaduan", "sarana"]):
        page.check(f"#ikm-{code} input[value='{3 + i % 2}']")
    page.click("#rating-submit")
    page.wait_for_selector("#rating-done")
    st, r = http.call("GET", f"/requests/{rid}", "consumer1")
    assert r["status"] == "completed" and r["rating"]["survey"]["persyaratan"] == 3 and \
        r["rating"]["survey"]["prosedur"] == 4

"""The consumer loop in the browser (issue 19): on the admin request view the operator asks the consumer a question
and sends a price quote from the tariff; on the portal the consumer answers the question and accepts the quote
(billing follows); axe-core finds no serious or critical issue on the new views."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import wait_assigned, wait_for
from tests.browser.test_portal_a11y import axe_source, serious, violations

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _custom_in_progress(http: Any) -> tuple[str, str]:
    st, req = http.call("POST", "/requests", "consumer1", {
        "kind": "data_order", "items": [], "purpose": "Penelitian skripsi",
        "custom_request": "Jumlah rumah tangga per desa di Kabupaten Deli Serdang, 2023"})
    assert st == 201, req
    rid = req["request_id"]
    op = wait_assigned(http, rid)["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    return rid, op


def test_admin_asks_and_quotes_portal_answers_and_accepts(browser_session: Any, portal: Any, http: Any) -> None:
    rid, op = _custom_in_progress(http)
    found: dict[str, Any] = {}

    # the operator asks a question on the request view
    s = browser_session(op, f"#/permintaan/{rid}")
    page = s.page
    # axe through an init script (not subject to the pages' CSP, which the flow tests check)
    s.context.add_init_script(script=axe_source())
    page.reload()
    page.wait_for_selector("#question-form")
    page.wait_for_selector("#quote-code-1")  # the tariff loaded into the quote form
    found["admin: request in progress"] = violations(page)
    page.fill("#question-form textarea", "Apakah data per desa cukup untuk tahun 2023 saja?")
    page.click("#action-ask")
    page.wait_for_selector("#consumer-wait")
    assert "Menunggu pemohon" in page.inner_text("#request-status")
    found["admin: waiting on the consumer"] = violations(page)

    # the consumer answers on the portal
    c = portal("phone")
    c.context.add_init_script(script=axe_source())
    cp = c.login("consumer1", f"#/permintaan/{rid}")
    cp.wait_for_selector("#consumer-question")
    assert "cukup untuk tahun 2023" in cp.inner_text("#question-text")
    found["portal: question"] = violations(cp)
    cp.fill("#answer-body", "Ya, tahun 2023 saja.")
    cp.click("#answer-submit")
    wait_for(lambda: http.call("GET", f"/requests/{rid}", "consumer1")[1]["status"] == "in_progress",
             what="the answer resumes the request")

    # the operator sends a quote: two lines from the tariff
    page.reload()
    page.wait_for_selector("#quote-code-1")
    page.select_option("#quote-code-1", "TAB-KHUSUS")
    page.fill("#quote-qty-1", "3")
    page.click("#quote-add-line")
    page.select_option("#quote-code-2", "PETA-KHUSUS")
    page.fill("#quote-qty-2", "1")
    tariff = {i["code"]: i["unit_price_idr"] for i in http.call("GET", "/ops/tariff", op)[1]["items"]}
    total = 3 * tariff["TAB-KHUSUS"] + tariff["PETA-KHUSUS"]
    assert f"{total:,}".replace(",", ".") in page.inner_text("#quote-total")
    page.click("#action-quote")
    page.wait_for_selector("#quote-summary")
    found["admin: quote sent"] = violations(page)

    # the consumer accepts on the portal; the billing follows
    cp.goto(f"{c.portal}/#/permintaan/{rid}")
    cp.wait_for_selector("#consumer-quote")
    assert f"{total:,}".replace(",", ".") in cp.inner_text("#quote-total")
    found["portal: quote"] = violations(cp)
    cp.click("#quote-accept")
    wait_for(lambda: http.call("GET", f"/requests/{rid}/billing", "consumer1")[0] == 200, timeout_s=40,
             what="the billing of the accepted quote")
    st, b = http.call("GET", f"/requests/{rid}/billing", "consumer1")
    assert b["amount_idr"] == total and b["status"] == "unpaid"
    assert serious(found) == {}

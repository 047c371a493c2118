"""The admin page's payments view (issue 16) in headless Chromium against the whole local stack: a consumer
cancels an order and pays it at the bank anyway; the supervisor sees the `paid_after_close` work item with its
evidence, records the refund (reference, date) and the day's reconciliation report; one more late payment is
resumed. Every change is checked through the API; axe-core finds no serious or critical violation; an operator
has no such view."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import wait_for
from tests.browser.test_portal_a11y import axe_source, serious

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def violations(page: Any) -> list[dict[str, Any]]:
    """axe-core on the admin page; its CSP (script-src 'self') refuses an injected script tag, so axe is
    evaluated through the DevTools protocol instead."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source() + "\n;void 0")
    return page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
    }""")


def _late_payment(http: Any, consumer: str = "consumer1") -> dict[str, Any]:
    """Order → cancel → paid at the bank (in flight) → the simulator's webhook: a paid_after_close work item."""
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    item = next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")
    st, req = http.call("POST", "/requests", consumer, {"kind": "data_order", "items": [{"catalog_id": item["id"]}],
                                                        "purpose": "Uji halaman pembayaran"})
    assert st == 201, req
    rid = req["request_id"]
    billing = wait_for(lambda: (lambda r: r[1] if r[0] == 200 else None)(
        http.call("GET", f"/requests/{rid}/billing", consumer)), what="billing issued")
    assert http.call("POST", f"/requests/{rid}/cancel", consumer, {})[0] == 200
    st, paid = http.call("POST", "/simulate/pay", body={"billing_code": billing["billing_code"], "in_flight": True},
                         base="billing")
    assert st == 200, paid

    def item_of():
        st, body = http.call("GET", "/ops/payments/work-items", "supervisor1")
        return next((w for w in body["items"] if w["request_id"] == rid), None)

    w = wait_for(item_of, what="work item opened")
    return {"rid": rid, "item": w, "paid": paid, "billing": billing}


def test_supervisor_handles_late_payments_and_reconciles(browser_session: Any, http: Any) -> None:
    late = _late_payment(http)
    other = _late_payment(http, "consumer2")
    s = browser_session("supervisor1", "#/pembayaran")
    page = s.page
    assert "Pembayaran" in " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    iid = late["item"]["item_id"]
    card = page.locator(f"article[data-item='{iid}']")
    card.wait_for()
    text = card.inner_text()
    assert "Dibayar setelah ditutup" in text and late["paid"]["ntpn"] in text and late["rid"] in text, text
    assert "dibatalkan" in text

    found = {"work items": violations(page)}

    # a refund needs its reference: refused in the form, in Indonesian
    card.locator("form[data-action='refund'] button[type='submit']").click()
    card.locator(".alert-error").wait_for()
    assert "referensi" in card.locator(".alert-error").inner_text()
    card.locator("form[data-action='refund'] input[name='reference']").fill("SPM-2026-0099")
    card.locator("form[data-action='refund'] textarea[name='note']").fill("dikembalikan lewat KPPN")
    card.locator("form[data-action='refund'] button[type='submit']").click()
    page.wait_for_selector(f"article[data-item='{iid}']", state="detached")

    def done():
        st, body = http.call("GET", "/ops/payments/work-items?status=done", "supervisor1")
        return next((w for w in body["items"] if w["item_id"] == iid), None)

    w = wait_for(done, what="refund recorded")
    assert w["resolution"]["action"] == "refund" and w["resolution"]["reference"] == "SPM-2026-0099"
    assert w["resolution"]["by"] == "supervisor1" and w["resolution"]["refunded_at"]

    # the other late payment: fulfilment resumed as a follow-up request
    oid = other["item"]["item_id"]
    page.locator(f"article[data-item='{oid}'] form[data-action='resume'] button[type='submit']").click()
    page.wait_for_selector(f"article[data-item='{oid}']", state="detached")
    st, body = http.call("GET", "/ops/payments/work-items?status=done", "supervisor1")
    resumed = next(x for x in body["items"] if x["item_id"] == oid)
    assert resumed["resolution"]["follow_up"] == f"{other['rid']}-L"

    # the done tab shows who refunded, when, and the reference
    page.click("#tab-done")
    done_card = page.locator(f"article[data-item='{iid}']")
    done_card.wait_for()
    assert "SPM-2026-0099" in done_card.inner_text() and "supervisor1" in done_card.inner_text()

    # the day's reconciliation
    page.fill("#recon-day", late["paid"]["paid_at"][:10])
    page.click("#recon-show")
    page.wait_for_selector("#recon-verdict")
    assert "Pembayaran di penyedia" in page.inner_text("#reconciliation")
    found["reconciliation"] = violations(page)
    assert not serious(found), serious(found)


def test_operator_has_no_payments_view(browser_session: Any) -> None:
    s = browser_session("operator1", "#/pembayaran")
    page = s.page
    assert "Pembayaran" not in " ".join(page.locator("#sidebar .nav-link").all_inner_texts())
    page.wait_for_selector("text=Menu ini tidak tersedia untuk peran Anda.")

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


def test_supervisor_restarts_a_stopped_workflow(browser_session: Any, http: Any) -> None:
    """A paid order whose workflow stopped: its restart never started (the request names an execution Step
    Functions does not have, as a failed StartExecution leaves it) and the workflow flagged a timeout. The tick opens
    the work item; the supervisor's "Jalankan ulang alur kerja" starts the next run, and the request waits for its
    payment again under it. A second request whose execution still runs cannot be restarted: said in Indonesian."""
    from chalicelib.requests.models import RequestRecord

    def order_waiting_payment() -> str:
        st, res = http.call("GET", "/catalog/search?q=&page_size=100")
        item = next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")
        st, req = http.call("POST", "/requests", "consumer2", {"kind": "data_order", "items": [{"catalog_id": item["id"]}],
                                                               "purpose": "Uji alur kerja berhenti"})
        assert st == 201, req
        rid = req["request_id"]
        # the payment wait's token stored: nothing else writes the request while it waits
        wait_for(lambda: (lambda t: t is not None and t.stage == "payment")(RequestRecord.get(rid).task),
                 what="waiting for the payment")
        return rid

    stopped, running = order_waiting_payment(), order_waiting_payment()
    gone = RequestRecord.get(stopped)
    gone.update(actions=[RequestRecord.execution_name.set(f"{stopped}-r1"), RequestRecord.problem.set("States.Timeout")])
    RequestRecord.get(running).update(actions=[RequestRecord.problem.set("States.Timeout")])

    def item_of(rid: str):
        st, body = http.call("GET", "/ops/payments/work-items", "supervisor1")
        return next((w for w in body["items"] if w["request_id"] == rid and w["kind"] == "workflow_problem"), None)

    items = {rid: wait_for(lambda rid=rid: item_of(rid), what=f"work item of {rid}") for rid in (stopped, running)}
    s = browser_session("supervisor1", "#/pembayaran")
    page = s.page

    busy = page.locator(f"article[data-item='{items[running]['item_id']}']")
    busy.wait_for()
    assert "Alur kerja berhenti" in busy.inner_text()
    busy.locator("form[data-action='restart'] button[type='submit']").click()
    busy.locator(".alert-error").wait_for()
    assert "masih berjalan" in busy.locator(".alert-error").inner_text()

    card = page.locator(f"article[data-item='{items[stopped]['item_id']}']")
    assert "melewati batas waktunya" in card.inner_text()  # the problem, worded
    card.locator("form[data-action='restart'] textarea[name='note']").fill("StartExecution gagal saat pemeliharaan")
    card.locator("form[data-action='restart'] button[type='submit']").click()
    page.wait_for_selector(f"article[data-item='{items[stopped]['item_id']}']", state="detached")

    rec = RequestRecord.get(stopped)
    assert rec.execution_name == f"{stopped}-r2" and rec.problem is None
    first_token = gone.task.token
    wait_for(lambda: (RequestRecord.get(stopped).task.token if RequestRecord.get(stopped).task else None)
             not in (None, first_token), what="the new run waits for the payment")
    assert http.call("GET", f"/requests/{stopped}", "consumer2")[1]["status"] == "awaiting_payment"

    page.click("#tab-done")
    done = page.locator(f"article[data-item='{items[stopped]['item_id']}']")
    done.wait_for()
    text = done.inner_text()
    assert "Alur kerja dijalankan ulang" in text and f"{stopped}-r2" in text and "pemeliharaan" in text, text
    assert not serious({"restart": violations(page)})
    st, out = http.call("POST", f"/ops/payments/work-items/{items[running]['item_id']}/resolve", "supervisor1",
                        {"note": "alur kerja masih berjalan; ditunggu"})
    assert st == 200, out

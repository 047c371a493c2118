"""Issue 16 end to end through the local stack (`make dev` on free ports), over HTTP: a consumer orders, cancels,
and pays the billing code at the bank anyway (the bank accepted it before the cancellation reached the
provider). The simulator's signed webhook is answered 200 (never an endless retry), the payment is in the PNBP
ledger CSV exactly once, and the supervisor sees the `paid_after_close` work item and records the refund."""

from __future__ import annotations

import csv
import functools
import io

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e

wait = functools.partial(wait_for, timeout_s=45.0, interval=0.3)


def _paid_item(http):
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    items = [i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata"]
    assert items, "the demo catalog has priced items"
    return items[0]


def test_order_cancel_pay_is_in_the_ledger_and_flagged_for_the_supervisor(stack, http):
    item = _paid_item(http)
    st, req = http.call("POST", "/requests", "consumer2",
                        {"kind": "data_order", "items": [{"catalog_id": item["id"]}], "purpose": "Uji bayar terlambat"})
    assert st == 201, req
    rid = req["request_id"]
    billing = wait(lambda: (lambda r: r[1] if r[0] == 200 else None)(
        http.call("GET", f"/requests/{rid}/billing", "consumer2")))
    assert billing and billing["status"] == "unpaid"
    code = billing["billing_code"]

    st, cancelled = http.call("POST", f"/requests/{rid}/cancel", "consumer2", {})
    assert st == 200 and cancelled["status"] == "cancelled", cancelled
    # the bank took the payment before the cancellation reached the provider; the simulator sends the webhook
    st, paid = http.call("POST", "/simulate/pay", body={"billing_code": code, "in_flight": True, "duplicate": 1},
                         base="billing")
    assert st == 200 and paid["webhook"] == "queued", paid

    def delivered():
        st, hooks = http.call("GET", "/simulate/webhooks", base="billing")
        mine = [h for h in hooks["webhooks"] if h["billing_code"] == code]
        return len(mine) == 2 and all(h["done"] for h in mine) and mine

    hooks = wait(delivered)
    assert hooks and [h["last_status"] for h in hooks] == [200, 200], hooks  # answered, not retried forever

    st, b = http.call("GET", f"/requests/{rid}/billing", "consumer2")
    assert b["status"] == "paid" and b["ntpn"] == paid["ntpn"]
    st, detail = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
    assert detail["status"] == "cancelled" and detail["problem"] == "paid_after_close", detail

    day = paid["paid_at"][:10]
    st, raw = http.call("GET", f"/ops/reports/ledger.csv?from={day}&to={day}", "supervisor1")
    assert st == 200, raw
    rows = [r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))) if r["billing_code"] == code]
    assert len(rows) == 1, rows  # two deliveries, one ledger row
    assert rows[0]["ntpn"] == paid["ntpn"] and int(rows[0]["amount_idr"]) == item["price_idr"]
    assert rows[0]["request_id"] == rid and rows[0]["transaction_type"] == "paid"

    assert http.call("GET", "/ops/payments/work-items", "operator1")[0] == 403
    st, items = http.call("GET", "/ops/payments/work-items", "supervisor1")
    assert st == 200, items
    mine = [w for w in items["items"] if w["request_id"] == rid]
    assert [w["kind"] for w in mine] == ["paid_after_close"], items
    w = mine[0]
    assert w["billing_code"] == code and w["evidence"]["ntpn"] == paid["ntpn"]
    assert w["actions"] == ["resume", "refund"]

    st, done = http.call("POST", f"/ops/payments/work-items/{w['item_id']}/refund", "supervisor1",
                         {"reference": "SPM-E2E-0001", "note": "dikembalikan ke pemohon"})
    assert st == 200 and done["status"] == "done", done
    assert done["resolution"]["by"] == "supervisor1" and done["resolution"]["reference"] == "SPM-E2E-0001"
    st, summary = http.call("GET", f"/ops/reports/summary?from={day}&to={day}", "supervisor1")
    assert st == 200 and summary["late_payments"]["refunded"] >= 1, summary

"""Issue 16: money is never lost, doubled or stuck — late payments after a cancel or an expiry, webhook
idempotency per billing and event, evidence for unknown billings and wrong amounts, fair reconciliation with a
grace period for closed billings, stuck paid requests advanced, orders stranded by a provider outage retried,
cancellation at the provider."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, timedelta

import pytest

from chalicelib.core.clock import FrozenClock
from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit


def sim(billing_sim, path, body=None, method="POST"):
    req = urllib.request.Request(billing_sim.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def ledger_rows_for(rid):
    from chalicelib.billing.models import LedgerRecord

    return [r for r in LedgerRecord.scan() if r.request_id == rid]


def open_items(kind=None):
    from chalicelib.billing import repository

    items, _ = repository.work_items("work:open", limit=200)
    return [w for w in items if kind is None or w.kind == kind]


@pytest.fixture
def paid_order(api, worker):
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1", "TS-FREE1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment"), status_of(api, rid)
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200, billing
    return rid, billing


def test_payment_after_cancel_is_recorded_and_flagged_for_a_supervisor(api, worker, paid_order, billing_sim):
    rid, billing = paid_order
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    # the bank accepted the payment before the cancellation reached the provider
    st, paid = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False,
                                                  "in_flight": True})
    assert st == 200, paid
    ev = paid_event(billing, ntpn=paid["ntpn"], paid_at=paid["paid_at"])
    st, res = signed_webhook(api, ev)
    assert (st, res) == (200, {"result": "paid_after_close"})
    assert signed_webhook(api, ev) == (200, {"result": "duplicate"})  # redelivery: nothing more
    worker.drain()
    rows = ledger_rows_for(rid)
    assert len(rows) == 1 and rows[0].ntpn == paid["ntpn"] and int(rows[0].amount_idr) == 150000
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "paid"
    st, req = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert req["status"] == "cancelled" and req["problem"] == "paid_after_close"
    # the consumer is told the money is recorded and a supervisor decides — not "passed on to the desk"
    events = [n["event"] for n in api.get("/me/notifications", "consumer1")[1]["items"] if n["request_id"] == rid]
    assert "payment_after_close" in events and "payment_received" not in events
    items = open_items("paid_after_close")
    assert [w.for_request for w in items] == [rid]
    assert items[0].evidence["ntpn"] == paid["ntpn"] and items[0].evidence["request_status"] == "cancelled"
    from chalicelib.audit.service import verify_all

    assert verify_all(rid)["broken"] == []


def test_payment_after_expiry_is_recorded(api, worker, monkeypatch, billing_sim):
    monkeypatch.setenv("BILLING_EXPIRY_S", "2")
    from chalicelib.core.config import reset_settings

    reset_settings()
    standard_catalog()
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "expired", timeout_s=20), status_of(api, rid)
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    st, paid = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False,
                                                  "in_flight": True})
    assert st == 200
    from chalicelib.fulfilment import payment

    counts = payment.reconcile()  # no webhook at all: the grace-period check of closed billings finds it
    assert counts["late"] == 1 and counts["closed_checked"] >= 1, counts
    assert len(ledger_rows_for(rid)) == 1
    assert [w.for_request for w in open_items("paid_after_close")] == [rid]
    assert payment.reconcile()["late"] == 0  # exactly once


def test_event_ids_are_scoped_per_billing(api, worker, billing_sim):
    standard_catalog()
    put_operator("operator1")
    rids = [submit(api, order(["TS-PAID1"])), submit(api, order(["TS-PAID1"]), user="consumer2")]
    assert worker.run_until(lambda: all(status_of(api, r, u) == "awaiting_payment"
                                        for r, u in zip(rids, ["consumer1", "consumer2"], strict=True)))
    bills = [api.get(f"/requests/{r}/billing", u)[1] for r, u in zip(rids, ["consumer1", "consumer2"], strict=True)]
    for b in bills:
        st, res = signed_webhook(api, paid_event(b, event_id="evt-reused-1"))
        assert (st, res) == (200, {"result": "applied"})
    for r in rids:
        assert len(ledger_rows_for(r)) == 1


def test_unknown_billing_and_wrong_amount_keep_their_evidence(api, paid_order):
    rid, billing = paid_order
    st, _ = signed_webhook(api, paid_event(billing, billing_code="999999999999999", event_id="evt-unknown"))
    assert st == 404
    st, body = signed_webhook(api, paid_event(billing, amount_idr=1000, event_id="evt-short"))
    assert st == 409 and body["error"]["code"] == "amount_mismatch"
    kinds = {w.kind: w for w in open_items()}
    assert kinds["unknown_billing"].evidence["event"].endswith("evt-unknown")
    assert kinds["amount_mismatch"].evidence["billed_idr"] == 150000
    assert kinds["amount_mismatch"].evidence["amount_idr"] == 1000
    st, _ = signed_webhook(api, paid_event(billing, ntpn="SHORT1", event_id="evt-bad-ntpn"))
    assert st == 400 and "invalid_receipt" in {w.kind for w in open_items()}
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "unpaid"


def test_reconciliation_reaches_every_open_billing(api, worker, paid_order, billing_sim):
    """130 stale unpaid billings older than the real one: the lost webhook is still found within a few ticks."""
    from datetime import datetime

    from chalicelib.billing.models import BillingRecord
    from chalicelib.billing.service import provider
    from chalicelib.core import clock
    from chalicelib.fulfilment import payment

    rid, billing = paid_order
    old = clock.iso(clock.now() - timedelta(days=1))
    exp = datetime.now(UTC) + timedelta(days=3)
    for i in range(130):
        info = provider().create_billing(request_id=f"stale-{i}", amount_idr=1000, payer_name="x", payer_email="",
                                         description="stale", expires_at=exp)
        BillingRecord(billing_code=info.billing_code, request_id=f"stale-{i}", amount_idr=1000, status="unpaid",
                      created_at=old, expires_at=clock.iso(exp)).save()
    sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False})
    B = BillingRecord.get(billing["billing_code"])
    B.update(actions=[BillingRecord.created_at.set(clock.iso(clock.now() - timedelta(hours=1)))])
    applied, ticks = 0, 0
    while not applied and ticks < 5:
        counts = payment.reconcile(limit=50, head=10)
        applied, ticks = counts["applied"], ticks + 1
        assert counts["checked"] <= 50
    assert applied == 1 and ticks <= 4, ticks
    assert len(ledger_rows_for(rid)) == 1


def test_stale_billings_past_expiry_are_marked_expired(api, paid_order, billing_sim):
    from chalicelib.billing.models import BillingRecord
    from chalicelib.core import clock
    from chalicelib.fulfilment import payment

    rid, billing = paid_order
    B = BillingRecord.get(billing["billing_code"])
    B.update(actions=[BillingRecord.expires_at.set(clock.iso(clock.now() - timedelta(minutes=1))),
                      BillingRecord.created_at.set(clock.iso(clock.now() - timedelta(days=8)))])
    counts = payment.reconcile()
    assert counts["expired"] == 1, counts
    assert BillingRecord.get(billing["billing_code"]).status == "expired"
    assert status_of(api, rid) == "expired"


def test_cancel_cancels_at_the_provider_and_the_bank_refuses(api, worker, paid_order, billing_sim):
    rid, billing = paid_order
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    worker.drain()  # the outbox's cancel_billing job
    st, doc = sim(billing_sim, f"/billings/{billing['billing_code']}", method="GET")
    assert doc["status"] == "cancelled"
    st, body = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"]})
    assert st == 409 and body["error"]["code"] == "cancelled"
    from chalicelib.billing.models import BillingRecord

    b = BillingRecord.get(billing["billing_code"])
    assert b.status == "expired" and b.closed_reason == "cancelled" and b.provider_cancelled_at


def test_cancel_job_finds_a_payment_in_flight(api, worker, paid_order, billing_sim):
    """The payment reached the provider first: its cancel answers already_paid, and the job records it."""
    rid, billing = paid_order
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False})
    worker.drain()
    assert len(ledger_rows_for(rid)) == 1
    assert [w.for_request for w in open_items("paid_after_close")] == [rid]


def test_paid_request_left_waiting_is_advanced(api, worker, paid_order):
    """The workflow's payment wait got lost (its message in the DLQ): the webhook applies, nothing answers."""
    from chalicelib.core import clock
    from chalicelib.fulfilment import payment
    from chalicelib.requests.models import RequestRecord
    from chalicelib.requests.repository import RequestRepository

    rid, billing = paid_order
    rec = RequestRepository().get(rid)
    RequestRepository().update_fields(rec, {}, remove=["task"])  # the token never got stored
    assert signed_webhook(api, paid_event(billing))[1]["result"] == "applied"
    assert payment.unstick()["advanced"] == 0  # too early: the workflow may still be on its way
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=6)))
    out = payment.unstick()
    assert out["advanced"] == 1, out
    assert RequestRecord.get(rid).status in ("queued", "assigned")
    assert payment.unstick() == {"resent": 0, "advanced": 0, "stuck": 0}


def test_order_stranded_by_an_outage_is_retried_by_the_tick(api, worker, billing_sim):
    from chalicelib.core import clock
    from chalicelib.fulfilment import payment
    from chalicelib.requests.models import RequestRecord
    from chalicelib.requests.repository import RequestRepository

    standard_catalog()
    sim(billing_sim, "/simulate/faults", {"fail_next": 1000, "status": 503})
    try:
        rid = submit(api, order(["TS-PAID1"]))
        assert worker.run_until(lambda: RequestRecord.get(rid).problem == "billing_unavailable", timeout_s=20)
        repo = RequestRepository()
        repo.update_fields(repo.get(rid), {"problem": "BillingUnavailable"})  # the workflow gave up
        assert payment.retry_stranded()["failed"] == 1
        assert payment.retry_stranded()["waiting"] == 1  # backoff
    finally:
        sim(billing_sim, "/simulate/faults", {"fail_next": 0})
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=2)))
    assert payment.retry_stranded()["billed"] == 1
    assert RequestRecord.get(rid).status == "awaiting_payment"
    assert not open_items("billing_unavailable")


def _late(api, worker, billing_sim, rid, billing):
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    st, paid = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False,
                                                  "in_flight": True})
    assert signed_webhook(api, paid_event(billing, ntpn=paid["ntpn"], paid_at=paid["paid_at"]))[0] == 200
    worker.drain()
    return paid


def test_supervisor_resumes_a_payment_after_close(api, worker, paid_order, billing_sim):
    rid, billing = paid_order
    _late(api, worker, billing_sim, rid, billing)
    assert api.get("/ops/payments/work-items", "operator1")[0] == 403
    st, body = api.get("/ops/payments/work-items", "supervisor1")
    assert st == 200, body
    [item] = body["items"]
    assert item["kind"] == "paid_after_close" and item["request_id"] == rid and item["actions"] == ["resume", "refund"]
    st, done = api.post(f"/ops/payments/work-items/{item['item_id']}/resume", "supervisor1", {"note": "lanjutkan"})
    assert st == 200, done
    follow = done["resolution"]["follow_up"]
    assert done["status"] == "done" and follow == f"{rid}-L"
    assert api.post(f"/ops/payments/work-items/{item['item_id']}/resume", "supervisor1", {})[0] == 409
    assert worker.run_until(lambda: status_of(api, follow) == "assigned", timeout_s=20), status_of(api, follow)
    assert len(ledger_rows_for(rid)) == 1 and ledger_rows_for(follow) == []  # the payment counted once
    assert api.get("/ops/payments/work-items?status=done", "supervisor1")[1]["items"][0]["item_id"] == item["item_id"]


def test_supervisor_records_a_refund_and_the_reports_count_it(api, worker, paid_order, billing_sim):
    rid, billing = paid_order
    paid = _late(api, worker, billing_sim, rid, billing)
    [item] = api.get("/ops/payments/work-items", "supervisor1")[1]["items"]
    assert api.post(f"/ops/payments/work-items/{item['item_id']}/refund", "supervisor1", {})[0] == 400
    st, done = api.post(f"/ops/payments/work-items/{item['item_id']}/refund", "supervisor1",
                        {"reference": "SPM-2026-0042", "note": "dikembalikan"})
    assert st == 200 and done["resolution"]["reference"] == "SPM-2026-0042" and done["resolution"]["by"] == "supervisor1"
    from chalicelib.audit.models import AuditRecord

    assert "payment.refunded" in [a.action for a in AuditRecord.query(rid)]
    from chalicelib.fulfilment import payment_ops

    summary = payment_ops.late_payments_summary("2000-01-01T00:00:00+00:00", "2999-01-01T00:00:00+00:00")
    assert summary == {"count": 1, "amount_idr": 150000, "open": 0, "resumed": 0, "refunded": 1}
    day = paid["paid_at"][:10]
    st, rep = api.get(f"/ops/reports/reconciliation?day={day}", "supervisor1")
    assert st == 200, rep
    # the simulator is shared by the session: look at this billing only (other tests' payments are listed too)
    code = billing["billing_code"]
    assert rep["ledger_rows"] == 1 and rep["ledger_total_idr"] == 150000, rep
    assert all(code not in json.dumps(rep[k]) for k in ("missing_in_ledger", "duplicated_in_ledger", "different",
                                                        "not_at_provider")), rep


def test_reconciliation_report_lists_a_provider_payment_missing_from_the_ledger(api, paid_order, billing_sim):
    rid, billing = paid_order
    st, paid = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False})
    st, rep = api.get(f"/ops/reports/reconciliation?day={paid['paid_at'][:10]}", "supervisor1")
    assert st == 200 and not rep["ok"]
    # (the simulator is shared by the session: earlier tests' payments, from other moto worlds, are missing too)
    assert billing["billing_code"] in [m["billing_code"] for m in rep["missing_in_ledger"]]


def test_supervisor_retries_a_stranded_order(api, worker, billing_sim):
    from chalicelib.requests.models import RequestRecord

    standard_catalog()
    sim(billing_sim, "/simulate/faults", {"fail_next": 1000, "status": 503})
    try:
        rid = submit(api, order(["TS-PAID1"]))
        assert worker.run_until(lambda: RequestRecord.get(rid).problem == "billing_unavailable", timeout_s=20)
    finally:
        sim(billing_sim, "/simulate/faults", {"fail_next": 0})
    st, res = api.post(f"/ops/requests/{rid}/billing/retry", "supervisor1")
    assert st == 200 and res["result"] == "billed" and res["status"] == "awaiting_payment", res
    assert api.post(f"/ops/requests/{rid}/billing/retry", "supervisor1")[0] == 409

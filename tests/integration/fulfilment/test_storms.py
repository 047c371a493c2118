"""Storms (issue 10): payment webhooks delivered several times, shuffled, from 8 threads; and a burst of
concurrent delegations against quotas. In-process against moto, sized for `make test` (STORM_SCALE scales it)."""

from __future__ import annotations

import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

from chalicelib.billing.models import BillingRecord
from chalicelib.billing.signature import sign
from chalicelib.core import clock
from chalicelib.requests.models import Contact, RequestRecord
from chalicelib.requests.repository import RequestRepository
from tests.factories import put_operator

SCALE = float(os.environ.get("STORM_SCALE", "1"))


def _request(rid: str, status: str, **kw) -> RequestRecord:
    now = clock.iso()
    rec = RequestRecord(request_id=rid, kind=kw.pop("kind", "data_order"), status=status, consumer_id="consumer1",
                        consumer=Contact(name="Budi", email="consumer1@example.id"), created_by="consumer1",
                        created_at=now, updated_at=now, due_at=kw.pop("due_at", now), transaction_type="paid",
                        total_idr=kw.pop("total_idr", 0), **kw)
    return RequestRepository().create(rec, "test")


def test_webhook_storm_pays_each_billing_exactly_once(aws_env):
    from chalicelib.fulfilment import payment as service

    n_billings = int(60 * SCALE)
    rng = random.Random(7)
    codes = []
    for i in range(n_billings):
        rid = f"RSTORM-{i:04d}"
        code = f"{900000000000000 + i}"
        _request(rid, "awaiting_payment", total_idr=100000 + i, billing_code=code)
        BillingRecord(billing_code=code, request_id=rid, amount_idr=100000 + i, created_at=clock.iso(),
                      expires_at=clock.iso(), status="unpaid").save()
        codes.append((code, 100000 + i))
    deliveries = []
    for code, amount in codes:
        event = {"event_id": f"evt-{code}", "billing_code": code, "status": "paid", "amount_idr": amount,
                 "paid_at": "2026-11-29T10:00:00+07:00", "ntpn": f"N{code[-15:]}"}
        deliveries += [json.dumps(event).encode()] * rng.randint(1, 3)
    rng.shuffle(deliveries)
    secret = b"test-webhook-secret"

    def deliver(raw: bytes) -> str:
        headers = {"x-signature": sign(secret, raw, int(time.time()))}
        for _ in range(5):
            try:
                return service.handle_webhook(raw, headers)["result"]
            except Exception as exc:  # a provider retries on 409/5xx; only concurrency conflicts are expected here
                if "concurrent" not in str(exc).lower() and "conflict" not in type(exc).__name__.lower():
                    raise
                time.sleep(0.01)
        raise AssertionError("delivery kept conflicting")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(deliver, deliveries))
    assert results.count("applied") == n_billings
    assert set(results) <= {"applied", "duplicate", "already_paid"}
    for code, _amount in codes:
        b = BillingRecord.get(code)
        assert b.status == "paid" and b.ntpn == f"N{code[-15:]}"
        rec = RequestRecord.get(b.request_id)
        notes = [t.note for t in rec.timeline if "pembayaran diterima" in t.note]
        assert len(notes) == 1 and rec.paid_at
    from chalicelib.billing.models import LedgerRecord
    from chalicelib.billing.service import month_of

    ledger = [r for r in LedgerRecord.query(month_of("2026-11-29T10:00:00+07:00")) if r.request_id.startswith("RSTORM")]
    assert len(ledger) == n_billings


def test_delegation_storm_respects_quotas_and_loses_nothing(aws_env):
    from chalicelib.delegation.models import OperatorRecord
    from chalicelib.fulfilment import assign as delegation

    n_requests = int(100 * SCALE)
    ops = [f"op{i}" for i in range(5)]
    for op in ops:
        put_operator(op, quota=10)
    base = clock.now()
    for i in range(n_requests):
        _request(f"RDLG-{i:04d}", "queued", kind="consultation",
                 due_at=clock.iso(base.replace(microsecond=0)) if i % 2 else clock.iso(base))

    def worker_drain(_: int) -> int:
        return delegation.drain()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker_drain, range(8)))
    loads = {op: int(OperatorRecord.get(op).load) for op in ops}
    assert all(v <= 10 for v in loads.values()), loads
    assigned = [r for op in ops for r in RequestRecord.by_active_assignee.query(op)]
    assert len(assigned) == sum(loads.values()) == min(50, n_requests)
    queued = list(RequestRecord.by_status.query("queued"))
    assert len(assigned) + len(queued) == n_requests  # nothing lost
    # capacity frees: deliver everything assigned, then the queue drains again
    repo = RequestRepository()
    for rec in assigned:
        rec = repo.transition(rec, "in_progress", rec.assignee)
        repo.transition(rec, "delivered", rec.assignee, also=delegation.release_in(rec.assignee))
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(worker_drain, range(8)))
    loads = {op: int(OperatorRecord.get(op).load) for op in ops}
    assert all(v <= 10 for v in loads.values()), loads
    still = len(list(RequestRecord.by_status.query("queued")))
    assert still == max(0, n_requests - 100)

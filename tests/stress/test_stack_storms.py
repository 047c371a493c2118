"""`make stress`: the storms of issue 10 against the running local stack (moto server, chalice local,
worker, billing simulator), over HTTP. Not part of `make test` (minutes, not seconds).

(a) N_BILLINGS paid orders; their payment webhooks delivered up to 3 times each, shuffled, from 8 threads →
    every billing paid exactly once, every request moved on exactly once.
(b) N_REQUESTS consultations against the 4 demo operators on duty, quota 10 each → no quota exceeded, no request lost, and the
    queue drains as work completes. It runs first: it needs the operators' capacity free."""

from __future__ import annotations

import functools
import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import wait_for

N_BILLINGS = int(os.environ.get("STRESS_BILLINGS", "200"))
N_DELIVERIES = int(os.environ.get("STRESS_DELIVERIES", "500"))
N_REQUESTS = int(os.environ.get("STRESS_REQUESTS", "200"))


wait = functools.partial(wait_for, timeout_s=300.0, interval=1.0)


def diagnose(http, rid):
    """What a stuck request looks like: its ops view and its execution's last events."""
    import boto3

    _, ops = http.call("GET", f"/ops/requests/{rid}", "supervisor1")
    sfn = boto3.client("stepfunctions")
    arn = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    ex_arn = arn.replace(":stateMachine:", ":execution:") + f":{rid}"
    try:
        status = sfn.describe_execution(executionArn=ex_arn)["status"]
        events = sfn.get_execution_history(executionArn=ex_arn, reverseOrder=True, maxResults=12)["events"]
        history = [(e["type"], str(e.get("stateEnteredEventDetails", {}).get("name", ""))) for e in events]
    except Exception as exc:  # noqa: BLE001
        status, history = f"error {exc}", []
    try:
        from chalicelib.requests.models import RequestRecord

        rec = RequestRecord.get(rid)
        task = rec.task.as_dict() if rec.task else None
        if task:
            task["token"] = task["token"][:8]
        stored = {"task": task, "answer_pending": rec.answer_pending, "version": rec.version}
    except Exception as exc:  # noqa: BLE001
        stored = {"error": str(exc)}
    return {"request": rid, "stored": stored, "status": ops.get("status"), "paid_at": ops.get("paid_at"), "problem": ops.get("problem"),
            "timeline": [(t["at"], t["status"], t["actor"], t["note"]) for t in ops.get("timeline", [])],
            "execution": status, "history": history}


@pytest.mark.e2e
def test_delegation_storm_against_the_stack(stack, http):
    ops = ["operator1", "operator2", "operator3", "supervisor1"]
    for op in ops:
        assert http.call("PATCH", f"/ops/operators/{op}", "supervisor1", {"quota": 10, "active": True})[0] == 200
    rids = []

    def create(i):
        st, r = http.call("POST", "/requests", "consumer2",
                          {"kind": "consultation", "topic": "data", "subject": f"Stres {i}", "question": "?"})
        assert st == 201
        return r["request_id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        rids = list(pool.map(create, range(N_REQUESTS)))
    time.sleep(5)

    def snapshot():
        st, operators = http.call("GET", "/ops/operators", "supervisor1")
        return {o["operator_id"]: (o["load"], o["quota"]) for o in operators if o["operator_id"] in ops}

    def settled():
        statuses = [http.call("GET", f"/requests/{r}", "consumer2")[1]["status"] for r in rids]
        return all(s in ("assigned", "queued") for s in statuses) and statuses

    statuses = wait(settled, timeout_s=600, interval=3)
    assert statuses, "every request reached assigned or queued"
    loads = snapshot()
    assert all(load <= quota for load, quota in loads.values()), loads
    print(f"STRESS delegation requests={N_REQUESTS} assigned={statuses.count('assigned')} "
          f"queued={statuses.count('queued')} loads={loads}")
    # complete assigned ones; the queue drains
    for rid in rids:
        st, r = http.call("GET", f"/requests/{rid}", "consumer2")
        if r["status"] == "assigned":
            op = r["assignee"]
            http.call("POST", f"/ops/requests/{rid}/start", op, {})
            http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "selesai"})
    assert wait(lambda: all(v[0] <= v[1] for v in snapshot().values()))
    queued_after = wait(lambda: sum(http.call("GET", f"/requests/{r}", "consumer2")[1]["status"] == "queued"
                                    for r in rids) < statuses.count("queued") or None, timeout_s=120)
    assert queued_after, ("the queue drained after completions", snapshot(),
                          [http.call("GET", f"/requests/{r}", "consumer2")[1]["status"] for r in rids])


@pytest.mark.e2e
def test_webhook_storm_against_the_stack(stack, http):
    from chalicelib.billing.signature import sign

    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    priced = [i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata"]
    rids = []
    for i in range(N_BILLINGS):
        item = priced[i % len(priced)]
        st, req = http.call("POST", "/requests", "consumer1",
                            {"kind": "data_order", "items": [{"catalog_id": item["id"]}], "purpose": f"stress {i}"})
        assert st == 201
        rids.append(req["request_id"])

    def billing(rid):
        st, b = http.call("GET", f"/requests/{rid}/billing", "consumer1")
        return b if st == 200 else None

    billings = {rid: wait(lambda r=rid: billing(r)) for rid in rids}
    assert all(billings.values())
    rng = random.Random(3)
    events = []
    for b in billings.values():
        ev = json.dumps({"event_id": f"stress-{b['billing_code']}", "billing_code": b["billing_code"],
                         "status": "paid", "amount_idr": b["amount_idr"], "paid_at": "2026-11-29T10:00:00+07:00",
                         "ntpn": f"S{b['billing_code']}"}).encode()
        events.append(ev)
    deliveries = list(events)
    while len(deliveries) < N_DELIVERIES:
        deliveries.append(rng.choice(events))
    rng.shuffle(deliveries)
    secret = stack.env["BILLING_WEBHOOK_SECRET"].encode()

    def deliver(raw):
        for _ in range(10):
            st, body = http.call("POST", "/webhooks/billing", body=raw,
                                 headers={"X-Signature": sign(secret, raw, int(time.time()))})
            if st == 200:
                return body["result"]
            time.sleep(0.2)  # 409 concurrent update: the provider retries
        return f"status {st}"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(deliver, deliveries))
    assert results.count("applied") == N_BILLINGS, {r: results.count(r) for r in set(results)}
    assert set(results) <= {"applied", "duplicate", "already_paid"}

    def moved(rid):
        st, r = http.call("GET", f"/requests/{rid}", "consumer1")
        return r["status"] in ("assigned", "queued") and r

    for rid in rids:
        r = wait(lambda x=rid: moved(x))
        assert r, diagnose(http, rid)
        assert sum("pembayaran diterima" in t["note"] for t in r["timeline"]) == 1
    print(f"STRESS webhooks deliveries={len(deliveries)} billings={N_BILLINGS} applied={results.count('applied')}")

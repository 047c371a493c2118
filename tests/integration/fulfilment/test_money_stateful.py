"""SPEC §8 "Money" as a Hypothesis state machine (issue 16, "Done when").

Random interleavings, over many orders, of: new orders, payments at the billing simulator (the bank), their
webhooks delivered late, twice, out of order or never (lost), cancels by the consumer, time passing with the
tick (reconciliation, expiry, stuck-paid, stranded orders, the outbox), provider outages, Step Functions
answering nothing, a lost payment-wait message, and crashes between writes (the next DynamoDB write fails,
before or after it took effect). After each run the world settles (outages end, undelivered webhooks are lost,
time passes past every billing's expiry with the tick running) and the invariant is checked:

- every payment the simulator accepted is in the PNBP ledger exactly once (amount and NTPN as paid), and no
  ledger row exists for a billing the provider has not been paid;
- its request is in fulfilment (queued or later) or closed and flagged `paid_after_close` with an open work item;
- nothing waits unnoticed: no request is left `submitted`/`awaiting_payment` without an open work item.

What runs is the real code (API routes through chalice's test client, the fulfilment task handlers, the
tick's steps, the outbox relay and the jobs worker, the HTTP provider adapter against the real simulator on
loopback, moto DynamoDB/SQS). Only Step Functions is replaced, by `AslRunner`: a small interpreter of
statemachines/fulfilment.asl.json itself (Task/Choice/Succeed/Fail, Retry, Catch, TimeoutSeconds[Path] on the
app's clock), whose workflow-queue messages are held here so a rule can deliver them in any order or lose one.

Sized for `make test` (MONEY_EXAMPLES, MONEY_STEPS); `make stress` runs it larger."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order

EXAMPLES = int(os.environ.get("MONEY_EXAMPLES", "3"))
STEPS = int(os.environ.get("MONEY_STEPS", "25"))
ASL = Path(__file__).resolve().parents[3] / "statemachines" / "fulfilment.asl.json"
IN_FULFILMENT = {"queued", "assigned", "in_progress", "escalated", "awaiting_consumer", "delivered", "completed"}
WAITING = {"submitted", "awaiting_approval", "awaiting_payment"}


class Crash(Exception):
    """The process died here (a Lambda timeout, an OOM kill): nothing after this point ran."""


# --- Step Functions, interpreted from the definition ----------------------------------------------------------
def _path(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.removeprefix("$.").split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _rule(data: dict[str, Any], c: dict[str, Any]) -> bool:
    """A Choice rule: BooleanEquals, IsPresent and And (AfterFulfilment, the consumer loop's quote)."""
    if "And" in c:
        return all(_rule(data, x) for x in c["And"])
    if "IsPresent" in c:
        return (_path(data, c["Variable"]) is not None) is c["IsPresent"]
    return _path(data, c["Variable"]) is c["BooleanEquals"]


def _set_path(data: dict[str, Any], path: str | None, value: Any) -> None:
    if path is None:
        return
    parts = path.removeprefix("$.").split(".")
    cur = data
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


class AslRunner:
    """Executions of the fulfilment state machine, one per request, named after it (a second start is a no-op,
    like ExecutionAlreadyExists). `messages` is the workflow queue; `answer_outage` makes SendTask* fail."""

    def __init__(self) -> None:
        asl = json.loads(ASL.read_text())
        self.states, self.start_at = asl["States"], asl["StartAt"]
        self.execs: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.answer_outage = 0
        self.n = 0

    # the port's functions (chalicelib.requests.workflow.start / send_answer)
    def start(self, rid: str, name: str | None = None) -> bool:
        """Executions are keyed by name: the request id, or a restart's `<rid>-r<n>`."""
        name = name or rid
        if name not in self.execs:
            self.execs[name] = {"status": "RUNNING", "data": {"request_id": rid}, "token": None, "deadline": None,
                                "attempts": {}}
            self._enter(name, self.start_at)
        return True

    def send_answer(self, token: str, answer: dict[str, Any]) -> str:
        from chalicelib.requests import workflow

        if self.answer_outage > 0:
            self.answer_outage -= 1
            return workflow.FAILED
        rid = next((r for r, e in self.execs.items() if e["token"] == token and e["status"] == "RUNNING"), None)
        if rid is None:
            return workflow.STALE  # TaskDoesNotExist / TaskTimedOut / InvalidToken
        if answer.get("ok"):
            self._succeed(rid, answer.get("output") or {})
        else:
            self._fail(rid, str(answer.get("error") or "Error"), str(answer.get("cause") or ""))
        return workflow.SENT

    def status(self, name: str) -> str | None:
        e = self.execs.get(name)
        return e["status"] if e else None

    def fire_timeouts(self) -> None:
        from chalicelib.core import clock

        for rid, e in list(self.execs.items()):
            if e["status"] == "RUNNING" and e["token"] and e["deadline"] and e["deadline"] <= clock.now():
                self._fail(rid, "States.Timeout", "")

    # the interpreter
    def _enter(self, rid: str, name: str) -> None:
        from chalicelib.core import clock

        e, s = self.execs[rid], self.states[name]
        e["state"], e["token"], e["deadline"] = name, None, None
        if s["Type"] == "Choice":
            nxt = next((c["Next"] for c in s["Choices"] if _rule(e["data"], c)), s["Default"])
            self._enter(rid, nxt)
            return
        if s["Type"] in ("Succeed", "Fail"):
            e["status"] = "SUCCEEDED" if s["Type"] == "Succeed" else "FAILED"
            return
        body: dict[str, Any] = {}
        waits = s["Resource"].endswith(".waitForTaskToken")
        if waits:
            self.n += 1
            e["token"] = f"tok-{rid}-{name}-{self.n}"
        for k, v in s["Parameters"]["MessageBody"].items():
            if not k.endswith(".$"):
                body[k] = v
            elif v == "$$.Task.Token":
                body[k[:-2]] = e["token"]
            elif v == "$$.Execution.Name":
                body[k[:-2]] = rid
            else:
                body[k[:-2]] = _path(e["data"], v)
        self.messages.append(body)
        if not waits:
            self._enter(rid, s["Next"])
            return
        secs = s.get("TimeoutSeconds") or (_path(e["data"], s["TimeoutSecondsPath"]) if "TimeoutSecondsPath" in s
                                           else None)
        e["deadline"] = clock.now() + timedelta(seconds=int(secs)) if secs else None

    def _succeed(self, rid: str, output: dict[str, Any]) -> None:
        e = self.execs[rid]
        s = self.states[e["state"]]
        _set_path(e["data"], s.get("ResultPath", "$"), output)
        self._enter(rid, s["Next"])

    def _fail(self, rid: str, error: str, cause: str) -> None:
        e = self.execs[rid]
        name = e["state"]
        s = self.states[name]
        e["token"] = None
        for r in s.get("Retry", []):
            if error in r["ErrorEquals"] or "States.ALL" in r["ErrorEquals"]:
                e["attempts"][name] = e["attempts"].get(name, 0) + 1
                if e["attempts"][name] <= r["MaxAttempts"]:
                    self._enter(rid, name)
                    return
                break
        for c in s.get("Catch", []):
            if error in c["ErrorEquals"] or ("States.ALL" in c["ErrorEquals"] and error != "States.Runtime"):
                _set_path(e["data"], c.get("ResultPath", "$"), {"Error": error, "Cause": cause})
                self._enter(rid, c["Next"])
                return
        e["status"] = "FAILED"


# --- crashes between writes -----------------------------------------------------------------------------------
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class CrashSwitch:
    """Armed, the next DynamoDB write of anyone raises Crash, either before it is sent (nothing written) or after
    it took effect (written, but the caller never learns it)."""

    def __init__(self) -> None:
        self.armed: str | None = None
        self.fired = 0
        self.timings: dict[str, list] = {}

    def install(self, monkeypatch: Any) -> None:
        import botocore.client

        real = botocore.client.BaseClient._make_api_call
        switch = self

        def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if os.environ.get("MONEY_DEBUG"):
                t0 = time.perf_counter()
                try:
                    return switch._call(real, client, operation, params)
                finally:
                    k = f"{operation} {params.get('TableName', '')} {params.get('IndexName', '')}"
                    T = switch.timings.setdefault(k, [0, 0.0])
                    T[0] += 1
                    T[1] += time.perf_counter() - t0
            return switch._call(real, client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)

    def _call(self, real: Any, client: Any, operation: str, params: dict[str, Any]) -> Any:
        mode = self.armed
        if mode is None or operation not in WRITES or client.meta.service_model.service_name != "dynamodb":
            return real(client, operation, params)
        self.armed, self.fired = None, self.fired + 1
        if mode == "before":
            raise Crash(f"crashed before {operation}")
        real(client, operation, params)
        raise Crash(f"crashed after {operation}")


# --- the state machine of the test -------------------------------------------------------------------------------
class Money(RuleBasedStateMachine):
    api: Any = None
    worker: Any = None
    sim: Any = None
    sfn: AslRunner
    crash: CrashSwitch
    runs = 0
    stats: dict[str, int] = {}

    def __init__(self) -> None:
        super().__init__()
        Money.runs += 1
        self.tag = f"money-{uuid.uuid4().hex[:8]}"
        self.rids: list[str] = []
        self.deliveries: list[dict[str, Any]] = []  # webhooks the provider still tries to deliver
        self.codes: dict[str, str] = {}  # request -> its billing code, once known

    @initialize(n=st.integers(1, 4), copies=st.integers(0, 3))
    def fresh(self, n: int, copies: int) -> None:
        """A few orders, billed (their workflow got as far as the payment wait), the first one paid at the bank
        with `copies` webhooks on their way (0: lost)."""
        self.sfn.messages.clear()
        self.sfn.answer_outage = 0
        self.crash.armed = None
        self._sim("/simulate/faults", {"fail_next": 0})
        for _ in range(n):
            self.new_order()
        self.workflow_catches_up()
        self.workflow_catches_up()
        self.pay_at_the_bank(0, False, copies)

    # helpers
    def _sim(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        import urllib.error
        import urllib.request

        req = urllib.request.Request(self.sim.url + path, method="POST" if body is not None else "GET",
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def _billing(self, rid: str) -> Any:
        from chalicelib.billing.models import BillingRecord

        if rid in self.codes:
            return BillingRecord.get(self.codes[rid])
        b = next(iter(BillingRecord.by_request.query(rid)), None)
        if b is not None:
            self.codes[rid] = b.billing_code
        return b

    def _count(self, key: str) -> None:
        Money.stats[key] = Money.stats.get(key, 0) + 1

    def _tick(self) -> None:
        """The tick's money-related steps (as chalicelib.fulfilment.tick runs them), then the outbox and jobs."""
        from chalicelib.core import outbox
        from chalicelib.fulfilment import payment, tasks, tick
        from chalicelib.requests import sweeper

        self.sfn.fire_timeouts()
        out: dict[str, Any] = {}
        for name, fn in (("reconcile", payment.reconcile), ("stuck_paid", payment.unstick),
                         ("stranded", payment.retry_stranded), ("sweep", sweeper.sweep),
                         ("workflow_problems", tasks.problems_to_supervisors),
                         ("answers", sweeper.confirm_answers), ("outbox", outbox.sweep)):
            tick._step(name, fn, out)
        self._relay()

    def _relay(self) -> None:
        try:
            self.worker.poll_outbox()
            self.worker.poll_queue("jobs")
        except Crash:
            pass

    # rules
    @precondition(lambda self: self.sfn.messages)
    @rule(i=st.integers(0, 10**6))
    def workflow_message(self, i: int) -> None:
        """The workflow queue delivers one of its messages (any order); a failing handler means redelivery."""
        from chalicelib.fulfilment import tasks

        msg = self.sfn.messages.pop(i % len(self.sfn.messages))
        try:
            tasks.handle(msg)
        except Exception:  # noqa: BLE001 - SQS redelivers it
            self.sfn.messages.append(msg)

    @precondition(lambda self: self.sfn.messages)
    @rule()
    def workflow_catches_up(self) -> None:
        """Every message now in the workflow queue is handled, in order."""
        for _ in range(len(self.sfn.messages)):
            self.workflow_message(0)

    @precondition(lambda self: any(m.get("task") == "await_payment" for m in self.sfn.messages))
    @rule(i=st.integers(0, 10**6))
    def payment_wait_message_lost(self, i: int) -> None:
        """The payment-wait message ends in the DLQ: the workflow waits on a token nobody stored."""
        waits = [m for m in self.sfn.messages if m.get("task") == "await_payment"]
        self.sfn.messages.remove(waits[i % len(waits)])
        self._count("lost_wait")

    @precondition(lambda self: self.rids)
    @rule(i=st.integers(0, 10**6), in_flight=st.booleans(), copies=st.integers(0, 3))
    def pay_at_the_bank(self, i: int, in_flight: bool, copies: int) -> None:
        """The consumer pays the billing code; `in_flight`: the bank accepted it before a cancel or an expiry
        reached the provider. The provider then sends `copies` webhooks (0 = lost)."""
        billed = [b for b in (self._billing(r) for r in self.rids) if b is not None]
        if not billed:
            self._count("pay_no_billing")
            return
        b = billed[i % len(billed)]
        st_, paid = self._sim("/simulate/pay", {"billing_code": b.billing_code, "send_webhook": False,
                                                "in_flight": in_flight})
        if st_ != 200:
            self._count(f"pay_refused_{(paid.get('error') or {}).get('code')}")
            return
        self._count("paid")
        event = {"event_id": paid["event_id"], "billing_code": b.billing_code, "status": "paid",
                 "amount_idr": paid["amount_idr"], "paid_at": paid["paid_at"], "ntpn": paid["ntpn"],
                 "ntb": self.sim.state.billings[b.billing_code].get("ntb")}
        self.deliveries += [{"event": event, "attempts": 0} for _ in range(copies)]
        if not copies:
            self._count("webhook_lost")

    @precondition(lambda self: self.deliveries)
    @rule(i=st.integers(0, 10**6))
    def webhook_delivery(self, i: int) -> None:
        """One webhook attempt, in any order; the provider retries on anything but 2xx, at most 6 times."""
        from chalicelib.billing.signature import sign
        from chalicelib.core import clock

        d = self.deliveries[i % len(self.deliveries)]
        raw = json.dumps(d["event"]).encode()
        try:
            st_, body = self.api.call("POST", "/webhooks/billing", body=raw, headers={
                "X-Signature": sign(b"test-webhook-secret", raw, int(clock.now().timestamp()))})
        except Crash:
            st_, body = 500, None
        d["attempts"] += 1
        if st_ == 200 or d["attempts"] >= 6:
            self.deliveries.remove(d)
        if st_ == 200 and body.get("result") == "paid_after_close":
            self._count("paid_after_close")

    @precondition(lambda self: self.rids)
    @rule(i=st.integers(0, 10**6))
    def cancel(self, i: int) -> None:
        rid = self.rids[i % len(self.rids)]
        try:
            st_, _ = self.api.post(f"/requests/{rid}/cancel", "consumer1")
        except Crash:
            return
        if st_ == 200:
            self._count("cancelled")

    @rule()
    def supervisor_restarts(self) -> None:
        """A supervisor restarts the stopped workflows the payments desk lists (`workflow_problem` items)."""
        st_, page = self.api.get("/ops/payments/work-items", "supervisor1")
        assert st_ == 200, page
        for w in page["items"]:
            if "restart" not in w["actions"]:
                continue
            try:
                st_, out = self.api.post(f"/ops/payments/work-items/{w['item_id']}/restart", "supervisor1",
                                         {"note": "dijalankan ulang"})
            except Crash:
                continue
            assert st_ in (200, 409), out
            if st_ == 200:
                self._count("restarted")

    @rule(minutes=st.sampled_from([1, 5, 30, 6 * 60, 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        """The app's clock moves on; billings past their expiry expire at the provider too; the tick runs."""
        from chalicelib.core import clock

        clock.set_clock(clock.FrozenClock(clock.now() + timedelta(minutes=minutes)))
        self._expire_at_provider()
        self._tick()

    @rule()
    def tick(self) -> None:
        self._tick()

    @rule()
    def relay(self) -> None:
        self._relay()

    @rule(n=st.integers(1, 12))
    def provider_outage(self, n: int) -> None:
        """The next n calls to the provider fail with 503 (each adapter call retries 3 times)."""
        self._sim("/simulate/faults", {"fail_next": n, "status": 503})
        self._count("outage")

    @rule(n=st.integers(1, 4))
    def step_functions_outage(self, n: int) -> None:
        self.sfn.answer_outage = n

    @rule(mode=st.sampled_from(["before", "after"]))
    def crash_on_next_write(self, mode: str) -> None:
        self.crash.armed = mode
        self._count(f"crash_{mode}")

    @rule()
    def new_order(self) -> None:
        try:
            st_, req = self.api.post("/requests", "consumer1", order(["TS-PAID1"], purpose=self.tag))
        except Crash:
            return
        if st_ == 201:
            self.rids.append(req["request_id"])

    def _expire_at_provider(self) -> None:
        from chalicelib.core import clock

        now = clock.iso()
        for rid in self.rids:
            b = self._billing(rid)
            if b is not None and b.expires_at <= now:
                self._sim("/simulate/expire", {"billing_code": b.billing_code})

    # the end of a run: the world settles, then the invariant
    def teardown(self) -> None:
        from chalicelib.core import clock

        self.crash.armed = None
        self.sfn.answer_outage = 0
        self._sim("/simulate/faults", {"fail_next": 0})
        self.deliveries.clear()  # what the provider did not deliver yet is lost: reconciliation must find it
        for _ in range(40):  # the workflow and the outbox catch up
            if not self.sfn.messages:
                break
            for _ in range(len(self.sfn.messages)):
                self.workflow_message(0)
            self._relay()
        # then time passes with the tick: minutes (stuck payments, backoffs, answers), then 2.5 days at a time past
        # every billing's expiry (7 days): each closed billing is looked at within its grace period (3 days)
        for minutes in (2, 10, 60, 3600, 3600, 3600, 1440):
            clock.set_clock(clock.FrozenClock(clock.now() + timedelta(minutes=minutes)))
            self._expire_at_provider()
            self._tick()
            while self.sfn.messages:
                self.workflow_message(0)
        time.sleep(2.1)  # a jobs message that failed is visible again after 2 s (local worker)
        self._relay()
        self._tick()
        if os.environ.get("MONEY_DEBUG"):
            print("RUN", self.tag, Money.stats, {r: (self.sfn.execs.get(r, {}).get("state"), self.sfn.status(r))
                                                  for r in self.rids})
        self.check()

    def check(self) -> None:
        from chalicelib.billing.models import BillingRecord, LedgerRecord
        from chalicelib.billing.repository import work_items
        from chalicelib.requests.models import RequestRecord

        recs = {r.request_id: r for r in RequestRecord.scan(RequestRecord.purpose == self.tag)}
        open_items = [w for w in work_items("work:open", 1000)[0]]
        flagged = {(w.kind, w.for_request) for w in open_items}
        ledger: dict[str, list[Any]] = {}
        for row in LedgerRecord.scan():
            if row.request_id in recs and row.billing_code:
                ledger.setdefault(row.billing_code, []).append(row)
        paid_at_provider = {code: b for code, b in list(self.sim.state.billings.items())
                            if b["request_id"] in recs and b.get("paid_at")}
        for code, b in paid_at_provider.items():
            rows = ledger.get(code, [])
            assert len(rows) == 1, f"payment {code} of {b['request_id']} has {len(rows)} ledger rows"
            assert int(rows[0].amount_idr) == b["paid_amount_idr"] and rows[0].ntpn == b["ntpn"], (code, rows[0])
            rec = recs[b["request_id"]]
            assert BillingRecord.get(code).status == "paid", code
            if rec.status in IN_FULFILMENT:
                continue
            assert rec.status in ("cancelled", "expired") and rec.problem == "paid_after_close" and (
                "paid_after_close", rec.request_id) in flagged, (
                f"paid request {rec.request_id} is {rec.status} (problem {rec.problem}), not in fulfilment "
                f"nor flagged paid after close")
        phantom = set(ledger) - set(paid_at_provider)
        assert not phantom, f"ledger rows for billings the provider was not paid: {phantom}"
        for rec in recs.values():
            if rec.status in WAITING:
                assert any(rid == rec.request_id for _, rid in flagged), (
                    f"{rec.request_id} waits unnoticed: {rec.status} problem={rec.problem} paid_at={rec.paid_at} "
                    f"billing={rec.billing_code} execution={self.sfn.status(rec.request_id)}")
            if rec.status in IN_FULFILMENT:
                assert rec.paid_at and rec.billing_code in paid_at_provider, (
                    f"{rec.request_id} is in fulfilment without a payment the provider accepted")
        self._count("orders")
        Money.stats["orders_total"] = Money.stats.get("orders_total", 0) + len(recs)
        Money.stats["payments_total"] = Money.stats.get("payments_total", 0) + len(paid_at_provider)

    @invariant()
    def ledger_never_doubles(self) -> None:
        """At every step (not only at the end): no billing has two ledger rows."""
        from chalicelib.billing.models import LedgerRecord

        if not self.rids:
            return
        codes = [r.billing_code for r in LedgerRecord.scan(LedgerRecord.request_id.is_in(*self.rids[-100:]))]
        assert len(codes) == len(set(codes)), codes


def test_money_is_never_lost_doubled_or_stuck(api, worker, billing_sim, monkeypatch):
    from chalicelib.billing import service as billing_service
    from chalicelib.core import clock
    from chalicelib.requests import sweeper, workflow

    standard_catalog()
    put_operator("operator1")
    sfn = AslRunner()
    monkeypatch.setattr(workflow, "start", sfn.start)
    monkeypatch.setattr(workflow, "send_answer", sfn.send_answer)
    monkeypatch.setattr(sweeper, "_execution_status", sfn.status)
    billing_service.provider()._sleep = lambda s: None  # the adapter's retry backoff, not the test's time
    crash = CrashSwitch()
    crash.install(monkeypatch)
    clock.set_clock(clock.FrozenClock(clock.now()))
    Money.api, Money.worker, Money.sim, Money.sfn, Money.crash = api, worker, billing_sim, sfn, crash
    Money.stats = {}
    run_state_machine_as_test(Money, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    print("MONEY stateful", json.dumps(Money.stats, sort_keys=True))
    if os.environ.get("MONEY_DEBUG"):
        for k, v in sorted(crash.timings.items(), key=lambda kv: -kv[1][1])[:15]:
            print(f"{v[1]:8.2f}s {v[0]:5d} {k}")
    assert Money.stats.get("paid", 0) > 0 and Money.stats.get("orders", 0) >= 1, Money.stats

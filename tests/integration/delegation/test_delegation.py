"""Proof of delegation (SPEC §2.6): quota never exceeded under concurrency, queue order, roster and operator
settings driving assignment, reassignment keeping the load counters right, and the operators' views."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import put_catalog, put_operator

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}
COMPLAINT = {"kind": "complaint", "message": "Data di situs tidak bisa diunduh."}
ORDER = {"kind": "data_order", "items": [{"catalog_id": "TS-FREE1"}], "purpose": "Penelitian skripsi"}
MONDAY_0900_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a working day, far from holidays


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each DynamoDB API call atomic in moto, as it is in DynamoDB. moto's TransactWriteItems checks and
    applies item by item without a lock and rolls back by restoring a table snapshot, so under threads it
    can lose other callers' writes — an emulator artefact, not the behaviour under test. Our threads still
    interleave freely between calls (stale reads, racing transactions). Kept here even if conftest serialises
    moto globally, so that this test does not depend on it."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


@pytest.fixture
def frozen():
    from chalicelib.core import clock

    fc = clock.FrozenClock(MONDAY_0900_WIB)
    clock.set_clock(fc)
    yield fc
    clock.set_clock(None)


def submit(api: Any, body: dict[str, Any], user: str = "consumer1") -> str:
    st, req = api.post("/requests", user, body)
    assert st == 201, req
    return req["request_id"]


def records(ids: list[str]) -> dict[str, Any]:
    from chalicelib.requests.models import RequestRecord

    return {r.request_id: r for r in RequestRecord.batch_get(ids)}


def statuses(ids: list[str]) -> dict[str, str]:
    return {k: v.status for k, v in records(ids).items()}


def settle(worker: Any, ids: list[str], status: str, timeout_s: float = 30) -> None:
    ok = worker.run_until(lambda: set(statuses(ids).values()) == {status}, timeout_s=timeout_s)
    assert ok, statuses(ids)


def operator(operator_id: str) -> Any:
    from chalicelib.delegation.models import OperatorRecord

    return OperatorRecord.get(operator_id, consistent_read=True)


def active_count(operator_id: str) -> int:
    from chalicelib.requests.repository import RequestRepository

    return len(RequestRepository().active_for(operator_id))


# --- quota under concurrency -------------------------------------------------------------------------
def test_quota_never_exceeded_with_50_concurrent_delegations(api, atomic_moto, monkeypatch):
    from chalicelib.core.config import reset_settings
    from chalicelib.fulfilment import assign as delegation
    from chalicelib.requests.repository import RequestRepository

    # requests through the API, queued as the workflow's delegation step queues them when nobody has capacity
    # (the state machine itself is left out here: 50 executions in moto would take most of a minute)
    monkeypatch.setenv("STATE_MACHINE_ARN", "")
    reset_settings()
    ids = [submit(api, CONSULT, "consumer1" if i % 2 else "consumer2") for i in range(50)]
    repo = RequestRepository()
    for rid in ids:
        repo.transition(repo.get(rid), "queued", "system", "menunggu operator yang tersedia")
    assert delegation.drain() == 0  # nobody on duty yet
    for op in ("operator1", "operator2", "operator3"):
        put_operator(op, quota=5)

    queued = [repo.get(rid) for rid in ids]
    barrier = threading.Barrier(len(queued) + 4)
    results: list[str | None] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def assign(rec: Any) -> None:
        try:
            barrier.wait()
            op = delegation.try_assign(rec)  # each thread reads its own (soon stale) candidates
            with lock:
                results.append(op)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def drain() -> None:
        try:
            barrier.wait()
            delegation.drain()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=assign, args=(r,)) for r in queued]
    threads += [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors

    final = records(ids)
    assigned = [r for r in final.values() if r.status == "assigned"]
    assert len(assigned) == 15
    assert sum(1 for r in final.values() if r.status == "queued") == 35
    for op in ("operator1", "operator2", "operator3"):
        rec = operator(op)
        assert int(rec.load) == 5 == active_count(op), (op, rec.load)
        assert sum(1 for r in assigned if r.assignee == op) == 5
    # each request was assigned at most once (one timeline entry), each success reported by one caller
    for r in final.values():
        assert [t.status for t in r.timeline].count("assigned") == (1 if r.status == "assigned" else 0)
    assert sum(1 for x in results if x) <= 15

    # capacity frees: the queue drains in order, still never over quota
    done = sorted(assigned, key=lambda r: r.request_id)[:2]
    for r in done:
        fresh = repo.get(r.request_id)
        repo.transition(fresh, "in_progress", r.assignee)
        repo.transition(repo.get(r.request_id), "delivered", r.assignee, also=delegation.release_in(r.assignee))
    assert delegation.drain() == 2
    after = statuses(ids)
    assert sum(1 for s in after.values() if s == "assigned") == 15
    assert all(int(operator(op).load) == 5 == active_count(op) for op in ("operator1", "operator2", "operator3"))
    newly = [final[rid].due_sort for rid in ids if final[rid].status == "queued" and after[rid] == "assigned"]
    waiting = [final[rid].due_sort for rid in ids if after[rid] == "queued"]
    assert len(newly) == 2 and max(newly) <= min(waiting)  # the most urgent/oldest went first


# --- queue order ---------------------------------------------------------------------------------------
def test_queue_drains_by_due_date_then_age_as_capacity_frees(api, worker, frozen):
    put_catalog([{"id": "TS-FREE1", "title": "Jumlah Penduduk Menurut Provinsi 2024"}])
    order = submit(api, ORDER)                 # due in 5 working days
    frozen.advance(minutes=1)
    consult_old = submit(api, CONSULT)         # 3 working days
    frozen.advance(minutes=1)
    complaint = submit(api, COMPLAINT)         # 2 working days: most urgent
    frozen.advance(minutes=1)
    consult_new = submit(api, CONSULT)         # 3 working days, younger than consult_old
    ids = [order, consult_old, complaint, consult_new]
    settle(worker, ids, "queued")

    st, page = api.get("/ops/requests?status=queued", "supervisor1")
    assert st == 200 and [r["request_id"] for r in page["items"]] == [complaint, consult_old, consult_new, order]

    put_operator("operator1", quota=1)
    from chalicelib.fulfilment.tick import tick

    tick()
    served = []
    for _ in range(4):
        current = [rid for rid, s in statuses(ids).items() if s == "assigned"]
        assert len(current) == 1, statuses(ids)  # quota 1: one at a time
        rid = current[0]
        served.append(rid)
        assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
        if rid == order:
            _ready_deliverable(rid)
        st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
        assert st == 200, r
        remaining = [x for x in ids if x not in served]
        if remaining:  # completing frees capacity and asks for a drain (workflow queue)
            assert worker.run_until(lambda rem=remaining: "assigned" in statuses(rem).values(), timeout_s=20)
    assert served == [complaint, consult_old, consult_new, order]
    assert int(operator("operator1").load) == 0


def _ready_deliverable(request_id: str) -> None:
    from chalicelib.core import clock
    from chalicelib.delivery.models import DeliverableRecord

    DeliverableRecord(request_id=request_id, deliverable_id="D1", filename="data.xlsx", content_type="application/xlsx",
                      size_bytes=10, sha256="0" * 64, s3_key=f"{request_id}/D1", status="ready", uploaded_by="operator1",
                      created_at=clock.iso()).save()


# --- roster --------------------------------------------------------------------------------------------
def _wib(dt: datetime) -> str:
    from chalicelib.delegation.service import JAKARTA

    return dt.astimezone(JAKARTA).isoformat(timespec="seconds")


def test_roster_put_validates_and_shift_start_assigns(api, worker, frozen):
    from chalicelib.fulfilment.tick import tick

    for op in ("operator1", "operator2"):
        put_operator(op, quota=5, on_duty=False)
    r1 = submit(api, CONSULT)
    settle(worker, [r1], "queued")  # nobody on duty

    now = frozen()
    # (body, status, the kind of the field error: named so that the admin page can word it, admin/js/api.js)
    bad = [
        ({"shifts": [{"operator_id": "operator1", "start": _wib(now), "end": _wib(now)}]}, 400, "end_before_start"),
        ({"shifts": [{"operator_id": "operator1", "start": _wib(now), "end": _wib(now + timedelta(hours=25))}]}, 400,
         "shift_too_long"),
        ({"shifts": [{"operator_id": "ghost", "start": _wib(now), "end": _wib(now + timedelta(hours=1))}]}, 400,
         "unknown_operator"),
        ({"shifts": [{"operator_id": "operator1", "start": "2026-03-02T08:00:00", "end": "2026-03-02T16:00:00"}]}, 400,
         None),
        ({"shifts": [{"operator_id": "operator1", "start": _wib(now), "end": _wib(now + timedelta(hours=4))},
                     {"operator_id": "operator1", "start": _wib(now + timedelta(hours=3)),
                      "end": _wib(now + timedelta(hours=6))}]}, 400, "shift_overlap"),
    ]
    for body, code, kind in bad:
        st, err = api.put("/ops/roster", "supervisor1", body)
        assert st == code, (body, err)
        if kind is not None:
            assert [d["type"] for d in err["error"]["details"]] == [kind], err
    good = {"shifts": [
        {"operator_id": "operator1", "start": _wib(now - timedelta(minutes=5)), "end": _wib(now + timedelta(hours=7))},
        {"operator_id": "operator2", "start": _wib(now + timedelta(hours=1)), "end": _wib(now + timedelta(hours=8))},
    ]}
    assert api.put("/ops/roster", "operator1", good)[0] == 403
    st, roster = api.put("/ops/roster", "supervisor1", good)
    assert st == 200, roster
    assert [(s["operator_id"], s["on_duty_now"]) for s in roster["shifts"]] == [("operator1", True), ("operator2", False)]
    assert roster["shifts"][0]["start"] == "2026-03-02T08:55:00+07:00" and roster["on_duty"] == ["operator1"]

    # the roster change asked for a drain: the queued request goes to the operator now on duty
    assert worker.run_until(lambda: statuses([r1])[r1] == "assigned", timeout_s=20)
    assert records([r1])[r1].assignee == "operator1"

    # operator1 is full (quota 1); operator2's shift starts in an hour: the next request waits for it
    assert api.patch("/ops/operators/operator1", "supervisor1", {"quota": 1})[0] == 200
    r2 = submit(api, CONSULT)
    settle(worker, [r2], "queued")
    tick()
    assert statuses([r2])[r2] == "queued"
    frozen.advance(hours=1, minutes=1)
    tick()  # the next scheduled tick after the shift start
    assert statuses([r2])[r2] == "assigned" and records([r2])[r2].assignee == "operator2"

    # GET: the day's shifts, in local time; PUT replaces the shifts of the days it covers
    st, got = api.get("/ops/roster?from=2026-03-02&to=2026-03-02", "operator3")
    assert st == 200 and len(got["shifts"]) == 2 and got["from"] == "2026-03-02T00:00:00+07:00"
    only = {"shifts": [{"operator_id": "operator2", "start": "2026-03-02T13:00:00+07:00",
                        "end": "2026-03-02T21:00:00+07:00"}]}
    assert api.put("/ops/roster", "supervisor1", only)[0] == 200
    st, got = api.get("/ops/roster?from=2026-03-02&to=2026-03-02", "operator1")
    assert [(s["operator_id"], s["start"]) for s in got["shifts"]] == [("operator2", "2026-03-02T13:00:00+07:00")]
    assert api.get("/ops/roster?from=2026-03-05&to=2026-03-01", "operator1")[0] == 400
    assert api.get("/ops/roster", "consumer1")[0] == 403


# --- operator settings ---------------------------------------------------------------------------------
def test_inactive_or_non_serving_operators_get_nothing_until_changed(api, worker):
    put_operator("operator1", quota=5, active=False)
    put_operator("operator2", quota=5, services=["complaint"])
    rid = submit(api, CONSULT)
    settle(worker, [rid], "queued")

    st, ops = api.get("/ops/operators", "operator2")
    assert st == 200
    view = {o["operator_id"]: o for o in ops}
    assert view["operator1"]["active"] is False and view["operator1"]["on_duty"] is True
    assert view["operator2"]["services"] == ["complaint"] and view["operator2"]["load"] == 0
    assert api.get("/ops/operators", "consumer1")[0] == 403

    for body in ({"quota": 101}, {"quota": -1}, {"services": ["data_order:data"]}, {"colour": "red"}, {}):
        assert api.patch("/ops/operators/operator2", "supervisor1", body)[0] == 400, body
    assert api.patch("/ops/operators/ghost", "supervisor1", {"quota": 3})[0] == 404
    assert api.patch("/ops/operators/operator2", "operator2", {"quota": 9})[0] == 403

    # wider services: operator2 now takes consultations on data; the change asked for a drain
    st, op2 = api.patch("/ops/operators/operator2", "supervisor1", {"services": ["complaint", "consultation:data"]})
    assert st == 200 and op2["services"] == ["complaint", "consultation:data"]
    assert worker.run_until(lambda: statuses([rid])[rid] == "assigned", timeout_s=20)
    assert records([rid])[rid].assignee == "operator2"

    # a metadata consultation is nobody's until operator1 is reactivated
    meta = submit(api, {**CONSULT, "topic": "metadata"})
    settle(worker, [meta], "queued")
    st, op1 = api.patch("/ops/operators/operator1", "supervisor1", {"active": True})
    assert st == 200 and op1["active"] is True
    assert worker.run_until(lambda: statuses([meta])[meta] == "assigned", timeout_s=20)
    assert records([meta])[meta].assignee == "operator1"


# --- reassignment --------------------------------------------------------------------------------------
def test_reassignment_keeps_load_counters_right(api, worker):
    from chalicelib.fulfilment import assign as delegation

    put_operator("operator1", quota=5)
    a = submit(api, CONSULT)
    b = submit(api, CONSULT)
    settle(worker, [a, b], "assigned")
    assert int(operator("operator1").load) == 2
    assert api.post(f"/ops/requests/{a}/start", "operator1")[0] == 200
    put_operator("operator2", quota=1)

    assert api.patch(f"/ops/requests/{a}", "operator1", {"assignee": "operator2"})[0] == 403
    assert api.patch(f"/ops/requests/{a}", "supervisor1", {"assignee": "ghost"})[0] == 400
    st, moved = api.patch(f"/ops/requests/{a}", "supervisor1", {"assignee": "operator2", "note": "beban"})
    assert st == 200 and moved["assignee"] == "operator2" and moved["status"] == "in_progress"
    assert (int(operator("operator1").load), int(operator("operator2").load)) == (1, 1)
    assert [r["request_id"] for r in api.get("/ops/queue", "operator2")[1]] == [a]
    assert [r["request_id"] for r in api.get("/ops/queue", "operator1")[1]] == [b]

    # operator2 is at quota: a reassignment to them is refused and changes nothing
    st, err = api.patch(f"/ops/requests/{b}", "supervisor1", {"assignee": "operator2"})
    assert st == 409 and err["error"]["code"] == "operator_at_quota", err
    assert (int(operator("operator1").load), int(operator("operator2").load)) == (1, 1)
    assert records([b])[b].assignee == "operator1"

    # a queued request assigned by hand takes capacity like a delegation
    assert api.patch("/ops/operators/operator1", "supervisor1", {"quota": 1})[0] == 200
    c = submit(api, CONSULT)
    settle(worker, [c], "queued")
    assert api.patch("/ops/operators/operator2", "supervisor1", {"quota": 2})[0] == 200
    worker.drain()  # operator2 has room again: the drain takes c
    assert records([c])[c].assignee == "operator2"
    st, back = api.patch(f"/ops/requests/{c}", "supervisor1", {"assignee": "operator1"})
    assert st == 409  # operator1: load 1 of quota 1
    assert api.post(f"/ops/requests/{b}/start", "operator1")[0] == 200
    assert api.post(f"/ops/requests/{b}/complete", "operator1", {"note": "ok"})[0] == 200
    st, back = api.patch(f"/ops/requests/{c}", "supervisor1", {"assignee": "operator1"})
    assert st == 200 and back["assignee"] == "operator1" and back["status"] == "assigned"
    worker.drain()
    loads = {op: int(operator(op).load) for op in ("operator1", "operator2")}
    assert loads == {op: active_count(op) for op in loads} == {"operator1": 1, "operator2": 1}
    assert delegation.recount_loads(["operator1", "operator2"]) == {}  # no drift to repair


# --- operators' views ----------------------------------------------------------------------------------
def test_queue_urgency_and_request_list_filters(api, worker):
    put_catalog([{"id": "TS-FREE1", "title": "Jumlah Penduduk Menurut Provinsi 2024"}])
    put_operator("operator1", quota=10)
    mine = [submit(api, CONSULT), submit(api, COMPLAINT), submit(api, ORDER), submit(api, CONSULT)]
    settle(worker, mine, "assigned")
    put_operator("operator2", quota=10)
    put_operator("operator3", quota=0)
    others = [submit(api, CONSULT, "consumer2"), submit(api, COMPLAINT, "consumer2")]
    settle(worker, others, "assigned")
    assert {r.assignee for r in records(others).values()} == {"operator2"}

    from chalicelib.core import clock

    past = clock.iso(clock.now() - timedelta(days=3))
    st, r = api.patch(f"/ops/requests/{mine[3]}", "supervisor1", {"due_at": past})
    assert st == 200 and r["overdue"] is True
    st, queue = api.get("/ops/queue", "operator1")
    assert st == 200 and len(queue) == 4
    assert queue[0]["request_id"] == mine[3]
    assert [q["overdue"] for q in queue] == [True, False, False, False]
    dues = [q["due_at"] for q in queue]
    assert dues == sorted(dues)
    assert queue[1]["request_id"] == mine[1]  # the complaint: 2 working days

    # operators see their own; supervisors see everyone's
    st, page = api.get("/ops/requests", "operator1")
    assert st == 200 and {x["request_id"] for x in page["items"]} == set(mine)
    assert api.get("/ops/requests?assignee=operator2", "operator1")[0] == 403
    st, page = api.get("/ops/requests", "supervisor1")
    assert {x["request_id"] for x in page["items"]} >= set(mine + others)
    st, page = api.get("/ops/requests?assignee=operator2", "supervisor1")
    assert {x["request_id"] for x in page["items"]} == set(others)
    st, page = api.get("/ops/requests?status=assigned&kind=complaint", "supervisor1")
    assert {x["request_id"] for x in page["items"]} == {mine[1], others[1]}
    st, page = api.get("/ops/requests?kind=data_order", "operator1")
    assert [x["request_id"] for x in page["items"]] == [mine[2]]
    cut = clock.iso(clock.now() - timedelta(days=1)).replace("+", "%2B")
    st, page = api.get(f"/ops/requests?status=assigned&due_before={cut}", "supervisor1")
    assert [x["request_id"] for x in page["items"]] == [mine[3]]
    assert api.get("/ops/requests?status=bogus", "supervisor1")[0] == 400
    assert api.get("/ops/requests", "consumer1")[0] == 403

    # cursor pagination: every request exactly once
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        path = "/ops/requests?page_size=4" + (f"&cursor={cursor}" if cursor else "")
        st, page = api.get(path, "supervisor1")
        assert st == 200 and len(page["items"]) <= 4
        seen += [x["request_id"] for x in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(mine + others)


def test_demo_seed_puts_everyone_on_duty_now_and_is_idempotent(aws_env):
    from chalicelib.core import clock
    from chalicelib.delegation import service as delegation
    from chalicelib.delegation.models import OperatorRecord
    from chalicelib.escalation.service import UNITS, units_of
    from local.seed import seed_demo

    now = clock.now()
    assert seed_demo(now) == 4
    OperatorRecord("operator1").update(actions=[OperatorRecord.load.set(2)])
    assert seed_demo(now) == 4  # again: nothing reset, nothing duplicated
    assert delegation.on_duty_ids() == {"operator1", "operator2", "operator3", "supervisor1"}
    assert int(operator("operator1").load) == 2 and operator("operator2").name == "Rina Wulandari"
    days = [delegation.local_day(now + timedelta(days=i)) for i in range(7)]
    assert len(delegation.shifts_for_days(days)) == 28
    later = clock.iso(now + timedelta(days=6))
    assert delegation.on_duty_ids(later) == {"operator1", "operator2", "operator3", "supervisor1"}
    assert units_of("producer1") == list(UNITS)

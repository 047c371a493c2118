"""Automatic delegation by roster and quota.

The operator's load counter and the request's assignment change in one DynamoDB transaction, conditional
on `load < quota` (and the operator being active) and on the request's status/version, so concurrent
delegations can never push an operator over quota nor assign a request twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.delegation.models import OperatorRecord, ShiftRecord
from chalicelib.delegation.policy import Candidate, rank
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord, TaskToken
from chalicelib.requests.repository import RequestRepository

JAKARTA = ZoneInfo("Asia/Jakarta")


def local_day(iso_or_dt: Any) -> str:
    dt = clock.parse_iso(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return dt.astimezone(JAKARTA).date().isoformat()


# --- roster ------------------------------------------------------------------------------------------
def shifts_for_days(days: list[str]) -> list[ShiftRecord]:
    out: list[ShiftRecord] = []
    for d in days:
        out.extend(ShiftRecord.query(d))
    return out


def on_duty_ids(now_iso: str | None = None) -> set[str]:
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    today = local_day(now)
    yesterday = local_day(now - timedelta(days=1))
    now_s = clock.iso(now)
    return {s.operator_id for s in shifts_for_days([yesterday, today]) if s.start <= now_s < s.end}


def get_operators(ids: set[str] | list[str]) -> dict[str, OperatorRecord]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {o.operator_id: o for o in OperatorRecord.batch_get(ids)}


def candidates(now_iso: str | None = None) -> list[Candidate]:
    ops = get_operators(on_duty_ids(now_iso))
    return [Candidate(o.operator_id, int(o.load or 0), int(o.quota or 0), bool(o.active),
                      tuple(o.services or ()), o.last_assigned_at or "") for o in ops.values()]


# --- transactions pieces -----------------------------------------------------------------------------
def take_in(operator_id: str, now: str, enforce_quota: bool = True) -> Callable[[TransactWrite], None]:
    def add(tx: TransactWrite) -> None:
        cond = (OperatorRecord.operator_id.exists()) & (OperatorRecord.active == True)  # noqa: E712
        if enforce_quota:
            cond = cond & (OperatorRecord.load < OperatorRecord.quota)
        tx.update(OperatorRecord(operator_id), actions=[OperatorRecord.load.add(1),
                                                        OperatorRecord.last_assigned_at.set(now)], condition=cond)
    return add


def release_in(operator_id: str | None) -> Callable[[TransactWrite], None] | None:
    if not operator_id:
        return None

    def sub(tx: TransactWrite) -> None:
        tx.update(OperatorRecord(operator_id), actions=[OperatorRecord.load.add(-1)],
                  condition=OperatorRecord.operator_id.exists())
    return sub


def both(*parts: Callable[[TransactWrite], None] | None) -> Callable[[TransactWrite], None]:
    def run(tx: TransactWrite) -> None:
        for p in parts:
            if p is not None:
                p(tx)
    return run


# --- delegation --------------------------------------------------------------------------------------
def try_assign(rec: RequestRecord, cands: list[Candidate] | None = None, actor: str = "system") -> str | None:
    """Assign `rec` to the best eligible operator. Returns the operator id, or None if nobody has capacity."""
    from chalicelib.requests import workflow

    repo = RequestRepository()
    cands = candidates() if cands is None else cands
    for cand in rank(cands, rec.kind, rec.topic):
        now = clock.iso()
        ans = workflow.Answer.success(rec, "delegate", {"assignee": cand.operator_id})
        try:
            repo.transition(rec, lc.ASSIGNED, actor, f"didelegasikan ke {cand.operator_id}",
                            set_={"assignee": cand.operator_id, "assigned_at": now, **ans.sets}, remove=ans.removes,
                            action="request.assigned", audit_data={"assignee": cand.operator_id},
                            also=take_in(cand.operator_id, now))
        except Conflict:
            fresh = repo.find(rec.request_id)
            if fresh is None or fresh.status != rec.status or fresh.version != rec.version:
                return None  # the request moved on under us (another delegator took it)
            continue  # that operator just filled up; try the next
        obs.count("RequestAssigned")
        ans.send()
        _notify_assigned(rec)
        return cand.operator_id
    return None


def _notify_assigned(rec: RequestRecord) -> None:
    from chalicelib.notify import outbox

    outbox.enqueue("assigned", key=f"assigned#{rec.request_id}#{rec.assignee}#{rec.assigned_at}",
                   to_user=rec.assignee, ctx={"request_id": rec.request_id, "kind": rec.kind, "due_at": rec.due_at})


def delegate(rec: RequestRecord, token: str) -> str | None:
    """The state machine's delegation step: assign now, or queue and keep the task token."""
    from chalicelib.requests import workflow

    repo = RequestRepository()
    if rec.status in lc.IN_PROCESS or rec.status in (lc.DELIVERED, lc.COMPLETED):
        workflow.succeed_task(token, {"assignee": rec.assignee})
        return rec.assignee
    if rec.status in lc.TERMINAL:
        workflow.fail_task(token, "Closed", f"request is {rec.status}")
        return None
    if rec.status != lc.QUEUED:
        rec.task = TaskToken(stage="delegate", token=token, at=clock.iso())
        op = try_assign(rec)
        if op:
            return op
        rec = repo.find(rec.request_id) or rec
        if rec.status in lc.IN_PROCESS:
            workflow.succeed_task(token, {"assignee": rec.assignee})
            return rec.assignee
        repo.transition(rec, lc.QUEUED, "system", "menunggu operator yang tersedia",
                        set_={"task": TaskToken(stage="delegate", token=token, at=clock.iso())},
                        remove=workflow.ANSWER_MARK)
        obs.count("RequestQueued")
    else:
        repo.update_fields(rec, {"task": TaskToken(stage="delegate", token=token, at=clock.iso())},
                           remove=workflow.ANSWER_MARK, condition=RequestRecord.status == lc.QUEUED)
    drain()
    return None


def drain(limit: int = 200) -> int:
    """Assign queued requests in order (due date, then age) while anyone on duty has capacity."""
    repo = RequestRepository()
    queued, _ = repo.by_status(lc.QUEUED, limit)
    if not queued:
        return 0
    cands = candidates()
    assigned = 0
    for rec in queued:
        if not any(c.active and c.load < c.quota for c in cands):
            break
        op = try_assign(rec, cands)
        if op:
            assigned += 1
            cands = [Candidate(c.operator_id, c.load + (1 if c.operator_id == op else 0), c.quota, c.active,
                               c.services, clock.iso() if c.operator_id == op else c.last_assigned_at)
                     for c in cands]
        elif rank(cands, rec.kind, rec.topic):
            # someone looked free but was not (a concurrent delegation took the capacity): look again rather
            # than retrying the same full operators for every remaining request
            cands = candidates()
    return assigned


def request_drain() -> None:
    from chalicelib.core import queues

    try:
        queues.send(queues.WORKFLOW, {"task": "drain"})
    except Exception:  # noqa: BLE001 - the scheduled tick drains too
        obs.logger().warning("drain request could not be queued")


def reassign(rec: RequestRecord, operator_id: str, actor: str, note: str = "") -> RequestRecord:
    from chalicelib.requests import workflow

    try:
        target = OperatorRecord.get(operator_id)
    except DoesNotExist as exc:
        raise BadRequest("unknown operator") from exc
    if not target.active:
        raise Conflict("operator is not active")
    if rec.assignee != operator_id and int(target.load or 0) >= int(target.quota or 0):
        raise Conflict(f"operator {operator_id} has reached their quota", code="operator_at_quota",
                       details={"load": int(target.load or 0), "quota": int(target.quota or 0)})
    if rec.assignee == operator_id and rec.status in lc.IN_PROCESS:
        return rec  # already theirs (e.g. found so on a retry after a concurrent change)
    repo = RequestRepository()
    now = clock.iso()
    if rec.status == lc.QUEUED:
        ans = workflow.Answer.success(rec, "delegate", {"assignee": operator_id})
        rec = repo.transition(rec, lc.ASSIGNED, actor, note or f"ditugaskan ke {operator_id}",
                              set_={"assignee": operator_id, "assigned_at": now, **ans.sets}, remove=ans.removes,
                              action="request.reassigned", audit_data={"assignee": operator_id},
                              also=take_in(operator_id, now))
        ans.send()
    elif rec.status in lc.IN_PROCESS:
        old = rec.assignee
        rec = repo.transition(rec, rec.status, actor, note or f"dialihkan dari {old} ke {operator_id}",
                              set_={"assignee": operator_id, "assigned_at": now}, action="request.reassigned",
                              audit_data={"from": old, "assignee": operator_id},
                              also=both(release_in(old), take_in(operator_id, now)))
    else:
        raise Conflict(f"a request in status {rec.status} cannot be reassigned", code="illegal_transition")
    _notify_assigned(rec)
    return rec


def recount_loads(operator_ids: list[str] | None = None) -> dict[str, int]:
    """Repair drift: set each operator's load to the number of their in-process requests."""
    repo = RequestRepository()
    ops = get_operators(operator_ids) if operator_ids is not None else {}
    fixed = {}
    for op in ops.values():
        actual = len(repo.active_for(op.operator_id, limit=1000))
        if int(op.load or 0) != actual:
            op.update(actions=[OperatorRecord.load.set(actual)])
            fixed[op.operator_id] = actual
    return fixed


def get_operator(operator_id: str) -> OperatorRecord:
    try:
        return OperatorRecord.get(operator_id)
    except DoesNotExist as exc:
        raise NotFound("operator not found") from exc

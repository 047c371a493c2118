"""Automatic delegation by roster and quota, and the supervisor's reassignment.

The operator's load counter and the request's assignment change in one DynamoDB transaction, conditional
on `load < quota` (and the operator being active) and on the request's status/version, so concurrent
delegations can never push an operator over quota nor assign a request twice."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from chalicelib.core import clock, obs, queues
from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.outbox import Message
from chalicelib.delegation import service as delegation
from chalicelib.delegation.policy import Candidate, rank
from chalicelib.fulfilment import autodeliver, notices
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import RequestRecord, TaskToken
from chalicelib.requests.repository import RequestRepository

# re-exported for callers that build transactions with the operator's load (tests, storms)
release_in = delegation.release_in
take_in = delegation.take_in


def _notify_assigned(rec: Any) -> Message | None:
    return notices.assigned(rec.request_id, rec.kind, rec.due_at, rec.assignee, rec.assigned_at)


def _assignment(rec: RequestRecord, operator_id: str, now: str, answer: workflow.Answer | None,
                parts: list[Any]) -> Effects:
    view = SimpleNamespace(request_id=rec.request_id, kind=rec.kind, due_at=rec.due_at, assignee=operator_id,
                           assigned_at=now)
    return Effects.of(answer, parts, [_notify_assigned(view)])


def try_assign(rec: RequestRecord, cands: list[Candidate] | None = None, actor: str = "system") -> str | None:
    """Assign `rec` to the best eligible operator. Returns the operator id, or None if nobody has capacity."""
    repo = RequestRepository()
    cands = delegation.candidates() if cands is None else cands
    # separation of duties: nobody is delegated their own request (a staff member who is also its consumer)
    ranked = rank([c for c in cands if c.operator_id != rec.consumer_id], rec.kind, rec.topic)
    # consumer loop: a paid quote goes back to the operator who priced the work, if they are on duty with room
    quoted_by = rec.quote.by if rec.quote is not None and rec.quote.status == "accepted" else None
    for cand in sorted(ranked, key=lambda c: c.operator_id != quoted_by) if quoted_by else ranked:
        now = clock.iso()
        ans = workflow.Answer.success(rec, "delegate", {"assignee": cand.operator_id})
        try:
            repo.transition(rec, lc.ASSIGNED, actor, f"didelegasikan ke {cand.operator_id}",
                            set_={"assignee": cand.operator_id, "assigned_at": now},
                            action="request.assigned", audit_data={"assignee": cand.operator_id},
                            effects=_assignment(rec, cand.operator_id, now, ans,
                                                [take_in(cand.operator_id, now)]))
        except Conflict:
            fresh = repo.find(rec.request_id)
            if fresh is None or fresh.status != rec.status or fresh.version != rec.version:
                return None  # the request moved on under us (another delegator took it)
            continue  # that operator just filled up; try the next
        obs.count("RequestAssigned")
        return cand.operator_id
    return None


def delegate(rec: RequestRecord, token: str) -> str | None:
    """The state machine's delegation step: assign now, or queue and keep the task token."""
    repo = RequestRepository()
    if rec.status in lc.IN_PROCESS or rec.status in (lc.DELIVERED, lc.COMPLETED):
        workflow.succeed_task(token, {"assignee": rec.assignee})
        return rec.assignee
    if rec.status in lc.TERMINAL:
        workflow.fail_task(token, workflow.CLOSED, f"request is {rec.status}")
        return None
    rec.task = TaskToken(stage="delegate", token=token, at=clock.iso())
    if autodeliver.deliver_files(rec):  # published catalog files: delivered without an operator (issue 19)
        return None
    if rec.status != lc.QUEUED:
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
    cands = delegation.candidates()
    assigned = 0
    for rec in queued:
        if not any(c.active and c.load < c.quota for c in cands):
            break
        op = try_assign(rec, cands)
        if op:
            assigned += 1
            # the taker's load and last assignment change; every other field (handling time, shift end) is kept
            cands = [replace(c, load=c.load + 1, last_assigned_at=clock.iso()) if c.operator_id == op else c
                     for c in cands]
        elif rank(cands, rec.kind, rec.topic):
            # someone looked free but was not (a concurrent delegation took the capacity): look again rather
            # than retrying the same full operators for every remaining request
            cands = delegation.candidates()
    return assigned


#: a handling-time sample longer than this (office minutes) is the request parked, not worked: not counted
MAX_HANDLED_MINUTES = 8 * 60.0


def handled_minutes(rec: RequestRecord, now_iso: str) -> float | None:
    """The handling time a delivery adds to its operator's mean (delegation.service.minutes_per_request): office
    minutes from the operator's start to the delivery, on the SLA calendar. None — not a sample — without a start,
    when the request waited on a producer or the consumer in between (that time is not the operator's), or when
    it is longer than MAX_HANDLED_MINUTES."""
    from chalicelib.requests.sla import calendar

    if not rec.started_at:
        return None
    if any(t.status in (lc.ESCALATED, "awaiting_consumer") and t.at >= rec.started_at for t in rec.timeline or ()):
        return None
    minutes = calendar().office_seconds_between(clock.parse_iso(rec.started_at), clock.parse_iso(now_iso)) / 60.0
    return minutes if minutes <= MAX_HANDLED_MINUTES else None


def drain_message(reason: str) -> Message:
    """The jobs-queue message asking for a drain (an operator's capacity was freed), via the outbox."""
    return Message(queues.JOBS, f"drain#{reason}", {"job": "drain"})


def reassign(rec: RequestRecord, operator_id: str, actor: str, note: str = "") -> RequestRecord:
    target = delegation.find_operator(operator_id)
    if target is None:
        raise BadRequest("unknown operator")
    if not target.active:
        raise Conflict("operator is not active")
    if target.absent:
        raise Conflict(f"operator {operator_id} is marked absent", code="operator_absent")
    if operator_id == rec.consumer_id:
        raise Conflict("separation of duties: nobody handles their own request", code="separation_of_duties")
    if rec.assignee != operator_id and int(target.load or 0) >= int(target.quota or 0):
        raise Conflict(f"operator {operator_id} has reached their quota", code="operator_at_quota",
                       details={"load": int(target.load or 0), "quota": int(target.quota or 0)})
    if rec.assignee == operator_id and rec.status in lc.IN_PROCESS:
        return rec  # already theirs (e.g. found so on a retry after a concurrent change)
    repo = RequestRepository()
    now = clock.iso()
    if rec.status == lc.QUEUED:
        ans = workflow.Answer.success(rec, "delegate", {"assignee": operator_id})
        return repo.transition(rec, lc.ASSIGNED, actor, note or f"ditugaskan ke {operator_id}",
                               set_={"assignee": operator_id, "assigned_at": now}, action="request.reassigned",
                               audit_data={"assignee": operator_id},
                               effects=_assignment(rec, operator_id, now, ans, [take_in(operator_id, now)]))
    if rec.status in lc.IN_PROCESS:
        old = rec.assignee
        return repo.transition(rec, rec.status, actor, note or f"dialihkan dari {old} ke {operator_id}",
                               set_={"assignee": operator_id, "assigned_at": now}, remove=["attention"],
                               action="request.reassigned",
                               audit_data={"from": old, "assignee": operator_id},
                               effects=_assignment(rec, operator_id, now, None,
                                                   [release_in(old), take_in(operator_id, now)]))
    raise Conflict(f"a request in status {rec.status} cannot be reassigned", code="illegal_transition")


def recount_loads(operator_ids: list[str] | None = None) -> dict[str, int]:
    """Repair drift: set each operator's load to the number of their in-process requests."""
    repo = RequestRepository()
    ops = delegation.get_operators(operator_ids) if operator_ids is not None else {}
    fixed = {}
    for op in ops.values():
        actual = len(repo.active_for(op.operator_id, limit=1000))
        if int(op.load or 0) != actual:
            delegation.set_load(op, actual)
            fixed[op.operator_id] = actual
    return fixed


# --- absences (issue 20): the open requests of an operator who is away go to someone on duty -------------
#: why the operator is away, as the timeline says it
AWAY = {"absent": "tidak hadir", "inactive": "dinonaktifkan", delegation.OFF_ROSTER: "tidak lagi terjadwal piket"}
ATTENTION_UNAVAILABLE = "assignee_unavailable"


def redistribute(operator_id: str, reason: str = "absent") -> dict[str, int]:
    """Hand the in-process requests of an absent (or deactivated) operator — or the not yet started ones of an
    operator taken off the roster (`OFF_ROSTER`, none of their shifts on now or within the grace) — to operators on
    duty, by the delegation
    policy (`policy.redistribute`: most urgent first, least loaded first, quota kept); a request nobody has room
    for stays and is flagged for the supervisors (once). Each move is one transaction (both load counters, the
    request, its timeline entry saying why, the audit record and the new assignee's notice). Idempotent: run
    again (the jobs worker's redelivery, the tick's `absences` step) it moves what is still there."""
    from chalicelib.delegation.policy import Work
    from chalicelib.delegation.policy import redistribute as plan_for

    out = {"moved": 0, "flagged": 0}
    op = delegation.find_operator(operator_id)
    if op is None:
        return out
    statuses = lc.IN_PROCESS
    if reason == delegation.OFF_ROSTER and delegation.available(op):
        # taken off the roster (issue 20): what they have not started goes, unless they are (soon) on duty again
        if delegation.on_duty_within(operator_id, delegation.OFF_ROSTER_GRACE_HOURS):
            return out
        statuses = frozenset({lc.ASSIGNED})
    elif delegation.available(op):
        return out  # back already: nothing to move
    elif reason == delegation.OFF_ROSTER:
        reason = "absent" if op.absent else "inactive"  # away as well: everything they hold goes
    why = f"operator {op.name or operator_id} {AWAY.get(reason, reason)}"
    repo = RequestRepository()
    recs = [r for r in repo.active_for(operator_id, limit=1000)
            if r.status in statuses and r.assignee == operator_id]
    if not recs:
        return out
    cands = delegation.candidates()
    work = [Work(r.request_id, r.kind, r.topic, r.consumer_id, r.due_at or "") for r in recs]
    plan = dict(plan_for(work, cands, operator_id))
    for rec in sorted(recs, key=lambda r: (r.due_at or "9999", r.request_id)):
        fresh = repo.find(rec.request_id)  # the index copy may be stale
        if fresh is None or fresh.status not in statuses or fresh.assignee != operator_id:
            continue
        target = plan.get(rec.request_id)
        if target and _move(repo, fresh, operator_id, target, why, reason):
            out["moved"] += 1
        elif _flag(repo, fresh, operator_id, why):
            out["flagged"] += 1
    if out["moved"]:
        obs.count("RequestsRedistributed", out["moved"])
    if out["flagged"]:
        obs.count("RedistributionNoCapacity", out["flagged"])
    return out


def _move(repo: RequestRepository, rec: RequestRecord, old: str, target: str, why: str, reason: str) -> bool:
    now = clock.iso()
    try:
        repo.transition(rec, rec.status, "system", f"dialihkan dari {old} ke {target}: {why}",
                        set_={"assignee": target, "assigned_at": now}, remove=["attention"],
                        action="request.redistributed", audit_data={"from": old, "assignee": target, "reason": reason},
                        effects=_assignment(rec, target, now, None, [release_in(old), take_in(target, now)]))
    except Conflict:
        return False  # the target filled up or the request moved concurrently: flagged, retried by the tick
    return True


def _flag(repo: RequestRepository, rec: RequestRecord, operator_id: str, why: str) -> bool:
    """Flag the request for the supervisors (once while it stays flagged) and tell them."""
    from chalicelib.fulfilment.reminders import supervisor_notices

    if rec.attention == ATTENTION_UNAVAILABLE:
        return False
    note = f"{why}; tidak ada operator piket dengan kapasitas — menunggu penugasan oleh supervisor"
    ctx = {"request_id": rec.request_id, "kind": rec.kind, "status": rec.status, "due_at": rec.due_at,
           "operator_name": operator_id, "reason": why, "audience": "admin"}
    messages = supervisor_notices("assignee_unavailable", f"assignee_unavailable#{rec.request_id}#{operator_id}", ctx)
    try:
        repo.transition(rec, rec.status, "system", note, set_={"attention": ATTENTION_UNAVAILABLE},
                        action="request.flagged", audit_data={"attention": ATTENTION_UNAVAILABLE},
                        effects=Effects.of(messages=messages))
    except Conflict:
        return False  # changed concurrently; the tick looks again
    return True


def redistribute_unavailable() -> dict[str, int]:
    """The tick's `absences` step: operators away who still hold requests (a lost job, requests flagged for lack
    of capacity that someone on duty can take now). One Query over the operators."""
    from chalicelib.delegation.models import OperatorRecord

    out = {"moved": 0, "flagged": 0}
    for op in OperatorRecord.all_operators.query("OP"):
        if delegation.available(op) or int(op.load or 0) <= 0:
            continue
        got = redistribute(op.operator_id, "absent" if op.absent else "inactive")
        out = {k: out[k] + got[k] for k in out}
    return out

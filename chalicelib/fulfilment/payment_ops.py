"""The supervisor's side of money (SPEC §8 "Money"): payment work items (a payment after the request closed, a
wrong amount, an unknown billing, an invalid receipt, a paid request nobody could advance, an order the provider
kept refusing, a request whose workflow stopped) with their actions — resume fulfilment or record a refund for a
payment after close, restart a stopped workflow, resolve the others with a note — the manual billing retry, and
the reconciliation reports (work items of a period, and the day's provider payments against the PNBP ledger)."""

from __future__ import annotations

from typing import Any

from chalicelib.billing import repository as billings
from chalicelib.billing import service as billing
from chalicelib.billing.models import WORK_DONE, WORK_OPEN, WorkItemRecord
from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, Conflict, Forbidden, NotFound
from chalicelib.fulfilment import payment
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository

ACTIONS = {"paid_after_close": ("resume", "refund"), "stuck_paid": ("resolve",), "amount_mismatch": ("resolve",),
           "unknown_billing": ("resolve",), "invalid_receipt": ("resolve",),
           "billing_unavailable": ("retry", "resolve"), "workflow_problem": ("restart", "resolve")}
#: where a stopped workflow may be restarted from: the waits before fulfilment (fulfilment.tasks.problems_to_supervisors)
RESTARTABLE = (lc.SUBMITTED, lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT)


def _supervisor(p: Principal) -> None:
    if not p.is_supervisor:
        raise Forbidden("payment work items are a supervisor's")


def item_out(w: WorkItemRecord) -> dict[str, Any]:
    return {"item_id": w.item_id, "kind": w.kind, "status": "open" if w.status == WORK_OPEN else "done",
            "created_at": w.created_at, "billing_code": w.code, "request_id": w.for_request,
            "amount_idr": int(w.amount_idr or 0), "evidence": w.evidence or {}, "resolution": w.resolution,
            "actions": list(ACTIONS.get(w.kind, ("resolve",))) if w.status == WORK_OPEN else []}


def list_items(p: Principal, status: str = "open", limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
    _supervisor(p)
    if status not in ("open", "done"):
        raise BadRequest("status must be open or done")
    items, nxt = billings.work_items(WORK_OPEN if status == "open" else WORK_DONE, limit, cursor)
    return {"items": [item_out(w) for w in items], "next_cursor": nxt}


def _open_item(item_id: str, kind: str | None = None) -> WorkItemRecord:
    w = billings.get_work_item(item_id)
    if w is None:
        raise NotFound("work item not found")
    if w.status != WORK_OPEN:
        raise Conflict("the work item is already resolved", code="already_resolved")
    if kind is not None and w.kind != kind:
        raise Conflict(f"a {w.kind} work item has no such action", code="illegal_action")
    return w


def _resolve(w: WorkItemRecord, rec: RequestRecord | None, p: Principal, resolution: dict[str, Any],
             audit_action: str, parts: tuple[Any, ...] = (), actions: list[Any] | None = None) -> dict[str, Any]:
    """The work item closes (conditional on it being open) and the request's audit chain records it, with
    `parts` (a follow-up request) and `actions` on the request: ONE transaction. The answer is the item as written
    (no second read)."""
    from pynamodb.exceptions import TransactWriteError

    from chalicelib.requests.effects import Effects

    part = billings.resolve_in(w, resolution)
    try:
        if rec is not None:
            RequestRepository().append_audit(rec, p.sub, audit_action, {"work_item": w.item_id, **resolution},
                                             also=part, actions=actions, effects=Effects.of(parts=parts))
        else:
            billing.commit(part)
    except (TransactWriteError, Conflict) as exc:
        raise Conflict("the work item or its request changed concurrently; reload and retry",
                       code="concurrent_update") from exc
    obs.count("PaymentWorkItemResolved")
    w.status, w.resolution, w.updated_at = WORK_DONE, resolution, clock.iso()
    return item_out(w)


def resume(p: Principal, item_id: str, note: str = "") -> dict[str, Any]:
    """Resume fulfilment of a request paid after it closed: a follow-up request (`<id>-L`) with the same order,
    already paid (the ledger row stays the original's, so the payment is counted once), goes through its own
    workflow from delegation on; the closed request keeps its history. The follow-up is created in the
    transaction that closes the work item (item, request, ONE TransactWrite); its workflow starts after the
    commit (named after the request: a repeat starts nothing; the sweeper starts it should this start fail)."""
    from chalicelib.requests import workflow

    _supervisor(p)
    w = _open_item(item_id, "paid_after_close")
    repo = RequestRepository()
    rec = repo.find(w.for_request or "")
    if rec is None:
        raise Conflict("the paid request is unknown; record a refund instead", code="illegal_action")
    if rec.consumer_id == p.sub:
        raise Forbidden("separation of duties: not on your own request", code="separation_of_duties")
    follow = _follow_up(rec, p.sub)
    resolution = {"action": "resume", "by": p.sub, "at": clock.iso(), "note": note[:500],
                  "follow_up": follow.request_id}
    try:
        out = _resolve(w, rec, p, resolution, "payment.resumed",
                       (repo.create_in(follow, p.sub, f"lanjutan {rec.request_id}: dibayar setelah ditutup, "
                                                      "dilanjutkan supervisor"),))
    except Conflict:
        # refused: the item was resolved meanwhile (409 below), or the follow-up exists already (another late
        # payment of the same request was resumed into it): then the item closes pointing to that follow-up
        w = _open_item(item_id, "paid_after_close")
        if repo.find(follow.request_id) is None:
            raise
        out = _resolve(w, repo.get(rec.request_id), p, resolution, "payment.resumed")
    workflow.start(follow.request_id)
    return out


def _follow_up(rec: RequestRecord, actor: str) -> RequestRecord:
    """The follow-up request of a closed, paid request (not stored here)."""
    from chalicelib.requests.models import Contact
    from chalicelib.requests.sla import calendar

    now = clock.now()
    c = rec.consumer
    new = RequestRecord(
        request_id=f"{rec.request_id}-L", kind=rec.kind, channel=rec.channel, status=lc.SUBMITTED,
        consumer_id=rec.consumer_id,
        consumer=Contact(name=c.name, email=c.email, phone=c.phone, institution=c.institution, category=c.category),
        created_by=actor, created_at=clock.iso(now), updated_at=clock.iso(now), sla_days=int(rec.sla_days or 0),
        total_idr=int(rec.total_idr or 0), transaction_type=rec.transaction_type, items=list(rec.items or []),
        purpose=rec.purpose, custom_request=rec.custom_request, abstract=rec.abstract,
        agreement_accepted=bool(rec.agreement_accepted), needs_billing=bool(rec.needs_billing),
        billing_code=rec.billing_code, paid_at=rec.paid_at, approval=rec.approval, about_request_id=rec.request_id)
    new.due_at = clock.iso(calendar().add_working_days(now, int(new.sla_days)))
    return new


def refund(p: Principal, item_id: str, reference: str, note: str = "", refunded_at: str | None = None) -> dict:
    """Record the refund of a payment after close (who, when, the refund's reference, e.g. the KPPN letter)."""
    _supervisor(p)
    if not reference.strip():
        raise BadRequest("a refund needs its reference")
    w = _open_item(item_id, "paid_after_close")
    at = clock.iso(clock.parse_iso(refunded_at)) if refunded_at else clock.iso()
    rec = RequestRepository().find(w.for_request or "")
    return _resolve(w, rec, p, {"action": "refund", "by": p.sub, "at": clock.iso(), "refunded_at": at,
                                "reference": reference.strip()[:128], "note": note[:500],
                                "amount_idr": int(w.amount_idr or 0)}, "payment.refunded")


def resolve(p: Principal, item_id: str, note: str) -> dict[str, Any]:
    _supervisor(p)
    if not note.strip():
        raise BadRequest("say how it was resolved")
    w = _open_item(item_id)
    if w.kind == "paid_after_close":
        raise Conflict("a payment after close is resumed or refunded", code="illegal_action")
    rec = RequestRepository().find(w.for_request or "") if w.for_request else None
    return _resolve(w, rec, p, {"action": "resolve", "by": p.sub, "at": clock.iso(), "note": note[:500]},
                    "payment.item_resolved")


def restart(p: Principal, item_id: str, note: str = "") -> dict[str, Any]:
    """Restart the stopped workflow of a request still waiting (a `workflow_problem` item): a new execution,
    `<request id>-r<n>`, runs the workflow from its start; every step answers at once what is already decided
    (triage, an approval given, the billing issued) and waits where the request is. The item closes, the request's
    problem clears and the new execution's name is stored (the sweeper then watches that one) in ONE transaction;
    the execution starts after the commit; should that start fail, the request is flagged `workflow_lost` at once and
    the tick opens a new item for the new execution."""
    from chalicelib.requests import sweeper, workflow

    _supervisor(p)
    w = _open_item(item_id, "workflow_problem")
    repo = RequestRepository()
    rec = repo.find(w.for_request or "")
    if rec is None or rec.status not in RESTARTABLE:
        raise Conflict("the request is no longer waiting at the start of its workflow; resolve the item",
                       code="illegal_action", details={"status": rec.status if rec else None})
    if rec.consumer_id == p.sub:
        raise Forbidden("separation of duties: not on your own request", code="separation_of_duties")
    if sweeper.workflow_running(rec):
        raise Conflict("the request's workflow is running", code="workflow_running")
    name = workflow.execution_name(rec.request_id, workflow.restart_count(workflow.current_execution(rec)) + 1)
    resolution = {"action": "restart", "by": p.sub, "at": clock.iso(), "note": note[:500], "execution": name,
                  "problem": rec.problem}
    out = _resolve(w, rec, p, resolution, "request.workflow_restarted",
                   actions=[RequestRecord.execution_name.set(name), RequestRecord.problem.remove()])
    if not workflow.start(rec.request_id, name):
        # the new execution did not start: flagged at once, so the tick opens the next run's item (nothing else
        # would notice a request that holds no waiting token)
        sweeper.flag(repo.get(rec.request_id), "workflow_lost", {"execution": name, "start_failed": True})
    obs.count("WorkflowRestarted")
    return out


def retry_billing(p: Principal, request_id: str) -> dict[str, Any]:
    """The supervisor's retry of an order the provider could not bill."""
    _supervisor(p)
    from chalicelib.requests.service import RequestService

    rec = RequestService().ops_get(p, request_id)
    result = payment.retry_billing(rec, p.sub)  # the request as moved (no second read)
    return {"result": result, "status": rec.status, "billing_code": rec.billing_code}


# --- reports --------------------------------------------------------------------------------------------------
def reconciliation_report(p: Principal, day: str) -> dict[str, Any]:
    """The day's provider payments against the PNBP ledger (SPEC §8): every provider payment must have exactly
    one ledger row; listed for supervisors: payments missing from the ledger, duplicated rows, amounts or NTPNs
    that differ, and ledger rows of that day the provider does not know. Plus the open work items."""
    _supervisor(p)
    return reconciliation_for(day)


def reconciliation_for(day: str) -> dict[str, Any]:
    """The report of `reconciliation_report` (also run daily by the tick: fulfilment/reconciliation.py)."""
    from datetime import date, datetime, timedelta

    try:
        d = date.fromisoformat(day)
    except ValueError as exc:
        raise BadRequest("day must be YYYY-MM-DD") from exc
    start = datetime(d.year, d.month, d.day, tzinfo=billing.JAKARTA)
    frm, to = clock.iso(start), clock.iso(start + timedelta(days=1) - timedelta(seconds=1))
    try:
        provider_payments = billing.provider().list_payments(day)
    except Exception as exc:  # noqa: BLE001 - reported, counted (alarmed)
        obs.count(obs.RECONCILIATION_ERRORS)
        raise Conflict("the provider's payment list is unavailable; try again later",
                       code="provider_unavailable") from exc
    # a provider payment of the day may have been recorded (paid_at) a few days apart: the rows of the week around
    # the day (one Query per ledger month, 1-2), of which the day's rows are the paid ones between frm and to
    around = billing.ledger_rows(clock.iso(start - timedelta(days=3)), clock.iso(start + timedelta(days=4)))
    rows = [r for r in around if r.transaction_type == "paid" and frm <= r.at <= to]
    by_code: dict[str, list[Any]] = {}
    for r in around:
        if r.billing_code:
            by_code.setdefault(r.billing_code, []).append(r)
    missing, duplicated, different = [], [], []
    for pay in provider_payments:
        found = by_code.get(pay.billing_code, [])
        if not found:
            missing.append({"billing_code": pay.billing_code, "amount_idr": pay.amount_idr, "ntpn": pay.ntpn})
        elif len(found) > 1:
            duplicated.append({"billing_code": pay.billing_code, "rows": len(found)})
        elif int(found[0].amount_idr) != int(pay.amount_idr) or found[0].ntpn != pay.ntpn:
            different.append({"billing_code": pay.billing_code, "provider": {"amount_idr": pay.amount_idr,
                                                                           "ntpn": pay.ntpn},
                              "ledger": {"amount_idr": int(found[0].amount_idr), "ntpn": found[0].ntpn}})
    known = {pay.billing_code for pay in provider_payments}
    unknown = [{"billing_code": r.billing_code, "request_id": r.request_id, "amount_idr": int(r.amount_idr)}
               for r in rows if r.billing_code not in known]
    open_items, _ = billings.work_items(WORK_OPEN, 200)
    kinds: dict[str, int] = {}
    for w in open_items:
        kinds[w.kind] = kinds.get(w.kind, 0) + 1
    ok = not (missing or duplicated or different or unknown)
    if not ok:
        obs.count(obs.RECONCILIATION_ERRORS)
    return {"day": day, "ok": ok, "provider_payments": len(provider_payments), "ledger_rows": len(rows),
            "provider_total_idr": sum(int(x.amount_idr) for x in provider_payments),
            "ledger_total_idr": sum(int(r.amount_idr) for r in rows),
            "missing_in_ledger": missing, "duplicated_in_ledger": duplicated, "different": different,
            "not_at_provider": unknown, "open_work_items": kinds}


def late_payments_summary(frm: str, to: str) -> dict[str, Any]:
    """Payments after close in a period (for the reports): how many, how much, and how they were resolved."""
    return billing.late_payments(frm, to)

"""The workflow's task handlers: the SQS messages the state machine (statemachines/fulfilment.asl.json) sends
on the workflow queue, each answered through the Step Functions port (chalicelib.requests.workflow).

Every task handler is idempotent: it reads the request, acts only if the request is where the task
expects it, and otherwise answers the token from the state already reached. Redeliveries are harmless."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.core import clock, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict
from chalicelib.fulfilment import assign, notices, payment
from chalicelib.reports import counters as reports
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.models import RequestRecord, TaskToken
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.workflow import ANSWER_MARK, CLOSED, fail_task, succeed_task


def _store_token(rec: RequestRecord, stage: str, token: str, condition: Any) -> bool:
    try:
        RequestRepository().update_fields(rec, {"task": TaskToken(stage=stage, token=token, at=clock.iso())},
                                          remove=ANSWER_MARK, condition=condition)
        return True
    except Conflict:
        return False


def _closed(token: str | None, rec: RequestRecord) -> None:
    fail_task(token, CLOSED, f"request is {rec.status}")


def _wait(rec: RequestRecord, token: str, stage: str, condition: Any, answered: Callable[[RequestRecord], bool],
          again: Callable[[RequestRecord, int], None], attempts: int) -> None:
    """Store the token of a wait, unless what it waits for happened already: ``answered(rec)`` then answers the
    token and says so.

    A store that meets a newer version (an assignment, a note, a reply written meanwhile; a reviewer returning an
    application, the consumer resubmitting it) is tried again at once on the fresh request, through ``again``
    (the wait task itself, which looks at everything again), up to ``attempts`` times; only then is the task left
    to SQS' redelivery, a visibility timeout later — during which an action finds no token to answer."""
    if answered(rec):
        return
    if rec.status in lc.TERMINAL:
        _closed(token, rec)
        return
    if _store_token(rec, stage, token, condition):
        return
    fresh = RequestRepository().get(rec.request_id)
    if attempts > 1:
        again(fresh, attempts - 1)
    elif answered(fresh):
        return
    elif fresh.status in lc.TERMINAL:
        _closed(token, fresh)
    else:
        raise RuntimeError("token store raced; retry")  # redelivered by SQS


def _succeeds(token: str, output: dict[str, Any], done: Callable[[RequestRecord], bool]) -> Callable[[RequestRecord], bool]:
    """An `answered` for `_wait`: once `done`, the wait succeeds with `output`."""
    def answered(rec: RequestRecord) -> bool:
        if not done(rec):
            return False
        succeed_task(token, output)
        return True
    return answered


# --- the approval's SLA (issue 20) -------------------------------------------------------------------
def approval_deadlines() -> dict[str, str]:
    """A request starting to wait for approval: its due date (SLA_DAYS_APPROVAL working days; reminders before
    and at it, then the head of the service unit) and its expiry (APPROVAL_TIMEOUT_S, the workflow's wait)."""
    from datetime import timedelta

    from chalicelib.requests.sla import calendar

    s = get_settings()
    now = clock.now()
    return {"approval_due_at": clock.iso(calendar().add_working_days(now, int(s.sla_days_approval))),
            "approval_expires_at": clock.iso(now + timedelta(seconds=int(s.approval_timeout_s)))}


# --- task handlers -----------------------------------------------------------------------------------
def triage(rec: RequestRecord, token: str) -> None:
    if rec.status in lc.TERMINAL:
        _closed(token, rec)
        return
    s = get_settings()
    if rec.status == lc.SUBMITTED and rec.needs_approval and rec.approval is None:
        rec = RequestRepository().transition(
            rec, lc.AWAITING_APPROVAL, "system",
            "menunggu persetujuan" + (" supervisor" if rec.transaction_type == "zero_rupiah" else ""),
            set_=approval_deadlines())
    notices.send(notices.received(rec), strict=True)  # lost send: the task is redelivered before it is answered
    reports.record_submitted(rec)
    succeed_task(token, {
        "needs_approval": bool(rec.needs_approval),
        "needs_billing": bool(rec.needs_billing) and not rec.paid_at,
        "approval_timeout_s": s.approval_timeout_s,
        "fulfilment_timeout_s": s.fulfilment_timeout_s,
    })


#: how often a wait's token store is tried again at once on a concurrent write before SQS redelivers the task
TOKEN_STORE_ATTEMPTS = 3


def await_approval(rec: RequestRecord, token: str, attempts: int = TOKEN_STORE_ATTEMPTS) -> None:
    def decided(r: RequestRecord) -> bool:
        if r.approval is None:
            return False
        if r.approval.decision == "approve":
            succeed_task(token, {"approved": True})
        else:
            fail_task(token, "Rejected", r.approval.reason or "")
        return True

    # (a microdata application returned for revision still waits on this token: awaiting_consumer)
    cond = RequestRecord.status.is_in(lc.AWAITING_APPROVAL, lc.AWAITING_CONSUMER) & RequestRecord.approval.does_not_exist()
    _wait(rec, token, "approval", cond, decided, lambda fresh, left: await_approval(fresh, token, left), attempts)


def create_billing(rec: RequestRecord, token: str) -> None:
    from chalicelib.billing.provider import BillingError

    if rec.status in lc.TERMINAL:
        _closed(token, rec)
        return
    try:
        timeout_s = payment.create_for_request(rec)
    except BillingError as exc:
        obs.count("BillingCreateFailed")
        fail_task(token, "BillingUnavailable", type(exc).__name__)
        return
    succeed_task(token, {"payment_timeout_s": max(1, int(timeout_s))})


def await_payment(rec: RequestRecord, token: str, attempts: int = TOKEN_STORE_ATTEMPTS) -> None:
    cond = (RequestRecord.status == lc.AWAITING_PAYMENT) & RequestRecord.paid_at.does_not_exist()
    _wait(rec, token, "payment", cond, _succeeds(token, {"paid": True}, lambda r: bool(r.paid_at)),
          lambda fresh, left: await_payment(fresh, token, left), attempts)


def await_fulfilment(rec: RequestRecord, token: str, attempts: int = TOKEN_STORE_ATTEMPTS) -> None:
    if rec.status == lc.AWAITING_PAYMENT and rec.quote is not None and rec.quote.status == "accepted" \
            and not rec.paid_at:
        succeed_task(token, {"quote": True})  # consumer loop: an accepted quote goes back to billing
        return
    cond = RequestRecord.status.is_in(*sorted(lc.IN_PROCESS | {lc.QUEUED}))
    delivered = _succeeds(token, {"delivered": True, "quote": False}, lambda r: r.status in (lc.DELIVERED, lc.COMPLETED))
    _wait(rec, token, "fulfilment", cond, delivered, lambda fresh, left: await_fulfilment(fresh, token, left), attempts)


def approval_expired(rec: RequestRecord) -> None:
    """Undecided until its expiry: the request closes as expired and the consumer is told why (issue 20; it
    used to expire silently)."""
    from chalicelib.core.fmt import format_date_id
    from chalicelib.fulfilment.reminders import approval_label
    from chalicelib.requests.effects import Effects

    returned = rec.status == lc.AWAITING_CONSUMER and rec.review is not None and not rec.review.resubmitted_at
    if (rec.status == lc.AWAITING_APPROVAL or returned) and rec.approval is None:
        since = next((t.at for t in reversed(rec.timeline or []) if t.status == lc.AWAITING_APPROVAL), rec.created_at)
        reason = (f"Persetujuan atas {approval_label(rec)} belum diputuskan oleh petugas kami sejak "
                  f"{format_date_id(since, with_time=True, with_weekday=True)} hingga batas waktunya.")
        notice = notices.to_consumer("approval_expired", rec, f"approval_expired#{rec.request_id}", reason=reason)
        RequestRepository().transition(rec, lc.EXPIRED, "system",
                                       "batas waktu persetujuan terlewati: belum diputuskan, pemohon diberi tahu",
                                       set_={"closed_reason": "approval_timeout"}, remove=["task"],
                                       effects=Effects.of(messages=[notice]))


def delivered(rec: RequestRecord) -> None:
    notices.send(notices.to_consumer("delivered", rec, f"delivered#{rec.request_id}"), strict=True)


def flag_problem(rec: RequestRecord, error: dict[str, Any]) -> None:
    problem = str(error.get("Error") or error.get("error") or "workflow_error")[:100]
    RequestRepository().update_fields(rec, {"problem": problem})
    obs.count("WorkflowProblem")
    obs.logger().error("workflow flagged a problem", extra={"request_id": rec.request_id, "problem": problem})


#: workflow problems with a work item of their own: orders the provider could not bill (payment.retry_stranded)
#: and paid requests that did not move on (payment.unstick)
OWN_WORK_ITEM = frozenset({"BillingUnavailable", "billing_unavailable", "stuck_paid"})
WORKFLOW_PROBLEM = "workflow_problem"


def problems_to_supervisors(limit: int = 100) -> dict[str, int]:
    """The tick's step: a request still waiting (submitted, awaiting approval or payment) whose workflow stopped —
    FlagProblem (a step timed out after its retries, e.g. the worker was down for hours) or the sweeper's
    `workflow_lost` — gets one supervisor's work item (the payments desk), so it does not wait unnoticed with
    only a problem field on the request. Once resolved, the item is not opened again; a supervisor may restart the
    workflow from it (`payment_ops.restart`), and a restarted execution that stops gets an item of its own."""
    from chalicelib.billing import repository as billings

    repo = RequestRepository()
    out = {"opened": 0}
    for status in (lc.SUBMITTED, lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT):
        items, _ = repo.by_status(status, limit)
        for rec in items:
            if not rec.problem or rec.problem in OWN_WORK_ITEM:
                continue
            run = workflow.current_execution(rec)  # one item per execution: a restarted one that stops gets its own
            if billings.get_work_item(f"{WORKFLOW_PROBLEM}.{run}") is not None:
                continue
            item = billings.new_work_item(WORKFLOW_PROBLEM, run, code=rec.billing_code,
                                          request_id=rec.request_id, amount_idr=int(rec.total_idr or 0),
                                          evidence={"problem": rec.problem, "status": rec.status})
            if billings.open_work_item(item):
                out["opened"] += 1
    if out["opened"]:
        obs.count("WorkflowProblemItems", out["opened"])
    return out


TOKEN_TASKS: dict[str, Callable[[RequestRecord, str], Any]] = {
    "triage": triage,
    "await_approval": await_approval,
    "create_billing": create_billing,
    "await_payment": await_payment,
    "delegate": assign.delegate,
    "await_fulfilment": await_fulfilment,
}
EVENT_TASKS: dict[str, Callable[[RequestRecord, dict[str, Any]], Any]] = {
    "payment_expired": lambda rec, m: payment.expire_request(rec),
    "approval_expired": lambda rec, m: approval_expired(rec),
    "delivered": lambda rec, m: delivered(rec),
    "flag_problem": lambda rec, m: flag_problem(rec, m.get("error") or {}),
}


def handle(message: dict[str, Any]) -> None:
    """Dispatch one workflow-queue message. Raises to have SQS redeliver it."""
    task = message.get("task")
    request_id = message.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        obs.logger().error("workflow message without request_id", extra={"task": task})
        return
    rec = RequestRepository().find(request_id)
    if rec is None:
        fail_task(message.get("task_token"), CLOSED, "unknown request")
        return
    if task in TOKEN_TASKS:
        TOKEN_TASKS[task](rec, message["task_token"])
    elif task in EVENT_TASKS:
        EVENT_TASKS[task](rec, message)
    else:
        obs.logger().error("unknown workflow task", extra={"task": task})

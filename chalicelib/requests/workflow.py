"""The fulfilment workflow's side: starting executions, answering task tokens, and the SQS task handlers
the state machine (statemachines/fulfilment.asl.json) talks to.

Every task handler is idempotent: it reads the request, acts only if the request is where the task
expects it, and otherwise answers the token from the state already reached. Redeliveries are harmless."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core import aws, clock, obs
from chalicelib.core.config import get_settings
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord, TaskToken
from chalicelib.requests.repository import RequestRepository

CLOSED = "Closed"


def execution_name(request_id: str) -> str:
    return request_id


def start(request_id: str) -> bool:
    """Start the request's execution, named after the request so a retry cannot start two."""
    s = get_settings()
    if not s.state_machine_arn:
        obs.logger().warning("no state machine configured; the sweeper will start it")
        return False
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=s.state_machine_arn, name=execution_name(request_id),
            input=json.dumps({"request_id": request_id}))
        return True
    except Exception as exc:  # noqa: BLE001
        if type(exc).__name__ == "ExecutionAlreadyExists" or "ExecutionAlreadyExists" in str(exc):
            return True
        obs.logger().exception("could not start the workflow; the sweeper retries", extra={"request_id": request_id})
        return False


#: Step Functions' answers for a token that no longer waits: already answered, timed out, execution over
STALE_TOKEN = ("InvalidToken", "TaskDoesNotExist", "TaskTimedOut")
SENT, STALE, FAILED = "sent", "stale", "failed"
#: a new wait means the execution got past the previous one: its answer needs no confirming any more
ANSWER_MARK = ("answer_shard", "answer_pending")


def send_answer(token: str, answer: dict[str, Any]) -> str:
    """Answer a task token: SENT, STALE (nothing waits on it any more) or FAILED (transient: try again)."""
    sfn = aws.client("stepfunctions")
    try:
        if answer.get("ok"):
            sfn.send_task_success(taskToken=token, output=json.dumps(answer.get("output") or {}))
        else:
            sfn.send_task_failure(taskToken=token, error=str(answer.get("error") or "Error"),
                                  cause=str(answer.get("cause") or "")[:256])
        return SENT
    except Exception as exc:  # noqa: BLE001
        resp = getattr(exc, "response", None)
        name = (resp.get("Error", {}).get("Code") if isinstance(resp, dict) else None) or type(exc).__name__
        if any(s in name for s in STALE_TOKEN):
            obs.logger().info("task token no longer waiting", extra={"reason": name})
            return STALE
        obs.logger().warning("task token answer failed", extra={"reason": name})
        obs.count("TaskAnswerFailed")
        return FAILED


def succeed_task(token: str | None, output: dict[str, Any] | None = None) -> None:
    """Answer a token carried by a workflow message. A transient failure raises, so SQS redelivers the
    message and its (idempotent) handler answers again."""
    if token and send_answer(token, {"ok": True, "output": output or {}}) == FAILED:
        raise RuntimeError("task answer failed; the message will be redelivered")


def fail_task(token: str | None, error: str, cause: str = "") -> None:
    if token and send_answer(token, {"ok": False, "error": error, "cause": cause}) == FAILED:
        raise RuntimeError("task answer failed; the message will be redelivered")


class Answer:
    """A user's or the system's action ending the workflow's wait on a request (payment received, request
    delivered, approval decided, operator assigned, cancelled...).

    `sets`/`removes` go into the very transaction that changes the request: the answered token stays on the
    request with the answer and is marked pending in the sparse `pending_answers` index. `send()` runs after
    the commit. Should the process die in between, or Step Functions refuse transiently, nothing is lost:
    `sweeper.confirm_answers` re-sends every answer left pending for a while and then clears the mark."""

    def __init__(self, rec: RequestRecord, stage: str | None, answer: dict[str, Any]) -> None:
        self.task = rec.waiting_task(stage)
        self.answer = answer
        self.at = clock.iso()

    @classmethod
    def success(cls, rec: RequestRecord, stage: str | None, output: dict[str, Any]) -> Answer:
        return cls(rec, stage, {"ok": True, "output": output})

    @classmethod
    def failure(cls, rec: RequestRecord, stage: str | None, error: str, cause: str = "") -> Answer:
        return cls(rec, stage, {"ok": False, "error": error, "cause": cause[:256]})

    @property
    def sets(self) -> dict[str, Any]:
        if self.task is None:
            return {}
        t = self.task
        return {"task": TaskToken(stage=t.stage, token=t.token, at=t.at, answer=json.dumps(self.answer),
                                  answered_at=self.at),
                "answer_shard": "A", "answer_pending": self.at}

    @property
    def removes(self) -> list[str]:
        return [] if self.task is not None else ["task"]  # an older, answered token: drop it

    def send(self) -> str | None:
        return send_answer(self.task.token, self.answer) if self.task is not None else None


def _notify_received(rec: RequestRecord) -> None:
    from chalicelib.notify import outbox

    event = "complaint_received" if rec.kind == "complaint" else "request_received"
    outbox.enqueue(event, key=f"{event}#{rec.request_id}", to_user=rec.consumer_id,
                   to_email=rec.consumer.email if rec.consumer else None,
                   ctx={"recipient_name": rec.consumer.name if rec.consumer else "", "request_id": rec.request_id,
                        "kind": rec.kind, "due_at": rec.due_at, "status": rec.status, "portal": True,
                        **({"message_excerpt": (rec.message or "")[:200]} if rec.kind == "complaint" else {})})


def _store_token(rec: RequestRecord, stage: str, token: str, condition: Any) -> bool:
    repo = RequestRepository()
    try:
        repo.update_fields(rec, {"task": TaskToken(stage=stage, token=token, at=clock.iso())},
                           remove=ANSWER_MARK, condition=condition)
        return True
    except Exception as exc:  # noqa: BLE001
        from chalicelib.core.errors import Conflict

        if isinstance(exc, Conflict):
            return False
        raise


# --- task handlers -----------------------------------------------------------------------------------
def triage(rec: RequestRecord, token: str) -> None:
    repo = RequestRepository()
    if rec.status in lc.TERMINAL:
        fail_task(token, CLOSED, f"request is {rec.status}")
        return
    s = get_settings()
    if rec.status == lc.SUBMITTED and rec.needs_approval and rec.approval is None:
        rec = repo.transition(rec, lc.AWAITING_APPROVAL, "system",
                              "menunggu persetujuan" + (" supervisor" if rec.transaction_type == "zero_rupiah" else ""))
    _notify_received(rec)
    from chalicelib.reports import service as reports

    reports.record_submitted(rec)
    succeed_task(token, {
        "needs_approval": bool(rec.needs_approval),
        "needs_billing": bool(rec.needs_billing) and not rec.paid_at,
        "approval_timeout_s": s.approval_timeout_s,
        "fulfilment_timeout_s": s.fulfilment_timeout_s,
    })


def await_approval(rec: RequestRecord, token: str) -> None:
    if rec.approval is not None:
        if rec.approval.decision == "approve":
            succeed_task(token, {"approved": True})
        else:
            fail_task(token, "Rejected", rec.approval.reason or "")
        return
    if rec.status in lc.TERMINAL:
        fail_task(token, CLOSED, f"request is {rec.status}")
        return
    cond = (RequestRecord.status == lc.AWAITING_APPROVAL) & RequestRecord.approval.does_not_exist()
    if not _store_token(rec, "approval", token, cond):
        fresh = RequestRepository().get(rec.request_id)
        await_approval(fresh, token) if fresh.approval is not None or fresh.status in lc.TERMINAL else None


def create_billing(rec: RequestRecord, token: str) -> None:
    from chalicelib.billing import service as billing
    from chalicelib.billing.provider import BillingError

    if rec.status in lc.TERMINAL:
        fail_task(token, CLOSED, f"request is {rec.status}")
        return
    try:
        timeout_s = billing.create_for_request(rec)
    except BillingError as exc:
        obs.count("BillingCreateFailed")
        fail_task(token, "BillingUnavailable", type(exc).__name__)
        return
    succeed_task(token, {"payment_timeout_s": max(1, int(timeout_s))})


def await_payment(rec: RequestRecord, token: str) -> None:
    if rec.paid_at:
        succeed_task(token, {"paid": True})
        return
    if rec.status in lc.TERMINAL:
        fail_task(token, CLOSED, f"request is {rec.status}")
        return
    cond = (RequestRecord.status == lc.AWAITING_PAYMENT) & RequestRecord.paid_at.does_not_exist()
    if not _store_token(rec, "payment", token, cond):
        fresh = RequestRepository().get(rec.request_id)
        if fresh.paid_at:
            succeed_task(token, {"paid": True})
        elif fresh.status in lc.TERMINAL:
            fail_task(token, CLOSED, f"request is {fresh.status}")
        else:
            raise RuntimeError("token store raced; retry")  # redelivered by SQS


def payment_expired(rec: RequestRecord) -> None:
    from chalicelib.billing import service as billing

    billing.expire_request(rec)


def approval_expired(rec: RequestRecord) -> None:
    if rec.status == lc.AWAITING_APPROVAL and rec.approval is None:
        RequestRepository().transition(rec, lc.EXPIRED, "system", "batas waktu persetujuan terlewati",
                                       set_={"closed_reason": "approval_timeout"}, remove=["task"])


def delegate(rec: RequestRecord, token: str) -> None:
    from chalicelib.delegation import service as delegation

    delegation.delegate(rec, token)


def await_fulfilment(rec: RequestRecord, token: str) -> None:
    if rec.status in (lc.DELIVERED, lc.COMPLETED):
        succeed_task(token, {"delivered": True})
        return
    if rec.status in lc.TERMINAL:
        fail_task(token, CLOSED, f"request is {rec.status}")
        return
    cond = RequestRecord.status.is_in(*sorted(lc.IN_PROCESS | {lc.QUEUED}))
    if not _store_token(rec, "fulfilment", token, cond):
        fresh = RequestRepository().get(rec.request_id)
        if fresh.status in (lc.DELIVERED, lc.COMPLETED):
            succeed_task(token, {"delivered": True})
        elif fresh.status in lc.TERMINAL:
            fail_task(token, CLOSED, f"request is {fresh.status}")
        else:
            raise RuntimeError("token store raced; retry")


def delivered(rec: RequestRecord) -> None:
    from chalicelib.notify import outbox

    outbox.enqueue("delivered", key=f"delivered#{rec.request_id}", to_user=rec.consumer_id,
                   to_email=rec.consumer.email if rec.consumer else None,
                   ctx={"recipient_name": rec.consumer.name if rec.consumer else "", "request_id": rec.request_id,
                        "kind": rec.kind, "portal": True})


def flag_problem(rec: RequestRecord, error: dict[str, Any]) -> None:
    problem = str(error.get("Error") or error.get("error") or "workflow_error")[:100]
    RequestRepository().update_fields(rec, {"problem": problem})
    obs.count("WorkflowProblem")
    obs.logger().error("workflow flagged a problem", extra={"request_id": rec.request_id, "problem": problem})


TOKEN_TASKS = {
    "triage": triage,
    "await_approval": await_approval,
    "create_billing": create_billing,
    "await_payment": await_payment,
    "delegate": delegate,
    "await_fulfilment": await_fulfilment,
}


def handle(message: dict[str, Any]) -> None:
    """Dispatch one workflow-queue message. Raises to have SQS redeliver it."""
    task = message.get("task")
    if task == "drain":
        from chalicelib.delegation import service as delegation

        delegation.drain()
        return
    if task == "release":  # a catalog item was published: tell its subscribers (issue 12)
        from chalicelib.subscriptions import service as subscriptions

        subscriptions.on_release(str(message.get("item_id") or ""))
        return
    request_id = message.get("request_id")
    if not isinstance(request_id, str) or not request_id:
        obs.logger().error("workflow message without request_id", extra={"task": task})
        return
    repo = RequestRepository()
    rec = repo.find(request_id)
    if rec is None:
        fail_task(message.get("task_token"), CLOSED, "unknown request")
        return
    if task in TOKEN_TASKS:
        TOKEN_TASKS[task](rec, message["task_token"])
    elif task == "payment_expired":
        payment_expired(rec)
    elif task == "approval_expired":
        approval_expired(rec)
    elif task == "delivered":
        delivered(rec)
    elif task == "flag_problem":
        flag_problem(rec, message.get("error") or {})
    else:
        obs.logger().error("unknown workflow task", extra={"task": task})

"""Workflow sweeper (scheduled): nothing stays stuck silently.

- a request still `submitted` minutes after creation with no execution (StartExecution failed) → start it;
- a request waiting on a task token whose execution is no longer running (token lost: execution aborted,
  failed or timed out) → flagged `problem=workflow_lost` for a supervisor, visible in the ops views;
- an answer to the workflow written with a transition but not confirmed (the process died after the commit,
  or Step Functions refused transiently) → sent again (`confirm_answers`)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.core import aws, clock, obs
from chalicelib.core.config import get_settings
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository

WAITING = (lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT, lc.QUEUED, lc.ASSIGNED, lc.IN_PROGRESS, lc.ESCALATED)


def execution_arn(name: str) -> str:
    sm = get_settings().state_machine_arn
    return sm.replace(":stateMachine:", ":execution:") + f":{name}"


def _execution_status(name: str) -> str | None:
    """The status of the execution `name` (the request's current one: `workflow.current_execution`); None: none."""
    try:
        return aws.client("stepfunctions").describe_execution(executionArn=execution_arn(name))["status"]
    except Exception as exc:  # noqa: BLE001
        if workflow.error_code(exc) == "ExecutionDoesNotExist":
            return None
        raise


def workflow_running(rec: RequestRecord) -> bool:
    """Whether the request's current execution is running (none is, without a state machine)."""
    if not get_settings().state_machine_arn:
        return False
    return _execution_status(workflow.current_execution(rec)) == "RUNNING"


def sweep(grace_s: int = 300, limit: int = 100) -> dict[str, int]:
    if not get_settings().state_machine_arn:
        return {}
    repo = RequestRepository()
    out = {"restarted": 0, "flagged": 0}
    cutoff = clock.iso(clock.now() - timedelta(seconds=grace_s))
    submitted, _ = repo.by_status(lc.SUBMITTED, limit)
    for rec in submitted:
        if rec.legacy_id:
            continue  # imported from the old system: never started here (scripts/migrate_legacy.py)
        name = workflow.current_execution(rec)
        if rec.created_at <= cutoff and _execution_status(name) is None and workflow.start(rec.request_id, name):
            out["restarted"] += 1
    for status in WAITING:
        items, _ = repo.by_status(status, limit)
        for rec in items:
            task = rec.waiting_task()
            if task is None or rec.problem or (task.at or "") > cutoff:
                continue
            st = _execution_status(workflow.current_execution(rec))
            if st != "RUNNING":
                flag(rec, "workflow_lost", {"execution_status": st})
                out["flagged"] += 1
    return out


def confirm_answers(grace_s: int = 30, limit: int = 100) -> dict[str, int]:
    """Answers older than `grace_s` still marked pending: send each again, then clear the mark.

    In the usual case the first send worked and Step Functions refuses the repeat (the token no longer
    waits): confirmed. If it accepts, the first answer had been lost: resent (logged, counted). A transient
    failure leaves the mark for the next tick."""
    repo = RequestRepository()
    out = {"confirmed": 0, "resent": 0, "failed": 0}
    cutoff = clock.iso(clock.now() - timedelta(seconds=grace_s))
    for rec in RequestRecord.pending_answers.query("A", RequestRecord.answer_pending <= cutoff, limit=limit):
        t = rec.task
        if t is not None and t.answered_at and t.answered_at == rec.answer_pending:
            res = workflow.send_answer(t.token, json.loads(t.answer or "{}"))
            if res == workflow.FAILED:
                out["failed"] += 1
                continue
            if res == workflow.SENT:
                out["resent"] += 1
                obs.logger().warning("workflow answer re-sent", extra={"request_id": rec.request_id, "stage": t.stage})
            else:
                out["confirmed"] += 1
        else:
            out["confirmed"] += 1  # a newer wait replaced the answered token: the execution moved on
        repo.clear_answer(rec)
    if out["resent"]:
        obs.count("WorkflowAnswerResent", out["resent"])
    return out


def flag(rec: RequestRecord, problem: str, data: dict[str, Any]) -> None:
    RequestRepository().update_fields(rec, {"problem": problem})
    obs.count("WorkflowProblem")
    obs.logger().error("request flagged", extra={"request_id": rec.request_id, "problem": problem, **data})

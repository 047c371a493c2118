"""The Step Functions port of a request's workflow (statemachines/fulfilment.asl.json): starting its
execution, answering task tokens, and `Answer`, a user's or the system's answer written with the change that
causes it. Depends on nothing above `requests`; the task handlers that use it live in chalicelib.fulfilment."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core import aws, clock, obs
from chalicelib.core.config import get_settings
from chalicelib.requests.models import RequestRecord, TaskToken

CLOSED = "Closed"


def error_code(exc: Exception) -> str:
    """An AWS error's code (botocore ClientError, or the modelled exception class), never its message."""
    return aws.error_code(exc) or type(exc).__name__


def execution_name(request_id: str, run: int = 0) -> str:
    """The name of the request's execution: the request id, and ``-r<n>`` for the n-th restart by a supervisor."""
    return request_id if run <= 0 else f"{request_id}-r{run}"


def restart_count(name: str) -> int:
    """How many restarts the execution `name` is the result of (0 for the request's first execution)."""
    head, sep, run = name.rpartition("-r")
    return int(run) if sep and head and run.isdigit() else 0


def current_execution(rec: RequestRecord) -> str:
    """The name of the request's current execution (`execution_name` is stored once a supervisor restarted it)."""
    return rec.execution_name or execution_name(rec.request_id)


def start(request_id: str, name: str | None = None) -> bool:
    """Start the request's execution, named after the request (or `name`: a restart's) so a retry cannot start two."""
    s = get_settings()
    if not s.state_machine_arn:
        obs.logger().warning("no state machine configured; the sweeper will start it")
        return False
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=s.state_machine_arn, name=name or execution_name(request_id),
            input=json.dumps({"request_id": request_id}))
        return True
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) == "ExecutionAlreadyExists":
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
        name = error_code(exc)
        if name in STALE_TOKEN:
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


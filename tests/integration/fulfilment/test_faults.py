"""Faults (issue 10): each ends in a recovered or clearly flagged state, with no data lost."""

from __future__ import annotations

from datetime import timedelta

import boto3

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit


def test_lost_start_execution_is_restarted_by_the_sweeper(api, worker, monkeypatch):
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.requests import sweeper, workflow

    put_operator("operator1")
    monkeypatch.setattr(workflow, "start", lambda rid: False)  # StartExecution "failed"
    rid = submit(api, {"kind": "complaint", "message": "Data tidak lengkap"})
    monkeypatch.undo()
    worker.drain(settle_s=0.3)
    assert status_of(api, rid) == "submitted"
    fc = FrozenClock(clock.now() + timedelta(minutes=10))
    clock.set_clock(fc)
    assert sweeper.sweep()["restarted"] == 1
    clock.set_clock(None)
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert sweeper.sweep()["restarted"] == 0


def test_lost_task_token_is_flagged(api, worker, aws_env, monkeypatch):
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.requests import sweeper
    from chalicelib.requests.models import RequestRecord

    standard_catalog()
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: (RequestRecord.get(rid).task or None) is not None
                            and RequestRecord.get(rid).task.stage == "payment")
    sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
    assert sfn.describe_execution(executionArn=sweeper.execution_arn(rid))["status"] == "RUNNING"
    assert sweeper.sweep(grace_s=0)["flagged"] == 0  # a healthy wait is left alone
    # the fault: the execution is gone (aborted by hand, say) while the request still holds its token;
    # moto keeps a stopped waiting execution RUNNING, so the Step Functions answer is injected here
    monkeypatch.setattr(sweeper, "_execution_status", lambda request_id: "ABORTED")
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=10)))
    try:
        assert sweeper.sweep()["flagged"] == 1
        assert sweeper.sweep()["flagged"] == 0  # flagged once
    finally:
        clock.set_clock(None)
    st, r = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert r["problem"] == "workflow_lost" and r["status"] == "awaiting_payment"


def test_worker_crash_between_writes_is_retried_without_duplicates(api, worker, monkeypatch):
    """The delegation worker dies after the assignment transaction but before answering the token: the SQS
    redelivery finds the request assigned and only answers the token."""
    from chalicelib.delegation.models import OperatorRecord
    from chalicelib.fulfilment import assign as delegation
    from chalicelib.requests import workflow

    put_operator("operator1")
    calls = {"n": 0}
    real = workflow.Answer.send

    def crash_once(self):
        if "assignee" in (self.answer.get("output") or {}):
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("worker crashed")
        return real(self)

    monkeypatch.setattr(workflow.Answer, "send", crash_once)
    monkeypatch.setattr(delegation, "_notify_assigned", lambda rec: None)
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert worker.failed >= 1  # the crash was reported as a batch item failure and redelivered
    worker.run_until(lambda: False, timeout_s=4)
    from chalicelib.requests.models import RequestRecord

    rec = RequestRecord.get(rid)
    assert [t.status for t in rec.timeline].count("assigned") == 1
    assert int(OperatorRecord.get("operator1").load) == 1
    assert rec.task is not None and rec.task.stage == "fulfilment"  # the workflow moved on to the next wait


def test_answer_lost_after_the_commit_is_resent_by_the_sweeper(api, worker, monkeypatch):
    """The process dies right after the operator's "complete" commits, before Step Functions hears of it:
    the answer written in the same transaction is found and sent by the sweeper; the execution finishes."""
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.requests import sweeper, workflow
    from chalicelib.requests.models import RequestRecord

    put_operator("operator1")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: (RequestRecord.get(rid).waiting_task("fulfilment") is not None))
    assert RequestRecord.get(rid).answer_pending is None  # the next wait cleared the delegation's answer
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    monkeypatch.setattr(workflow.Answer, "send", lambda self: None)  # died before sending
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})[0] == 200
    monkeypatch.undo()
    worker.drain(settle_s=0.3)
    sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
    assert sfn.describe_execution(executionArn=sweeper.execution_arn(rid))["status"] == "RUNNING"
    rec = RequestRecord.get(rid)
    assert rec.status == "delivered" and rec.answer_pending and rec.task.answered_at == rec.answer_pending

    assert sweeper.confirm_answers()["resent"] == 0  # within the grace period: left alone
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=2)))
    try:
        assert sweeper.confirm_answers() == {"confirmed": 0, "resent": 1, "failed": 0}
        assert sweeper.confirm_answers() == {"confirmed": 0, "resent": 0, "failed": 0}  # cleared
    finally:
        clock.set_clock(None)
    rec = RequestRecord.get(rid)
    assert rec.answer_pending is None and rec.task is None
    assert worker.run_until(
        lambda: sfn.describe_execution(executionArn=sweeper.execution_arn(rid))["status"] == "SUCCEEDED")


def test_answer_already_received_is_confirmed_not_resent(api, worker):
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.requests import sweeper
    from chalicelib.requests.models import RequestRecord

    put_operator("operator1")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: (RequestRecord.get(rid).waiting_task("fulfilment") is not None))
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})[0] == 200
    sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
    assert worker.run_until(
        lambda: sfn.describe_execution(executionArn=sweeper.execution_arn(rid))["status"] == "SUCCEEDED")
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=2)))
    try:
        assert sweeper.confirm_answers() == {"confirmed": 1, "resent": 0, "failed": 0}
    finally:
        clock.set_clock(None)
    assert RequestRecord.get(rid).answer_pending is None


def test_transient_answer_failure_is_retried_by_the_next_message_delivery(api, worker, monkeypatch):
    """A workflow message whose answer Step Functions refuses transiently is redelivered, not dropped."""
    from chalicelib.requests import workflow

    put_operator("operator1")
    real = workflow.send_answer
    calls = {"n": 0}

    def flaky(token, answer):
        calls["n"] += 1
        return workflow.FAILED if calls["n"] == 1 else real(token, answer)

    monkeypatch.setattr(workflow, "send_answer", flaky)
    rid = submit(api, {"kind": "complaint", "message": "Data tidak lengkap"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20)
    assert worker.failed >= 1 and calls["n"] >= 2

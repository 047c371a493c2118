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
    from chalicelib.delegation import service as delegation
    from chalicelib.delegation.models import OperatorRecord
    from chalicelib.requests import workflow

    put_operator("operator1")
    calls = {"n": 0}
    real = workflow.succeed_task

    def crash_once(token, output=None):
        if output and "assignee" in output:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("worker crashed")
        return real(token, output)

    monkeypatch.setattr(workflow, "succeed_task", crash_once)
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

"""A request still waiting whose workflow stopped (FlagProblem after a step's retries timed out — the worker
down for hours —, or the sweeper's workflow_lost) reaches a supervisor as a work item, once. Found by
tests/integration/fulfilment/test_money_stateful.py: an order left `submitted` with only `problem=States.Timeout`
on it, no billing, no work item — nobody would have looked."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit


def test_a_stopped_workflow_opens_one_work_item(api, worker):
    from chalicelib.fulfilment import tasks, tick
    from chalicelib.requests.repository import RequestRepository

    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    other = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, other) == "awaiting_payment")
    repo = RequestRepository()
    tasks.flag_problem(repo.get(rid), {"Error": "States.Timeout"})  # what the workflow's FlagProblem step does
    repo.update_fields(repo.get(other), {"problem": "stuck_paid"})  # a problem with a work item of its own

    assert tasks.problems_to_supervisors() == {"opened": 1}
    st, page = api.get("/ops/payments/work-items", "supervisor1")
    assert st == 200, page
    mine = [w for w in page["items"] if w["request_id"] == rid]
    assert [(w["kind"], w["actions"], w["evidence"]) for w in mine] == [
        ("workflow_problem", ["restart", "resolve"], {"problem": "States.Timeout", "status": "awaiting_payment"})], mine
    assert not [w for w in page["items"] if w["request_id"] == other and w["kind"] == "workflow_problem"]
    assert tasks.problems_to_supervisors() == {"opened": 0}  # once
    assert "workflow_problems" in tick.tick()  # the tick runs the step

    st, out = api.post(f"/ops/payments/work-items/{mine[0]['item_id']}/resolve", "supervisor1",
                       {"note": "Pemohon dihubungi; billing dibuat ulang lewat permintaan baru."})
    assert st == 200, out
    assert tasks.problems_to_supervisors() == {"opened": 0}  # resolved: not opened again


def test_a_supervisor_restarts_a_stopped_workflow_and_the_request_moves_on(api, worker, monkeypatch):
    """The payment wait's execution is gone (aborted): the sweeper flags the request, the tick gives a supervisor an
    item, and its `restart` starts `<rid>-r1`, whose steps answer what is decided (triage, the billing issued) and
    wait for the payment again; the consumer pays with the same billing and the request goes on to delegation."""
    import boto3

    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.fulfilment import tasks
    from chalicelib.requests import sweeper
    from chalicelib.requests.models import RequestRecord
    from tests.integration.helpers import paid_event, signed_webhook

    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: (RequestRecord.get(rid).task or None) is not None
                            and RequestRecord.get(rid).task.stage == "payment")
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    first_token = RequestRecord.get(rid).task.token
    # moto keeps an aborted waiting execution RUNNING: Step Functions' answer for the first one is injected
    real_status = sweeper._execution_status
    monkeypatch.setattr(sweeper, "_execution_status", lambda name: "ABORTED" if name == rid else real_status(name))
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=10)))
    try:
        assert sweeper.sweep()["flagged"] == 1
    finally:
        clock.set_clock(None)
    assert tasks.problems_to_supervisors() == {"opened": 1}
    [item] = [w for w in api.get("/ops/payments/work-items", "supervisor1")[1]["items"] if w["request_id"] == rid]
    assert item["kind"] == "workflow_problem" and item["actions"] == ["restart", "resolve"], item
    path = f"/ops/payments/work-items/{item['item_id']}/restart"
    assert api.post(path, "operator1", {})[0] == 403  # a supervisor's

    st, done = api.post(path, "supervisor1", {"note": "Eksekusi dibatalkan saat pemeliharaan."})
    assert st == 200, done
    assert done["status"] == "done" and done["resolution"]["action"] == "restart", done
    assert done["resolution"]["execution"] == f"{rid}-r1" and done["resolution"]["problem"] == "workflow_lost"
    rec = RequestRecord.get(rid)
    assert rec.problem is None and rec.execution_name == f"{rid}-r1" and rec.status == "awaiting_payment"
    sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
    assert sfn.describe_execution(executionArn=sweeper.execution_arn(f"{rid}-r1"))["status"] == "RUNNING"
    assert api.post(path, "supervisor1", {})[0] == 409  # resolved: not twice

    # the new execution waits for the payment with a token of its own; the same billing pays it
    assert worker.run_until(lambda: (RequestRecord.get(rid).task.token or "") not in ("", first_token))
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["billing_code"] == billing["billing_code"]
    st, res = signed_webhook(api, paid_event(billing))
    assert st == 200, res
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20), status_of(api, rid)
    assert sweeper.sweep(grace_s=0)["flagged"] == 0  # the sweeper watches the new execution
    assert tasks.problems_to_supervisors() == {"opened": 0}


def test_a_running_workflow_or_a_request_gone_on_is_not_restarted(api, worker):
    from chalicelib.fulfilment import tasks
    from chalicelib.requests.repository import RequestRepository

    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    repo = RequestRepository()
    tasks.flag_problem(repo.get(rid), {"Error": "States.Timeout"})  # flagged, but its execution still runs
    assert tasks.problems_to_supervisors() == {"opened": 1}
    [item] = [w for w in api.get("/ops/payments/work-items", "supervisor1")[1]["items"] if w["request_id"] == rid]
    st, err = api.post(f"/ops/payments/work-items/{item['item_id']}/restart", "supervisor1", {})
    assert st == 409 and err["error"]["code"] == "workflow_running", err
    assert repo.get(rid).problem == "States.Timeout"  # nothing changed
    repo.update_fields(repo.get(rid), {"status": "cancelled"})  # the request went on meanwhile
    st, err = api.post(f"/ops/payments/work-items/{item['item_id']}/restart", "supervisor1", {})
    assert st == 409 and err["error"]["code"] == "illegal_action", err


def test_a_restart_whose_execution_does_not_start_is_flagged_again(api, worker, monkeypatch):
    from chalicelib.fulfilment import tasks
    from chalicelib.requests import sweeper, workflow
    from chalicelib.requests.repository import RequestRepository

    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    repo = RequestRepository()
    tasks.flag_problem(repo.get(rid), {"Error": "States.Timeout"})
    assert tasks.problems_to_supervisors() == {"opened": 1}
    [item] = [w for w in api.get("/ops/payments/work-items", "supervisor1")[1]["items"] if w["request_id"] == rid]
    monkeypatch.setattr(sweeper, "_execution_status", lambda name: "FAILED" if name == rid else None)
    monkeypatch.setattr(workflow, "start", lambda request_id, name=None: False)  # StartExecution "failed"
    st, out = api.post(f"/ops/payments/work-items/{item['item_id']}/restart", "supervisor1", {})
    assert st == 200 and out["resolution"]["execution"] == f"{rid}-r1", out
    rec = repo.get(rid)
    assert rec.execution_name == f"{rid}-r1" and rec.problem == "workflow_lost"
    assert tasks.problems_to_supervisors() == {"opened": 1}  # the next run's own item
    items = [w for w in api.get("/ops/payments/work-items", "supervisor1")[1]["items"] if w["request_id"] == rid]
    assert [w["item_id"] for w in items] == [f"workflow_problem.{rid}-r1"], items

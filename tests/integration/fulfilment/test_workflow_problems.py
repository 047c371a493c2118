"""A request still waiting whose workflow stopped (FlagProblem after a step's retries timed out — the worker
down for hours —, or the sweeper's workflow_lost) reaches a supervisor as a work item, once. Found by
tests/integration/fulfilment/test_money_stateful.py: an order left `submitted` with only `problem=States.Timeout`
on it, no billing, no work item — nobody would have looked."""

from __future__ import annotations

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
        ("workflow_problem", ["resolve"], {"problem": "States.Timeout", "status": "awaiting_payment"})], mine
    assert not [w for w in page["items"] if w["request_id"] == other and w["kind"] == "workflow_problem"]
    assert tasks.problems_to_supervisors() == {"opened": 0}  # once
    assert "workflow_problems" in tick.tick()  # the tick runs the step

    st, out = api.post(f"/ops/payments/work-items/{mine[0]['item_id']}/resolve", "supervisor1",
                       {"note": "Pemohon dihubungi; billing dibuat ulang lewat permintaan baru."})
    assert st == 200, out
    assert tasks.problems_to_supervisors() == {"opened": 0}  # resolved: not opened again

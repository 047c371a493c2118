"""The workflow stores a task token on the request while a user acts on it (issue 10; seen in CI as a 409 on
an operator's "complete" and, under load, as a payment whose execution never moved on).

Each test holds back the workflow's wait task, lets the user's action read the request, stores the token
right then (exactly what the worker does concurrently), and checks that the action still succeeds and that
it answers the token it did not see on its first read, so the execution moves on."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Hold the workflow's wait tasks: the worker records (task, token) instead of storing the token."""
    from chalicelib.fulfilment import tasks as workflow

    stash: dict[str, Any] = {}
    for task in ("await_payment", "await_fulfilment"):
        monkeypatch.setitem(workflow.TOKEN_TASKS, task,
                            lambda rec, token, task=task: stash.__setitem__(task, (rec.request_id, token)))
    return stash


def store_token_after_first_read(monkeypatch: pytest.MonkeyPatch, task: str, stash: dict[str, Any]) -> dict[str, int]:
    """The interleaving: the action's first read of the request returns, then the worker stores its token."""
    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests.repository import RequestRepository

    real_find = RequestRepository.find
    real_task = getattr(workflow, task)
    seen = {"reads": 0}

    def find(self: Any, request_id: str) -> Any:
        rec = real_find(self, request_id)
        seen["reads"] += 1
        if seen["reads"] == 1:
            rid, token = stash[task]
            real_task(RequestRepository().get(rid), token)  # stores the token: the version moves on
        return rec

    monkeypatch.setattr(RequestRepository, "find", find)
    return seen


def execution_status(rid: str) -> str:
    from chalicelib.requests import sweeper

    sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
    return sfn.describe_execution(executionArn=sweeper.execution_arn(rid))["status"]


def test_complete_succeeds_when_the_fulfilment_token_is_stored_meanwhile(api, worker, held, monkeypatch):
    from chalicelib.delegation.models import OperatorRecord
    from chalicelib.requests.models import RequestRecord

    put_operator("operator1")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: "await_fulfilment" in held)
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    assert RequestRecord.get(rid).waiting_task() is None  # the fulfilment token is not stored yet

    seen = store_token_after_first_read(monkeypatch, "await_fulfilment", held)
    st, body = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})
    monkeypatch.undo()
    assert st == 200, body
    assert seen["reads"] >= 2  # it retried on fresh state instead of answering 409
    rec = RequestRecord.get(rid)
    assert rec.status == "delivered" and rec.waiting_task() is None
    assert [t.status for t in rec.timeline].count("delivered") == 1
    assert int(OperatorRecord.get("operator1").load) == 0
    # the token stored in between was answered: the execution finishes
    assert worker.run_until(lambda: execution_status(rid) == "SUCCEEDED", timeout_s=20), execution_status(rid)


def test_webhook_applies_and_answers_a_payment_token_stored_meanwhile(api, worker, held, monkeypatch):
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: "await_payment" in held)
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200, billing

    seen = store_token_after_first_read(monkeypatch, "await_payment", held)
    st, body = signed_webhook(api, paid_event(billing))
    monkeypatch.undo()
    assert (st, body.get("result")) == (200, "applied"), body
    assert seen["reads"] >= 2
    # the request moves on without any further webhook, reconciliation or sweeper
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20), status_of(api, rid)
    _, ops = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert ops["paid_at"] and not ops.get("problem")


def test_a_real_conflict_is_still_refused(api, worker):
    """Retrying on fresh state does not turn a genuine double action into two: the second is illegal."""
    put_operator("operator1")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "a"})[0] == 200
    st, body = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "b"})
    assert st == 409 and body["error"]["code"] == "illegal_transition", body


def test_the_approval_token_is_kept_when_the_application_is_returned_and_resubmitted_meanwhile(
        api, worker, monkeypatch):
    """The workflow's approval wait read the request, then a reviewer returned the application and the consumer
    resubmitted it before the token was stored: the store meets a newer version. The token must still be stored
    (it was dropped: the approval that came next had nothing to answer, and the workflow waited until its
    timeout — seen in the e2e microdata walk about one run in ten), so the approval bills the order."""
    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests import agreement
    from chalicelib.requests.models import RequestRecord

    standard_catalog()
    put_operator("operator1", quota=10)
    stash: dict[str, Any] = {}
    monkeypatch.setitem(workflow.TOKEN_TASKS, "await_approval", lambda rec, token: stash.update(rec=rec, token=token))
    version = agreement.current().version
    project = {"title": "Pesisir", "institution": "Universitas Padjadjaran", "purpose": "Tesis", "outputs": "Tesis"}
    rid = submit(api, order(["MD-SUS1"], abstract="Analisis kemiskinan", agreement_version=version, project=project))
    assert worker.run_until(lambda: "token" in stash and status_of(api, rid) == "awaiting_approval")
    stale = stash["rec"]  # what the wait task read
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "return", "reason": "Lengkapi"})
    assert st == 200 and r["status"] == "awaiting_consumer", r
    st, r = api.put(f"/requests/{rid}/application", "consumer1", {
        "abstract": "Analisis kemiskinan rumah tangga nelayan", "project": project, "agreement_version": version})
    assert st == 200 and r["status"] == "awaiting_approval", r
    monkeypatch.undo()
    workflow.await_approval(stale, stash["token"])  # the wait task goes on, with the request it read
    assert RequestRecord.get(rid).waiting_task("approval") is not None
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve", "reason": "lengkap"})
    assert st == 200, r
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment", timeout_s=20), status_of(api, rid)


def hold_with_record(monkeypatch: pytest.MonkeyPatch, task: str) -> dict[str, Any]:
    """Hold one wait task: the worker records the request as the task read it, and its token."""
    from chalicelib.fulfilment import tasks as workflow

    stash: dict[str, Any] = {}
    monkeypatch.setitem(workflow.TOKEN_TASKS, task, lambda rec, token: stash.update(rec=rec, token=token))
    return stash


def test_the_fulfilment_token_is_stored_when_the_operator_starts_meanwhile(api, worker, monkeypatch):
    """The fulfilment wait read the request, then the operator started it (a newer version, still in process)
    before the token was stored. The wait stores it on the fresh request at once (it used to give the task back
    to SQS, a visibility timeout during which "complete" found no token to answer)."""
    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests.models import RequestRecord

    put_operator("operator1")
    stash = hold_with_record(monkeypatch, "await_fulfilment")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: "token" in stash and status_of(api, rid) == "assigned")
    stale = stash["rec"]
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    monkeypatch.undo()
    assert RequestRecord.get(rid).version != stale.version
    workflow.await_fulfilment(stale, stash["token"])  # must not raise "token store raced"
    assert RequestRecord.get(rid).waiting_task("fulfilment") is not None
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})[0] == 200
    assert worker.run_until(lambda: execution_status(rid) == "SUCCEEDED", timeout_s=20), execution_status(rid)


def test_the_payment_token_is_stored_when_a_supervisor_edits_the_request_meanwhile(api, worker, monkeypatch):
    """The payment wait read the request, then a supervisor moved its due date: the token is stored on the fresh
    request at once, so the payment that comes next moves the execution on without a redelivery."""
    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests.models import RequestRecord

    standard_catalog()
    put_operator("operator1")
    stash = hold_with_record(monkeypatch, "await_payment")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: "token" in stash and status_of(api, rid) == "awaiting_payment")
    stale = stash["rec"]
    st, body = api.patch(f"/ops/requests/{rid}", "supervisor1", {"due_at": "2030-01-02T16:00:00+07:00",
                                                                  "note": "tenggat disesuaikan"})
    assert st == 200, body
    monkeypatch.undo()
    assert RequestRecord.get(rid).version != stale.version
    workflow.await_payment(stale, stash["token"])
    assert RequestRecord.get(rid).waiting_task("payment") is not None
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200, billing
    st, body = signed_webhook(api, paid_event(billing))
    assert (st, body.get("result")) == (200, "applied"), body
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20), status_of(api, rid)


def test_a_wait_gives_the_task_back_after_its_attempts(api, worker, monkeypatch):
    """Every store meets a newer version: after TOKEN_STORE_ATTEMPTS the task goes back to SQS (raises), rather
    than looping on a request that keeps changing."""
    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests.repository import RequestRepository

    put_operator("operator1")
    stash = hold_with_record(monkeypatch, "await_fulfilment")
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Upah", "question": "UMR 2025?"})
    assert worker.run_until(lambda: "token" in stash and status_of(api, rid) == "assigned")
    monkeypatch.undo()
    tries = {"n": 0}

    def always_stale(rec: Any, stage: str, token: str, condition: Any) -> bool:
        tries["n"] += 1
        return False

    monkeypatch.setattr(workflow, "_store_token", always_stale)
    with pytest.raises(RuntimeError, match="token store raced"):
        workflow.await_fulfilment(RequestRepository().get(rid), stash["token"])
    assert tries["n"] == workflow.TOKEN_STORE_ATTEMPTS

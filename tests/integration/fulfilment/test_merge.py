"""Merging duplicates (issue 20 item 5, chalicelib/fulfilment/merge.py): same consumer only, both timelines say
so, the duplicate's workflow and the operator's load are settled, the consumer sees one request."""

from __future__ import annotations

from tests.factories import put_operator

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi Medan", "question": "Berapa inflasi Medan 2024?"}


def _status(api, rid):
    return api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"]


def _submit(api, user, body=CONSULT):
    st, r = api.post("/requests", user, body)
    assert st == 201, r
    return r["request_id"]


def _load(operator_id):
    from chalicelib.delegation.models import OperatorRecord

    return int(OperatorRecord.get(operator_id).load or 0)


def test_merge_duplicates(api, worker):
    put_operator("operator1", quota=10)
    primary = _submit(api, "consumer1")
    dup = _submit(api, "consumer1", {**CONSULT, "question": "Inflasi Medan tahun 2024 berapa persen?"})
    other = _submit(api, "consumer2")
    assert worker.run_until(lambda: all(_status(api, r) == "assigned" for r in (primary, dup, other)), timeout_s=30)
    assert api.post(f"/ops/requests/{primary}/start", "operator1")[0] == 200
    st, _ = api.post(f"/requests/{dup}/messages", "consumer1", {"body": "Mohon dibantu, lampiran menyusul."})
    assert st == 201
    load_before = _load("operator1")

    # who and what may be merged
    assert api.post(f"/ops/requests/{dup}/merge", "operator1", {"into": primary})[0] == 403
    st, err = api.post(f"/ops/requests/{other}/merge", "supervisor1", {"into": primary})
    assert st == 409 and err["error"]["code"] == "different_consumer"
    assert api.post(f"/ops/requests/{dup}/merge", "supervisor1", {"into": dup})[0] == 400
    st, err = api.post(f"/ops/requests/{primary}/merge", "supervisor1", {"into": dup})
    assert st == 409 and err["error"]["code"] == "illegal_transition"  # in progress: merge the other way round
    assert api.post(f"/ops/requests/{dup}/merge", "supervisor1", {"into": "R000000-NOPE00"})[0] == 404

    st, out = api.post(f"/ops/requests/{dup}/merge", "supervisor1", {"into": primary, "note": "pertanyaan sama"})
    assert st == 200, out
    assert out["request_id"] == primary and out["merged"] == [dup]
    assert out["timeline"][-1]["note"] == f"permintaan duplikat {dup} digabungkan ke sini: pertanyaan sama"
    d = api.get(f"/ops/requests/{dup}", "supervisor1")[1]
    assert d["status"] == "cancelled" and d["closed_reason"] == "merged" and d["merged_into"] == primary
    assert d["timeline"][-1]["note"] == f"digabungkan ke permintaan {primary}: pertanyaan sama"
    # the duplicate's conversation stays readable through it (referenced from the primary)
    assert [m["body"] for m in api.get(f"/ops/requests/{dup}/messages", "supervisor1")[1]] == [
        "Mohon dibantu, lampiran menyusul."]
    # the operator's load is freed, the workflow of the duplicate ends
    assert _load("operator1") == load_before - 1

    def ended():
        from chalicelib.core import aws
        from chalicelib.core.config import get_settings

        arn = get_settings().state_machine_arn.replace(":stateMachine:", ":execution:") + f":{dup}"
        return aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] != "RUNNING"

    assert worker.run_until(ended, timeout_s=30)
    # twice is refused
    st, err = api.post(f"/ops/requests/{dup}/merge", "supervisor1", {"into": primary})
    assert st == 409

    # the consumer sees one request: the list leaves the duplicate out, its detail points to the primary
    mine = [r["request_id"] for r in api.get("/requests", "consumer1")[1]["items"]]
    assert primary in mine and dup not in mine
    st, d = api.get(f"/requests/{dup}", "consumer1")
    assert st == 200 and d["merged_into"] == primary
    assert api.get(f"/requests/{primary}", "consumer1")[1]["merged"] == [dup]

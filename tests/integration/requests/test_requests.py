"""Requests and the fulfilment workflow (issue 4): every kind and transaction type to `completed`,
rejection, cancellation, idempotent redelivery, ownership."""

from __future__ import annotations

import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit


def _deliver_data_order(api, worker, rid, operator="operator1"):
    """Operator starts, uploads a verified deliverable (marked ready directly here) and completes."""
    from chalicelib.core import clock
    from chalicelib.delivery.models import DeliverableRecord

    assert api.post(f"/ops/requests/{rid}/start", operator)[0] == 200
    DeliverableRecord(request_id=rid, deliverable_id="d1", filename="data.xlsx", content_type="application/xlsx",
                      size_bytes=10, sha256="0" * 64, s3_key=f"deliverables/{rid}/d1/data.xlsx", status="ready",
                      uploaded_by=operator, created_at=clock.iso()).save()
    st, r = api.post(f"/ops/requests/{rid}/complete", operator, {"note": "data dikirim"})
    assert st == 200 and r["status"] == "delivered", r
    worker.drain()


@pytest.fixture
def setup(aws_env):
    standard_catalog()
    put_operator("operator1", quota=10)


def test_free_data_order_to_completed(api, worker, setup):
    rid = submit(api, order(["TS-FREE1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {})
    assert st == 409  # must be started first
    _deliver_data_order(api, worker, rid)
    st, r = api.post(f"/requests/{rid}/rating", "consumer1", {"score": 4})
    assert st == 201 and r["status"] == "completed" and r["transaction_type"] == "free"


def test_data_order_completion_needs_deliverables(api, worker, setup):
    rid = submit(api, order(["TS-FREE1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    api.post(f"/ops/requests/{rid}/start", "operator1")
    st, body = api.post(f"/ops/requests/{rid}/complete", "operator1", {})
    assert st == 409 and body["error"]["code"] == "no_deliverables"


def test_microdata_needs_abstract_and_agreement(api, setup):
    st, body = api.post("/requests", "consumer1", order(["MD-SUS1"]))
    assert st == 400 and "abstract" in body["error"]["message"]
    st, body = api.post("/requests", "consumer1", order(["MD-SUS1"], abstract="Analisis kemiskinan"))
    assert st == 400 and "agreement" in body["error"]["message"]


def test_microdata_approved_then_paid_then_delivered(api, worker, setup):
    from tests.integration.helpers import paid_event, signed_webhook

    rid = submit(api, order(["MD-SUS1"], abstract="Analisis kemiskinan rumah tangga", agreement_accepted=True))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, r = api.get(f"/ops/requests/{rid}", "operator1")
    assert r["needs_approval"] and r["abstract"].startswith("Analisis")
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve", "reason": "sesuai"})
    assert st == 200
    assert api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve"})[0] == 409
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    assert billing["amount_idr"] == 500000
    assert signed_webhook(api, paid_event(billing))[0] == 200
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    _deliver_data_order(api, worker, rid)
    timeline = [t["status"] for t in api.get(f"/requests/{rid}", "consumer1")[1]["timeline"]]
    assert timeline[:3] == ["submitted", "awaiting_approval", "awaiting_approval"]
    assert "awaiting_payment" in timeline and timeline[-1] == "delivered"


def test_microdata_rejected(api, worker, setup):
    rid = submit(api, order(["MD-SUS1"], abstract="Untuk keperluan pribadi", agreement_accepted=True))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, body = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "reject"})
    assert st == 400  # a rejection needs a reason
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1",
                     {"decision": "reject", "reason": "Abstraksi tidak memadai"})
    assert st == 200 and r["status"] == "rejected" and r["closed_reason"] == "rejected"
    worker.drain()
    assert status_of(api, rid) == "rejected"


def test_zero_rupiah_needs_supervisor(api, worker, setup):
    put_operator("supervisor1", quota=3)
    rid = submit(api, order(["TS-PAID1"], zero_rupiah_justification="Kerja sama instansi pemerintah (MoU 12/2026)"))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, r = api.get(f"/requests/{rid}", "consumer1")
    assert r["transaction_type"] == "zero_rupiah" and r["total_idr"] == 0
    assert api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve"})[0] == 403
    assert api.post(f"/ops/requests/{rid}/approval", "supervisor1", {"decision": "approve"})[0] == 200
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")  # no billing
    st, r = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 404
    from chalicelib.billing.models import LedgerRecord
    from chalicelib.billing.service import month_of
    from chalicelib.core import clock

    rows = [r for r in LedgerRecord.query(month_of(clock.iso())) if r.request_id == rid]
    assert len(rows) == 1 and rows[0].transaction_type == "zero_rupiah" and int(rows[0].amount_idr) == 0


def test_staff_orders_are_internal(api, worker, setup):
    rid = submit(api, order(["TS-PAID1"]), user="staff1")
    assert worker.run_until(lambda: status_of(api, rid, "staff1") == "assigned")
    r = api.get(f"/requests/{rid}", "staff1")[1]
    assert r["transaction_type"] == "internal" and r["total_idr"] == 0


def test_complaint_has_its_own_sla(api, worker, setup):
    cons = submit(api, {"kind": "consultation", "topic": "metadata", "subject": "Metode", "question": "Bagaimana?"})
    comp = submit(api, {"kind": "complaint", "message": "Respon lambat", "about_request_id": cons})
    a, b = api.get(f"/requests/{cons}", "consumer1")[1], api.get(f"/requests/{comp}", "consumer1")[1]
    assert b["due_at"] < a["due_at"]  # 2 vs 3 working days
    st, body = api.post("/requests", "consumer2", {"kind": "complaint", "message": "x", "about_request_id": cons})
    assert st == 400  # not theirs
    assert worker.run_until(lambda: status_of(api, comp) == "assigned")


def test_cancel_before_fulfilment_only(api, worker, setup):
    put_operator("operator1", quota=0)  # nobody has capacity: stays queued
    rid = submit(api, {"kind": "consultation", "topic": "classification", "subject": "KBLI", "question": "Kode?"})
    st, r = api.post(f"/requests/{rid}/cancel", "consumer2")
    assert st == 404
    st, r = api.post(f"/requests/{rid}/cancel", "consumer1")
    assert st == 200 and r["status"] == "cancelled"
    worker.drain()
    assert status_of(api, rid) == "cancelled"


def test_intake_by_operator_creates_or_links_consumer(api, worker, setup):
    body = {"kind": "consultation", "topic": "data", "subject": "PDRB", "question": "PDRB Aceh 2023?",
            "channel": "phone", "consumer": {"name": "Siti Aminah", "email": "Siti@Example.id", "phone": "+62811"}}
    st, r = api.post("/ops/requests", "operator1", body)
    assert st == 201 and r["channel"] == "phone" and r["consumer"]["email"] == "siti@example.id"
    st2, r2 = api.post("/ops/requests", "operator1", {**body, "question": "lagi"})
    assert r2["consumer_id"] == r["consumer_id"]
    assert api.post("/ops/requests", "consumer1", body)[0] == 403
    assert worker.run_until(lambda: api.get(f"/ops/requests/{r['request_id']}", "operator1")[1]["status"] == "assigned")


def test_redelivered_task_causes_no_duplicate_transition(api, worker, setup):
    """A handler crash mid-way, then SQS redelivery: the transition happens once."""
    import json

    from chalicelib.fulfilment import tasks as workflow
    from chalicelib.requests.models import RequestRecord

    rid = submit(api, order(["TS-FREE1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    rec = RequestRecord.get(rid)
    before = len(rec.timeline)
    # replay the delegation task as if SQS delivered it again (the token is already used)
    for _ in range(2):
        workflow.handle({"task": "delegate", "request_id": rid, "task_token": "stale-token"})
        workflow.handle({"task": "triage", "request_id": rid, "task_token": "stale-token"})
    rec = RequestRecord.get(rid)
    assert len(rec.timeline) == before and rec.status == "assigned"
    from chalicelib.delegation.models import OperatorRecord

    assert int(OperatorRecord.get("operator1").load) == 1
    # a crash mid-way inside the worker: the batch reports the failure, the message is retried, nothing doubles
    event = {"Records": [{"messageId": "m1", "body": json.dumps({"task": "delivered"})},
                         {"messageId": "m2", "body": "not json"}]}
    resp = worker.invoke("workflow_worker", event)
    assert resp == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


def test_other_consumer_gets_404_everywhere(api, worker, setup):
    rid = submit(api, order(["TS-PAID1"]))
    for method, path, body in [("GET", f"/requests/{rid}", None), ("POST", f"/requests/{rid}/cancel", {}),
                               ("GET", f"/requests/{rid}/messages", None),
                               ("POST", f"/requests/{rid}/messages", {"body": "hi"}),
                               ("GET", f"/requests/{rid}/billing", None),
                               ("POST", f"/requests/{rid}/rating", {"score": 5})]:
        st, _ = api.call(method, f"{path}", "consumer2", body=body)
        assert st == 404, (method, path, st)
    for path in ("/ops/queue", f"/ops/requests/{rid}", "/ops/requests"):
        assert api.get(path, "consumer1")[0] == 403
    items = api.get("/requests", "consumer2")[1]["items"]
    assert rid not in [r["request_id"] for r in items]


def test_conversation_and_internal_notes(api, worker, setup):
    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Data ekspor?"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "catatan", "internal": True})[0] == 201
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Halo, data tersedia."})[0] == 201
    assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Terima kasih"})[0] == 201
    st, msgs = api.get(f"/requests/{rid}/messages", "consumer1")
    assert [m["body"] for m in msgs] == ["Halo, data tersedia.", "Terima kasih"]
    st, msgs = api.get(f"/ops/requests/{rid}/messages", "operator1")
    assert len(msgs) == 3 and any(m["internal"] for m in msgs)


def test_my_requests_pagination(api, setup):
    ids = [submit(api, {"kind": "complaint", "message": f"keluhan {i}"}) for i in range(5)]
    st, page1 = api.get("/requests?page_size=2", "consumer1")
    assert st == 200 and len(page1["items"]) == 2 and page1["next_cursor"]
    seen = [r["request_id"] for r in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        st, page = api.get(f"/requests?page_size=2&cursor={cursor}", "consumer1")
        seen += [r["request_id"] for r in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(ids)
    assert api.get("/requests?cursor=%%%", "consumer1")[0] == 400


def test_operators_see_requests_awaiting_approval_and_staff_see_billing(api, worker, setup):
    rid = submit(api, order(["MD-SUS1"], abstract="Analisis kemiskinan", agreement_accepted=True))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, page = api.get("/ops/requests?status=awaiting_approval", "operator2")
    assert st == 200 and rid in [r["request_id"] for r in page["items"]]
    st, page = api.get("/ops/requests?status=in_progress&assignee=operator1", "operator2")
    assert st == 403
    paid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, paid) == "awaiting_payment")
    assert api.get(f"/ops/requests/{paid}/billing", "operator1")[0] == 404  # not delegated to them (SPEC §8)
    st, b = api.get(f"/ops/requests/{paid}/billing", "supervisor1")
    assert st == 200 and b["status"] == "unpaid" and b["amount_idr"] == 150000

"""The consumer loop of SPEC §3 (issue 19), in-process through the executing state machine: a question pauses the
SLA clock and the consumer's answer resumes it; a price quote is accepted, billed through the same SIMPONI flow,
paid and delivered, or declined; an unanswered wait is reminded once and then expires with notice."""

from __future__ import annotations

import hashlib

from tests.factories import put_operator
from tests.integration.helpers import paid_event, refuse_first_send, signed_webhook, submit

CUSTOM = {"kind": "data_order", "items": [], "purpose": "Penelitian tesis",
          "custom_request": "Jumlah penduduk per kecamatan di Kota Medan menurut umur, 2020-2024"}
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}


def _in_progress(api, worker, body):
    rid = submit(api, body)
    assert worker.run_until(lambda: api.get(f"/ops/requests/{rid}", "operator1")[1].get("status") == "assigned")
    st, r = api.post(f"/ops/requests/{rid}/start", "operator1")
    assert st == 200 and r["status"] == "in_progress", r
    return rid


def _upload_ready(api, worker, rid):
    import requests

    data = b"kecamatan,umur,jumlah\nMedan Kota,0-4,1200\n"
    st, out = api.post(f"/ops/requests/{rid}/deliverables", "operator1", {
        "filename": "penduduk.csv", "content_type": "text/csv", "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    assert st == 201, out
    resp = requests.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("f", data)}, timeout=10)
    assert resp.status_code in (200, 201, 204)
    assert worker.run_until(lambda: any(d["status"] == "ready" for d in api.get(
        f"/ops/requests/{rid}/deliverables", "operator1")[1]))


def _load(op="operator1"):
    from chalicelib.delegation.models import OperatorRecord

    return int(OperatorRecord.get(op).load)


def _notices(worker, event):
    from chalicelib.notify.models import NotificationRecord

    worker.drain()
    return [n for n in NotificationRecord.scan() if n.event == event]


def test_a_question_pauses_the_clock_and_the_answer_resumes_it(api, worker, frozen):
    put_operator("operator1")
    rid = _in_progress(api, worker, CONSULT)
    due0 = api.get(f"/requests/{rid}", "consumer1")[1]["due_at"]
    st, r = api.post(f"/ops/requests/{rid}/question", "operator1", {"question": "Inflasi tahunan atau bulanan?"})
    assert st == 200 and r["status"] == "awaiting_consumer", r
    assert r["awaiting"]["kind"] == "question" and r["awaiting"]["answer_by"] > r["updated_at"]
    assert _load() == 1  # still the operator's: the answer comes back to whoever asked
    # the consumer sees the question in the request and in the conversation, and got a notice
    mine = api.get(f"/requests/{rid}", "consumer1")[1]
    assert mine["awaiting"]["text"] == "Inflasi tahunan atau bulanan?"
    msgs = api.get(f"/requests/{rid}/messages", "consumer1")[1]
    assert [m["body"] for m in msgs] == ["Inflasi tahunan atau bulanan?"]
    assert _notices(worker, "consumer_question")
    # the overdue flag and due-date reminders stop while paused; two working days pass
    frozen.advance(days=2)
    st, _ = api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Tahunan (year on year)."})
    assert st == 201
    after = api.get(f"/requests/{rid}", "consumer1")[1]
    assert after["status"] == "in_progress" and after["awaiting"] is None
    from chalicelib.core import clock
    from chalicelib.requests.sla import calendar

    expected = calendar().shift_by_pause(clock.parse_iso(due0), clock.parse_iso(r["updated_at"]), clock.now())
    assert after["due_at"] == clock.iso(expected) and after["due_at"] > due0
    assert [t["status"] for t in after["timeline"]][-3:] == ["in_progress", "awaiting_consumer", "in_progress"]
    # a second message is just a message
    assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Terima kasih"})[0] == 201
    assert api.get(f"/requests/{rid}", "consumer1")[1]["status"] == "in_progress"


def test_only_the_assignee_asks_and_only_in_progress(api, worker):
    put_operator("operator1")
    put_operator("operator2")
    rid = submit(api, CONSULT)
    assert worker.run_until(lambda: api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"] == "assigned")
    op = api.get(f"/ops/requests/{rid}", "supervisor1")[1]["assignee"]
    st, e = api.post(f"/ops/requests/{rid}/question", op, {"question": "Untuk apa?"})
    assert st == 409 and e["error"]["code"] == "illegal_transition"
    other = "operator2" if op == "operator1" else "operator1"
    assert api.post(f"/ops/requests/{rid}/question", other, {"question": "Untuk apa?"})[0] == 404
    assert api.post(f"/ops/requests/{rid}/question", op, {"question": ""})[0] == 400
    assert api.post(f"/ops/requests/{rid}/quote", op, {"lines": [{"code": "TAB-KHUSUS", "quantity": 1}]})[0] == 409


def test_quote_accept_pay_deliver(api, worker):
    put_operator("operator1")
    rid = _in_progress(api, worker, CUSTOM)
    st, t = api.get("/ops/tariff", "operator1")
    assert st == 200 and {"TAB-KHUSUS", "OLAH-MIKRO"} <= {i["code"] for i in t["items"]}
    price = {i["code"]: i["unit_price_idr"] for i in t["items"]}
    st, e = api.post(f"/ops/requests/{rid}/quote", "operator1", {"lines": [{"code": "NOPE", "quantity": 1}]})
    assert st == 400 and e["error"]["code"] == "unknown_tariff"
    st, r = api.post(f"/ops/requests/{rid}/quote", "operator1", {
        "lines": [{"code": "TAB-KHUSUS", "quantity": 3}, {"code": "SERI-WAKTU", "quantity": 2}],
        "note": "Tiga tabel silang dan dua seri waktu."})
    assert st == 200 and r["status"] == "awaiting_consumer", r
    total = 3 * price["TAB-KHUSUS"] + 2 * price["SERI-WAKTU"]
    q = api.get(f"/requests/{rid}", "consumer1")[1]["quote"]
    assert q["status"] == "sent" and q["total_idr"] == total and [ln["quantity"] for ln in q["lines"]] == [3, 2]
    assert _notices(worker, "quote_sent")
    assert api.post(f"/requests/{rid}/quote/accept", "consumer2")[0] == 404  # another consumer's
    st, r = api.post(f"/requests/{rid}/quote/accept", "consumer1")
    assert st == 200 and r["status"] == "awaiting_payment" and r["total_idr"] == total, r
    assert r["transaction_type"] == "paid" and r["quote"]["status"] == "accepted"
    assert api.post(f"/requests/{rid}/quote/accept", "consumer1")[0] == 409
    assert _load() == 0  # off the operator's load while the consumer pays
    # the workflow goes back to billing: the same SIMPONI flow as a catalog order
    assert worker.run_until(lambda: api.get(f"/requests/{rid}/billing", "consumer1")[0] == 200)
    st, b = api.get(f"/requests/{rid}/billing", "consumer1")
    assert b["amount_idr"] == total and b["status"] == "unpaid"
    st, pdf = api.call("GET", f"/requests/{rid}/invoice", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200 and pdf[:4] == b"%PDF"
    from chalicelib.billing import service as billing
    from chalicelib.requests.repository import RequestRepository

    rows = billing._doc_data(RequestRepository().get(rid), billing.billing_for(RequestRepository().get(rid)))["items"]
    assert [(x["catalog_id"], x["price_idr"]) for x in rows] == [
        ("TAB-KHUSUS", 3 * price["TAB-KHUSUS"]), ("SERI-WAKTU", 2 * price["SERI-WAKTU"])]
    st, res = signed_webhook(api, paid_event(b))
    assert st == 200, res
    # paid: delegated again, to the operator who quoted, who completes and delivers as today
    assert worker.run_until(lambda: api.get(f"/ops/requests/{rid}", "operator1")[1]["status"] == "assigned")
    r = api.get(f"/ops/requests/{rid}", "operator1")[1]
    assert r["assignee"] == "operator1" and _load() == 1
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    _upload_ready(api, worker, rid)
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terkirim"})
    assert st == 200 and r["status"] == "delivered", r
    assert worker.run_until(lambda: bool(_notices(worker, "delivered")))
    statuses = [t["status"] for t in r["timeline"]]
    # accepted → awaiting_payment, the payment recorded there, then delegated again
    assert statuses[-6:] == ["awaiting_consumer", "awaiting_payment", "awaiting_payment", "assigned", "in_progress",
                             "delivered"]


def test_quote_declined_closes_the_request(api, worker):
    put_operator("operator1")
    rid = _in_progress(api, worker, CUSTOM)
    api.post(f"/ops/requests/{rid}/quote", "operator1", {"lines": [{"code": "TAB-KHUSUS", "quantity": 1}]})
    st, r = api.post(f"/requests/{rid}/quote/decline", "consumer1", {"reason": "Terlalu mahal"})
    assert st == 200 and r["status"] == "cancelled" and r["closed_reason"] == "quote_declined", r
    assert r["quote"]["status"] == "declined" and r["quote"]["reason"] == "Terlalu mahal"
    assert _load() == 0
    assert _notices(worker, "quote_declined")
    assert api.post(f"/requests/{rid}/quote/decline", "consumer1", {})[0] == 409


def test_unanswered_waits_are_reminded_once_then_expire(api, worker, frozen):
    from chalicelib.audit.models import AuditRecord
    from chalicelib.core.config import get_settings
    from chalicelib.fulfilment import consumer

    put_operator("operator1")
    rid = _in_progress(api, worker, CONSULT)
    api.post(f"/ops/requests/{rid}/question", "operator1", {"question": "Wilayah mana?"})
    days, before = get_settings().consumer_answer_days, get_settings().consumer_reminder_days
    assert consumer.sweep() == {"reminded": 0, "expired": 0}
    frozen.advance(days=(days - before) * 7 / 5 + 1)  # into the reminder window (working days; weekends skipped)
    assert consumer.sweep() == {"reminded": 1, "expired": 0}
    assert consumer.sweep() == {"reminded": 0, "expired": 0}  # once
    assert len(_notices(worker, "consumer_reminder")) == 1
    assert "request.consumer_reminded" in [a.action for a in AuditRecord.query(rid)]
    frozen.advance(days=before * 7 / 5 + 2)
    assert consumer.sweep() == {"reminded": 0, "expired": 1}
    r = api.get(f"/requests/{rid}", "consumer1")[1]
    assert r["status"] == "expired" and r["closed_reason"] == "no_answer", r
    assert _load() == 0
    assert _notices(worker, "request_expired")
    assert consumer.sweep() == {"reminded": 0, "expired": 0}


def test_consumer_may_withdraw_while_awaited(api, worker):
    put_operator("operator1")
    rid = _in_progress(api, worker, CONSULT)
    api.post(f"/ops/requests/{rid}/question", "operator1", {"question": "Wilayah mana?"})
    st, r = api.post(f"/requests/{rid}/cancel", "consumer1")
    assert st == 200 and r["status"] == "cancelled" and _load() == 0



def test_the_billing_of_an_accepted_quote_is_told_even_when_sqs_refuses_its_notice(api, worker, monkeypatch):
    """An accepted quote goes back to billing while the request already awaits payment: the billing, the request's
    code and the consumer's "billing issued" notice commit together (an outbox row), so a refused send is relayed
    again and the consumer is told once; the audit chain records the billing."""
    from chalicelib.audit.models import AuditRecord

    put_operator("operator1")
    rid = _in_progress(api, worker, CUSTOM)
    st, r = api.post(f"/ops/requests/{rid}/quote", "operator1", {"lines": [{"code": "TAB-KHUSUS", "quantity": 1}]})
    assert st == 200, r
    refused = refuse_first_send(monkeypatch, "billing_issued")
    assert api.post(f"/requests/{rid}/quote/accept", "consumer1")[0] == 200
    assert worker.run_until(lambda: api.get(f"/requests/{rid}/billing", "consumer1")[0] == 200)
    code = api.get(f"/requests/{rid}/billing", "consumer1")[1]["billing_code"]
    told = _notices(worker, "billing_issued")
    assert refused == [f"billing_issued#{code}"] and [n.request_id for n in told] == [rid], (refused, told)
    actions = [a.action for a in AuditRecord.query(rid)]
    assert actions.count("billing.created") == 1, actions


def test_a_reminder_refused_by_sqs_is_still_sent_once(api, worker, frozen, monkeypatch):
    """The wait is marked reminded together with the reminder's outbox row: a send SQS refuses is relayed again."""
    from chalicelib.core.config import get_settings
    from chalicelib.fulfilment import consumer

    put_operator("operator1")
    rid = _in_progress(api, worker, CONSULT)
    api.post(f"/ops/requests/{rid}/question", "operator1", {"question": "Wilayah mana?"})
    days, before = get_settings().consumer_answer_days, get_settings().consumer_reminder_days
    frozen.advance(days=(days - before) * 7 / 5 + 1)
    refused = refuse_first_send(monkeypatch, "consumer_reminder")
    assert consumer.sweep() == {"reminded": 1, "expired": 0}
    assert consumer.sweep() == {"reminded": 0, "expired": 0}
    told = _notices(worker, "consumer_reminder")
    assert len(refused) == 1 and [n.request_id for n in told] == [rid], (refused, told)

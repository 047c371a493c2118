"""The transactional outbox (issue 15): a message that follows a committed change is written in the same DynamoDB
transaction and relayed afterwards, so a process that dies right after the commit loses nothing; a relay that
runs twice still delivers once (the consumer deduplicates by key)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, refuse_first_send, signed_webhook, status_of, submit


class Crash(BaseException):
    """The process dies: not an Exception, so no handler catches it and nothing after it runs."""


def payment_mails(rid: str) -> list[Any]:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends["123456789012"]["ap-southeast-3"].sent_messages
            if "consumer1@example.id" in m.destinations.get("ToAddresses", [])
            and m.subject == f"[SILASTIK] Pembayaran permintaan {rid} telah diterima"]


def queued(url: str) -> int:
    sqs = boto3.client("sqs", region_name="ap-southeast-3")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                     "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attrs["Attributes"].values())


def outbox_rows() -> list[Any]:
    from chalicelib.core.outbox import OutboxRecord

    return list(OutboxRecord.scan())


def test_crash_right_after_a_committed_payment_still_sends_the_email_exactly_once(api, worker, aws_env, monkeypatch):
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from chalicelib.core.outbox import relay
    from chalicelib.requests import sweeper
    from chalicelib.requests.effects import Effects
    from chalicelib.requests.models import RequestRecord

    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: RequestRecord.get(rid).waiting_task("payment") is not None), status_of(api, rid)
    worker.drain(settle_s=0.3)
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    event = paid_event(billing)

    def die(self: Effects) -> None:
        raise Crash("killed right after the commit")

    monkeypatch.setattr(Effects, "after_commit", die)
    with pytest.raises(Crash):
        signed_webhook(api, event)
    monkeypatch.undo()

    # committed: the request is paid, the billing too; nothing was sent — the e-mail is only in the outbox
    rec = RequestRecord.get(rid)
    assert rec.paid_at and rec.answer_pending
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "paid"
    assert queued(aws_env["NOTIFY_QUEUE_URL"]) == 0 and payment_mails(rid) == []
    [row] = [r for r in outbox_rows() if r.id == f"notify#payment_received#{billing['billing_code']}"]
    assert json.loads(row.body)["event"] == "payment_received"

    # the relay (the outbox stream in AWS, the worker here) sends it; the notify worker delivers it once
    worker.drain(settle_s=0.3)
    assert len(payment_mails(rid)) == 1
    assert outbox_rows() == []

    # the provider, which got no answer, delivers the webhook again; the same row relayed a second time
    st, res = signed_webhook(api, event)
    assert st == 200 and res["result"] in ("duplicate", "already_paid"), res
    relay(row.id, row.queue, row.body)
    worker.drain(settle_s=0.3)
    assert len(payment_mails(rid)) == 1

    # and the workflow's answer, written with the payment, is re-sent by the sweeper: the request moves on
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=2)))
    try:
        assert sweeper.confirm_answers()["resent"] == 1
    finally:
        clock.set_clock(None)
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20), status_of(api, rid)
    assert len(payment_mails(rid)) == 1


def test_a_failed_relay_leaves_the_row_for_the_next_sweep(api, worker, aws_env, monkeypatch):
    """SQS refuses the send: the row stays (pending) and the tick's sweep relays it later."""
    from chalicelib.core import clock, outbox
    from chalicelib.core.clock import FrozenClock

    rows = outbox.rows([outbox.Message("notify", "test#1", {"event": "rating_prompt", "to_user": "consumer1",
                                                             "to_email": "consumer1@example.id", "channel": "email",
                                                             "ctx": {"request_id": "R-X"}})])
    rows[0].save()

    def refuse(queue: str, body: dict[str, Any]) -> None:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(outbox, "_send", refuse)
    assert worker.poll_outbox() == 0
    assert [r.id for r in outbox_rows()] == ["notify#test#1"]
    monkeypatch.undo()
    assert outbox.sweep()["relayed"] == 0  # younger than a minute: the stream's to relay
    clock.set_clock(FrozenClock(clock.now() + timedelta(minutes=2)))
    try:
        assert outbox.sweep() == {"relayed": 1, "failed": 0}
    finally:
        clock.set_clock(None)
    assert outbox_rows() == []
    assert queued(aws_env["NOTIFY_QUEUE_URL"]) == 1


def test_notices_of_messages_mentions_answers_and_codes_survive_a_queue_outage(api, worker, aws_env, monkeypatch):
    """SQS refuses every send while the people act: a staff reply, the consumer's message, a forum mention, a unit's
    escalation answer and a new e-mail address's code each commit with their notice as an outbox row (no send on
    the request path), so once SQS is back the relay delivers each notice exactly once."""
    from chalicelib.core import queues
    from chalicelib.escalation.service import add_member
    from chalicelib.notify import worker as notify_worker

    standard_catalog()
    put_operator("operator1")
    put_operator("operator2")
    add_member("sosial", "producer1", "Bambang Prasetyo")
    st, req = api.post("/requests", "consumer1", {
        "kind": "consultation", "topic": "metadata", "subject": "Definisi pengangguran",
        "question": "Apa definisi pengangguran terbuka yang dipakai Sakernas?"})
    assert st == 201, req
    rid = req["request_id"]
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    st, esc = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "sosial", "question": "Definisi?"})
    assert st == 201, esc
    worker.drain(settle_s=0.3)

    handled: list[dict[str, Any]] = []
    original = notify_worker.handle

    def record(message: dict[str, Any]) -> None:
        original(message)
        handled.append(message)

    monkeypatch.setattr(notify_worker, "handle", record)
    real_send = queues.send

    def outage(queue: str, body: dict[str, Any]) -> Any:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(queues, "send", outage)
    st, done = api.post(f"/ops/escalations/{esc['escalation_id']}/answer", "producer1", {"answer": "Lihat pedoman."})
    assert st == 200, done
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Berikut penjelasannya."})[0] == 201
    assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Terima kasih, satu lagi."})[0] == 201
    st, thread = api.post("/ops/forum/threads", "operator1", {"title": "Definisi", "body": "@operator2 tahu?"})
    assert st == 201, thread
    st, me = api.put("/me", "consumer1", {"email": "baru@example.id"})
    assert st == 200 and me["pending_email"] == "baru@example.id", me
    assert queued(aws_env["NOTIFY_QUEUE_URL"]) == 0  # nothing went out; every notice waits in the outbox
    assert len(outbox_rows()) == 5

    monkeypatch.setattr(queues, "send", real_send)  # SQS is back: the relay sends, the notify worker delivers
    worker.drain(settle_s=0.3)
    got = sorted((m["event"], m.get("to_user") or m.get("to_email")) for m in handled)
    assert got == [("email_verification", "baru@example.id"), ("forum_mention", "operator2"),
                   ("new_message", "consumer1"), ("new_message", "operator1"), ("new_message", "operator1")], got
    assert outbox_rows() == []
    code_mail = [m for m in handled if m["event"] == "email_verification"][0]
    st, verified = api.post("/me/email/verify", "consumer1", {"code": code_mail["ctx"]["code"]})
    assert st == 200 and verified["email"] == "baru@example.id", verified


def test_a_workflow_step_whose_notice_is_lost_is_redelivered_and_the_consumer_told_once(api, worker, monkeypatch):
    """SQS refuses the triage step's "complaint received" notice: the step raises before answering its token, the
    workflow queue redelivers it, and the repeat (idempotent) sends it; the consumer gets it once."""
    put_operator("operator1")
    refused = refuse_first_send(monkeypatch, "complaint_received")
    st, req = api.post("/requests", "consumer1", {"kind": "complaint", "message": "Data tidak lengkap"})
    assert st == 201, req
    rid = req["request_id"]
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=30), status_of(api, rid)
    worker.drain(settle_s=0.3)
    assert refused == [f"complaint_received#{rid}"]
    st, mine = api.get("/me/notifications", "consumer1")
    assert [n["event"] for n in mine["items"] if n["request_id"] == rid].count("complaint_received") == 1, mine

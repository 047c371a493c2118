"""Notifications (issue 8), in-process end to end: outbox → notify queue → notify_worker → SES (moto), the
scheduled reminders with a frozen clock, the DLQ and its redrive, and `GET /me/notifications`."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core import clock
from chalicelib.core.fmt import format_date_id
from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}



def sent() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends["123456789012"]["ap-southeast-3"].sent_messages)


def mails(to: str | None = None, about: str | None = None) -> list[Any]:
    return [m for m in sent() if (to is None or to in m.destinations.get("ToAddresses", []))
            and (about is None or about in m.subject)]


def tick() -> dict[str, Any]:
    from chalicelib.fulfilment.tick import tick as run_tick

    out = run_tick()
    assert out["reminders"] != "error" and out["reminders"]["errors"] == 0, out
    return out["reminders"]


def subjects(to: str) -> list[str]:
    return [m.subject for m in mails(to)]


def test_request_notifications_due_reminders_and_my_notifications(api, worker, frozen):
    put_operator("operator1")
    rid = submit(api, CONSULT)
    early = submit(api, {**CONSULT, "subject": "Kemiskinan"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned" and status_of(api, early) == "assigned")
    # the second one is answered on the first day: it must never get a due-date reminder
    assert api.post(f"/ops/requests/{early}/start", "operator1")[0] == 200
    assert api.post(f"/ops/requests/{early}/complete", "operator1", {"note": "dijawab"})[0] == 200
    worker.drain()
    consumer, operator, supervisor = "consumer1@example.id", "operator1@bps.example.id", "supervisor1@bps.example.id"
    assert sorted(subjects(consumer)) == sorted([
        f"[SILASTIK] Permintaan {rid} telah diterima", f"[SILASTIK] Permintaan {early} telah diterima",
        f"[SILASTIK] Hasil permintaan {early} telah tersedia"])
    assert sorted(subjects(operator)) == sorted([f"[SILASTIK] Permintaan {r} didelegasikan kepada Anda"
                                                 for r in (rid, early)])
    received = mails(consumer, f"{rid} telah diterima")[0]
    due = clock.parse_iso(api.get(f"/requests/{rid}", "consumer1")[1]["due_at"])
    assert due == frozen.current + timedelta(days=3)  # 3 working days: Thursday 09:00 WIB
    assert "Yth. Budi Santoso" in received.body and format_date_id(due, with_time=True, with_weekday=True) in received.body
    assert f'href="http://127.0.0.1:8080/#/permintaan/{rid}"' in received.body

    frozen.set(due - timedelta(days=1, minutes=1))  # just before "one working day before"
    assert tick()["due_soon"] == 0
    frozen.set(due - timedelta(days=1))
    assert tick()["due_soon"] == 1
    assert tick()["due_soon"] == 0  # each threshold exactly once
    worker.drain()
    [soon] = mails(operator, "mendekati batas waktu")
    assert rid in soon.subject and "Kamis, " in soon.body and "24 jam" in soon.body
    assert [m.subject for m in mails(consumer, "Bagaimana layanan kami")] == [
        f"[SILASTIK] Bagaimana layanan kami untuk permintaan {early}?"]  # rating prompt 24 h after delivery

    frozen.set(due)
    out = tick()
    assert (out["overdue"], out["overdue_supervisor"]) == (1, 1)
    assert tick()["overdue"] == 0
    worker.drain()
    assert len(mails(operator, "Terlambat")) == 1 and len(mails(supervisor, "Terlambat")) == 1
    assert "Petugas penanggung jawab: operator1" in mails(supervisor, "Terlambat")[0].body
    # the early-completed request never got a due-date reminder or an escalation
    assert not [m for m in sent() if early in m.subject and ("batas waktu" in m.subject or "Terlambat" in m.subject)]

    # the operator's in-app list: newest first, paginated, mark read
    st, page = api.get("/me/notifications?page_size=2", "operator1")
    assert st == 200, page
    assert [n["event"] for n in page["items"]] == ["overdue", "due_soon"] and page["next_cursor"]
    assert all(n["request_id"] == rid and not n["read"] for n in page["items"])
    st, rest = api.get(f"/me/notifications?page_size=2&cursor={page['next_cursor']}", "operator1")
    assert st == 200 and [n["event"] for n in rest["items"]] == ["assigned", "assigned"], rest
    nid = page["items"][0]["notif_id"]
    st, read = api.post(f"/me/notifications/{nid}/read", "operator1")
    assert st == 200 and read["read"] and read["read_at"]
    assert api.get("/me/notifications", "operator1")[1]["items"][0]["read"] is True
    assert api.post(f"/me/notifications/{nid}/read", "consumer1")[0] == 404  # not theirs
    st, mine = api.get("/me/notifications", "consumer1")
    assert st == 200 and {n["event"] for n in mine["items"]} == {"request_received", "delivered", "rating_prompt"}
    assert api.get("/me/notifications?cursor=bm9wZQ", "consumer1")[0] == 400
    assert api.get("/me/notifications")[0] == 401


def test_billing_emails_in_rupiah_and_expiry_reminder(api, worker, frozen):
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment"), status_of(api, rid)
    worker.drain()
    consumer = "consumer1@example.id"
    [issued] = mails(consumer, "Tagihan PNBP")
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    expires = clock.parse_iso(billing["expires_at"])
    assert "Rp 150.000 (seratus lima puluh ribu rupiah)" in issued.body
    assert format_date_id(expires, with_time=True, with_weekday=True) in issued.body
    assert billing["billing_code"] in issued.body

    frozen.set(expires - timedelta(hours=25))
    assert tick()["billing_expiring"] == 0
    frozen.set(expires - timedelta(hours=23))
    assert tick()["billing_expiring"] == 1
    assert tick()["billing_expiring"] == 0
    worker.drain()
    [reminder] = mails(consumer, "segera kedaluwarsa")
    assert "23 jam" in reminder.body and "Rp 150.000" in reminder.body and rid in reminder.subject
    assert not [m for m in sent() if "batas waktu" in m.subject]  # paused: no due-date reminder


def test_ses_failure_goes_to_dlq_and_redrive_sends_once(api, worker, frozen, aws_env):
    import boto3

    from chalicelib.core import idem
    from chalicelib.notify import outbox
    from local.redrive import queue_urls, redrive

    sqs = boto3.client("sqs", region_name="ap-southeast-3")
    ses = boto3.client("ses", region_name="ap-southeast-3")
    dlq_url, notify_url = queue_urls(sqs, "notify", aws_env["PREFIX"])
    assert notify_url == aws_env["NOTIFY_QUEUE_URL"]
    sqs.set_queue_attributes(QueueUrl=notify_url, Attributes={"RedrivePolicy": json.dumps({
        "deadLetterTargetArn": sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        ["Attributes"]["QueueArn"], "maxReceiveCount": 2})})
    for identity in ses.list_identities()["Identities"]:  # SES now rejects every message (MessageRejected)
        ses.delete_identity(Identity=identity)

    outbox.enqueue("rating_prompt", key="rating_prompt#R-TEST1", to_user="consumer1", to_email="consumer1@example.id",
                   ctx={"request_id": "R-TEST1", "kind": "consultation", "portal": True})
    assert worker.poll_queue("notify") == 1 and worker.failed == 1
    assert idem.IdempotencyRecord.get("notif#rating_prompt#R-TEST1").status == "failed"
    time.sleep(2.1)  # the worker made the failed message visible again after 2 s
    assert worker.poll_queue("notify") == 1 and worker.failed == 2
    time.sleep(2.1)
    assert worker.poll_queue("notify") == 0  # maxReceiveCount reached: moved to the DLQ

    def depth(url: str) -> int:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    assert depth(dlq_url) == 1 and not mails("consumer1@example.id")

    ses.verify_email_identity(EmailAddress=aws_env["MAIL_FROM"])  # fixed: redrive
    assert redrive(sqs, dlq_url, notify_url) == 1
    assert depth(dlq_url) == 0
    worker.drain()
    assert len(mails("consumer1@example.id", "Bagaimana layanan kami untuk permintaan R-TEST1")) == 1
    # a duplicate delivery of the same notification (e.g. redriven twice) never sends again
    outbox.enqueue("rating_prompt", key="rating_prompt#R-TEST1", to_user="consumer1", to_email="consumer1@example.id",
                   ctx={"request_id": "R-TEST1", "kind": "consultation", "portal": True})
    worker.drain()
    assert len(mails("consumer1@example.id")) == 1
    st, page = api.get("/me/notifications", "consumer1")
    assert st == 200 and [(n["event"], n["request_id"]) for n in page["items"]] == [("rating_prompt", "R-TEST1")]
    assert page["items"][0]["url"] == "http://127.0.0.1:8080/#/permintaan/R-TEST1"


def test_worker_resolves_recipients_and_every_event_renders(api, worker, frozen):
    """Each event the app enqueues renders with the context its caller gives (recipient and link filled)."""
    from chalicelib.notify import outbox
    from chalicelib.notify.worker import handle
    from chalicelib.users.models import UserRecord

    put_operator("operator2", name="Rina Wulandari")
    now = clock.iso()
    UserRecord(user_id="consumer2", name="Siti Nurhaliza Putri", email="consumer2@example.id", roles=["consumer"],
               created_at=now, updated_at=now).save()
    base = {"request_id": "R-X1", "kind": "data_order"}
    cases = [
        ("assigned", "operator2", None, {**base, "due_at": now}),
        ("new_message", "operator2", None, {**base, "message_excerpt": "Mohon datanya"}),
        ("new_message", "consumer2", None, {**base, "message_excerpt": "Data terlampir", "portal": True}),
        ("escalation", "operator2", None, {**base, "reason": "Butuh produsen"}),
        ("request_rejected", "consumer2", None, {**base, "reason": "Tidak tersedia", "portal": True}),
        ("request_expired", "consumer2", None, {**base, "portal": True}),
        ("complaint_received", "consumer2", None, {**base, "kind": "complaint", "due_at": now, "portal": True}),
    ]
    for i, (event, user, email, ctx) in enumerate(cases):
        handle({"event": event, "key": f"case#{i}", "to_user": user, "to_email": email, "channel": "email", "ctx": ctx})
    by_to = {}
    for m in sent():
        by_to.setdefault(m.destinations["ToAddresses"][0], []).append(m)
    assert len(by_to["operator2@bps.example.id"]) == 3 and len(by_to["consumer2@example.id"]) == 4
    assert all("Yth. Rina Wulandari" in m.body for m in by_to["operator2@bps.example.id"])
    assert all("Yth. Siti Nurhaliza Putri" in m.body for m in by_to["consumer2@example.id"])
    # staff links go to the admin page, consumer links to the portal (both the same host locally)
    assert all("/#/permintaan/R-X1" in m.body for m in sent())
    # a recipient without any address: no e-mail, but the in-app notification is kept
    handle({"event": "request_expired", "key": "case#noaddr", "to_user": "consumer9", "to_email": None,
            "channel": "email", "ctx": {**base, "portal": True}})
    assert len(sent()) == 7
    from chalicelib.notify.models import NotificationRecord

    [rec] = list(NotificationRecord.query("consumer9"))
    assert rec.delivery == "no_address" and "Bapak/Ibu" in rec.body
    # an unknown channel or a missing required key fails loudly (retried, then dead-lettered)
    with pytest.raises(ValueError):
        handle({"event": "assigned", "key": "case#sms", "to_user": "operator2", "channel": "sms", "ctx": base})
    with pytest.raises(KeyError):
        handle({"event": "billing_issued", "key": "case#bad", "to_user": "consumer2", "ctx": base})
    outbox.enqueue("assigned", key="case#0", to_user="operator2", ctx={**base, "due_at": now})  # same key again
    worker.drain()
    assert len(sent()) == 7

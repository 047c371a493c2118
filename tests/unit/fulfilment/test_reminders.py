"""Reminder rules (chalicelib.fulfilment.reminders) against moto, with a frozen clock: what lands on the notify
queue, once per threshold. The end-to-end path (worker, SES, API) is in tests/integration/notify/test_notifications.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.core import clock


@pytest.fixture
def notify_queue(aws_env: dict[str, str]) -> Any:
    import boto3

    sqs = boto3.client("sqs", region_name="ap-southeast-3")
    url = aws_env["NOTIFY_QUEUE_URL"]

    def take() -> list[dict[str, Any]]:
        out = []
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

    return take


def make_request(rid: str, status: str, due_at: datetime | None, assignee: str | None = "operator1",
                 **extra: Any) -> Any:
    from chalicelib.requests.models import Contact, RequestRecord
    from chalicelib.requests.repository import RequestRepository

    now = clock.iso()
    rec = RequestRecord(request_id=rid, kind="consultation", status=status, consumer_id="consumer1",
                        consumer=Contact(name="Budi Santoso", email="consumer1@example.id", email_verified=True), created_by="consumer1",
                        created_at=now, updated_at=now, sla_days=3, due_at=clock.iso(due_at) if due_at else None,
                        assignee=assignee, transaction_type="free", **extra)
    return RequestRepository().create(rec, "test")


def events(messages: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return sorted((m["event"], m["ctx"].get("request_id")) for m in messages)


def run() -> dict[str, int]:
    from chalicelib.fulfilment import reminders

    out = reminders.run()
    assert out["errors"] == 0, out
    return out


def test_due_thresholds_are_working_day_aware_and_fire_once(frozen, notify_queue):
    monday = frozen.current
    due = monday + timedelta(days=7, hours=1)  # next Monday 10:00 WIB
    make_request("R-DUE1", "in_progress", due)
    frozen.set(monday + timedelta(days=4, minutes=59))  # Friday 09:59 WIB: 1 working day + 1 min left
    assert run()["due_soon"] == 0 and notify_queue() == []
    frozen.set(monday + timedelta(days=4, hours=1))  # Friday 10:00 WIB: one working day before (not Sunday)
    assert run()["due_soon"] == 1
    assert run()["due_soon"] == 0  # a second tick sends nothing
    [msg] = notify_queue()
    assert msg["event"] == "due_soon" and msg["to_user"] == "operator1"
    assert msg["ctx"]["due_at"] == clock.iso(due) and msg["ctx"]["hours_left"] == 72.0
    frozen.set(monday + timedelta(days=6))  # Sunday: nothing new
    run()
    assert notify_queue() == []

    frozen.set(due)  # at due: the assignee and the supervisor
    out = run()
    assert (out["overdue"], out["overdue_supervisor"]) == (1, 1)
    assert run()["overdue"] == 0
    msgs = notify_queue()
    assert events(msgs) == [("overdue", "R-DUE1"), ("overdue_supervisor", "R-DUE1")]
    sup = next(m for m in msgs if m["event"] == "overdue_supervisor")
    assert sup["to_email"] == "supervisor1@bps.example.id" and sup["ctx"]["operator_name"] == "operator1"
    frozen.set(due + timedelta(hours=23))  # not yet a full working day overdue
    run()
    assert notify_queue() == []
    frozen.set(due + timedelta(days=1))  # one working day overdue: repeated
    assert run()["overdue_supervisor"] == 1
    assert events(notify_queue()) == [("overdue", "R-DUE1"), ("overdue_supervisor", "R-DUE1")]
    frozen.set(due + timedelta(days=1, hours=2))
    run()
    assert notify_queue() == []


def test_paused_closed_and_unassigned(frozen, notify_queue):
    now = frozen.current
    make_request("R-PAID", "awaiting_payment", now + timedelta(hours=2))  # paused: the status decides
    make_request("R-APPR", "awaiting_approval", now - timedelta(days=3))
    make_request("R-DONE", "delivered", now + timedelta(hours=2), delivered_at=clock.iso(now))
    make_request("R-QUEUED", "queued", now + timedelta(hours=2), assignee=None)
    assert run()["due_soon"] == 0
    assert notify_queue() == []
    frozen.advance(hours=3)  # all past due: only the queued one escalates, to the supervisor only
    out = run()
    assert (out["overdue"], out["overdue_supervisor"]) == (0, 1)
    assert events(notify_queue()) == [("overdue_supervisor", "R-QUEUED")]


def test_moved_due_date_rearms_and_late_tick_sends_only_the_most_urgent(frozen, notify_queue, monkeypatch):
    from chalicelib.core.config import reset_settings
    from chalicelib.requests.repository import RequestRepository

    monkeypatch.setenv("REMINDER_THRESHOLDS_H", "48,24,0")
    reset_settings()
    now = frozen.current
    rec = make_request("R-MOVE", "assigned", now + timedelta(hours=3))  # both 48 h and 24 h already passed
    out = run()
    assert out["due_soon"] == 1
    [msg] = notify_queue()
    assert msg["ctx"]["threshold_h"] == 24
    assert run()["due_soon"] == 0
    # the supervisor moves the due date two days later: the reminders re-arm for the new date
    repo = RequestRepository()
    repo.transition(repo.get(rec.request_id), "assigned", "supervisor1", set_={"due_at": clock.iso(now + timedelta(days=2))})
    assert run()["due_soon"] == 1  # exactly 2 working days left: the 48 h threshold
    assert notify_queue()[0]["ctx"]["threshold_h"] == 48
    assert run()["due_soon"] == 0


def test_every_supervisor_when_none_configured(frozen, notify_queue, monkeypatch):
    from chalicelib.core.config import reset_settings
    from chalicelib.users.models import UserRecord
    from tests.factories import put_operator

    monkeypatch.setenv("SUPERVISOR_EMAIL", "")
    reset_settings()
    put_operator("operator1")
    put_operator("supervisor1")
    now = clock.iso()
    for uid, roles in (("operator1", ["operator"]), ("supervisor1", ["supervisor", "operator"])):
        UserRecord(user_id=uid, name=uid, email=f"{uid}@bps.example.id", roles=roles, created_at=now,
                   updated_at=now).save()
    make_request("R-LATE", "in_progress", frozen.current - timedelta(hours=1))
    out = run()
    assert out["overdue_supervisor"] == 1
    sup = [m for m in notify_queue() if m["event"] == "overdue_supervisor"]
    assert [(m["to_user"], m["to_email"]) for m in sup] == [("supervisor1", None)]


def test_billing_expiry_reminder(frozen, notify_queue):
    from chalicelib.billing.models import BillingRecord

    now = frozen.current
    make_request("R-BILL", "awaiting_payment", now + timedelta(days=5), assignee=None, billing_code="820000000000001",
                 total_idr=150000)
    make_request("R-BILL2", "cancelled", None, assignee=None)
    for code, rid, expires in (("820000000000001", "R-BILL", now + timedelta(hours=30)),
                               ("820000000000002", "R-BILL2", now + timedelta(hours=20))):
        BillingRecord(billing_code=code, request_id=rid, amount_idr=150000, status="unpaid",
                      created_at=clock.iso(now - timedelta(days=6)), expires_at=clock.iso(expires)).save()
    assert run()["billing_expiring"] == 0  # 30 h left; the other request is closed
    frozen.advance(hours=7)  # 23 h left
    assert run()["billing_expiring"] == 1
    assert run()["billing_expiring"] == 0
    [msg] = notify_queue()
    assert msg["event"] == "billing_expiring" and msg["to_email"] == "consumer1@example.id"
    assert msg["ctx"]["amount_idr"] == 150000 and msg["ctx"]["hours_left"] == 23.0 and msg["ctx"]["portal"]
    assert BillingRecord.get("820000000000001").reminded_at == clock.iso()


def test_rating_prompt_then_auto_completion(frozen, notify_queue):
    from chalicelib.requests.repository import RequestRepository

    now = frozen.current
    make_request("R-DLV", "delivered", None, delivered_at=clock.iso(now))
    frozen.advance(hours=23)
    assert run()["rating_prompt"] == 0
    frozen.advance(hours=1)
    assert run()["rating_prompt"] == 1
    assert run()["rating_prompt"] == 0
    assert events(notify_queue()) == [("rating_prompt", "R-DLV")]
    frozen.set(now + timedelta(days=7))
    assert run()["auto_completed"] == 1
    rec = RequestRepository().get("R-DLV")
    assert rec.status == "completed" and rec.timeline[-1].actor == "system" and rec.completed_at
    assert run()["auto_completed"] == 0 and notify_queue() == []


def test_failed_enqueue_rearms_the_reminder(frozen, notify_queue, monkeypatch):
    from chalicelib.core import queues
    from chalicelib.fulfilment import reminders

    make_request("R-ENQ", "in_progress", frozen.current + timedelta(hours=2))
    real_send = queues.send

    def broken(*a: Any, **k: Any) -> None:
        raise RuntimeError("sqs down")

    monkeypatch.setattr(queues, "send", broken)
    out = reminders.run()
    assert out["errors"] == 1 and out["due_soon"] == 0
    monkeypatch.setattr(queues, "send", real_send)
    assert run()["due_soon"] == 1
    assert events(notify_queue()) == [("due_soon", "R-ENQ")]

"""The notifications of a request's path, built once (the consumer's context is the same for each event)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.outbox import Message
from chalicelib.notify.outbox import notice
from chalicelib.requests.models import RequestRecord


def to_consumer(event: str, rec: RequestRecord, key: str, **ctx: Any) -> Message:
    c = rec.consumer
    return notice(event, key=key, to_user=rec.consumer_id, to_email=c.mail_to if c else None,
                  ctx={"recipient_name": c.name if c else "", "request_id": rec.request_id, "kind": rec.kind,
                       "portal": True, **ctx})


def send(message: Message, *, strict: bool = False) -> None:
    """Send a notice that follows no write of ours (e.g. a workflow step that only reads); errors are logged, or
    raised when `strict` (a queue consumer's step: its message is redelivered and the step, idempotent, sends it
    again; the notify worker delivers a key once)."""
    from chalicelib.notify.outbox import enqueue

    body = message.body
    enqueue(body["event"], key=message.key, to_user=body["to_user"], to_email=body["to_email"], ctx=body["ctx"],
            channel=body["channel"], strict=strict)


def received(rec: RequestRecord) -> Message:
    event = "complaint_received" if rec.kind == "complaint" else "request_received"
    extra = {"message_excerpt": (rec.message or "")[:200]} if rec.kind == "complaint" else {}
    return to_consumer(event, rec, f"{event}#{rec.request_id}", due_at=rec.due_at, status=rec.status, **extra)


def assigned(request_id: str, kind: str, due_at: str | None, assignee: str, assigned_at: str) -> Message:
    return notice("assigned", key=f"assigned#{request_id}#{assignee}#{assigned_at}", to_user=assignee,
                  ctx={"request_id": request_id, "kind": kind, "due_at": due_at})

"""Notifications as messages on the notify queue (with a DLQ), each carrying an idempotency key so that a
redelivery never sends twice.

`notice()` builds the message; a change that commits something passes it in its transaction's effects
(core.outbox: written with the change, relayed after it). `enqueue()` sends one directly, for notifications that
follow no write of ours (reminders, which re-arm themselves when the send fails)."""

from __future__ import annotations

from typing import Any

from chalicelib.core import obs, queues
from chalicelib.core.outbox import Message


def notice(event: str, *, key: str, to_user: str | None = None, to_email: str | None = None,
           ctx: dict[str, Any] | None = None, channel: str = "email") -> Message:
    return Message(queues.NOTIFY, key, {"event": event, "to_user": to_user, "to_email": to_email,
                                        "channel": channel, "ctx": ctx or {}})


def enqueue(event: str, *, key: str, to_user: str | None = None, to_email: str | None = None,
            ctx: dict[str, Any] | None = None, channel: str = "email", strict: bool = False) -> None:
    """Put one notification on the notify queue. Errors are logged and swallowed (a notification must not
    fail the business operation) unless `strict` (the reminder job re-arms the reminder instead)."""
    m = notice(event, key=key, to_user=to_user, to_email=to_email, ctx=ctx, channel=channel)
    try:
        queues.send(m.queue, {**m.body, "key": m.key})
    except Exception:  # noqa: BLE001 - a notification must not fail the business operation
        if strict:
            raise
        obs.logger().exception("notification enqueue failed", extra={"event": event})

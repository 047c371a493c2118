"""The notification outbox: every notification is a message on the notify queue (with a DLQ), carrying
an idempotency key so that a redelivery never sends twice."""

from __future__ import annotations

from typing import Any

from chalicelib.core import obs, queues


def enqueue(event: str, *, key: str, to_user: str | None = None, to_email: str | None = None,
            ctx: dict[str, Any] | None = None, channel: str = "email", strict: bool = False) -> None:
    """Put one notification on the notify queue. Errors are logged and swallowed (a notification must not
    fail the business operation) unless `strict` (the reminder job re-arms the reminder instead)."""
    try:
        queues.send(queues.NOTIFY, {"event": event, "key": key, "to_user": to_user, "to_email": to_email,
                                    "channel": channel, "ctx": ctx or {}})
    except Exception:  # noqa: BLE001 - a notification must not fail the business operation
        if strict:
            raise
        obs.logger().exception("notification enqueue failed", extra={"event": event})

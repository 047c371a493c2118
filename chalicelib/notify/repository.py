"""Data access for the in-app notifications (table `notifications`)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.notify.models import NotificationRecord
from chalicelib.notify.templates import RenderedEmail


def store(user_id: str, event: str, channel: str, delivery: str, rendered: RenderedEmail, ctx: dict[str, Any],
          digest: str, message_id: str | None) -> NotificationRecord:
    now = clock.now()
    rec = NotificationRecord(
        user_id=user_id, notif_id=f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest}", event=event,
        channel=channel, delivery=delivery, request_id=ctx.get("request_id") or None, subject=rendered.subject,
        body=rendered.text, url=str(ctx.get("request_url") or "") or None, created_at=clock.iso(now),
        key_digest=digest, message_id=message_id or None,
        expiration=int(now.timestamp()) + get_settings().retention_days_notifications * 86400)
    rec.save()
    return rec


def page(user_id: str, page_size: int, start_key: dict[str, Any] | None) -> tuple[list[NotificationRecord], Any]:
    """The user's notifications, newest first; returns (items, the last evaluated key if there may be more)."""
    it = NotificationRecord.query(user_id, scan_index_forward=False, limit=page_size, last_evaluated_key=start_key)
    items = []
    for rec in it:
        items.append(rec)
        if len(items) >= page_size:
            break
    return items, (it.last_evaluated_key if len(items) >= page_size else None)


def all_for(user_id: str) -> list[NotificationRecord]:
    return list(NotificationRecord.query(user_id, scan_index_forward=False))


def mark_read(user_id: str, notif_id: str) -> NotificationRecord | None:
    """Set read_at once (kept if already read); None if there is no such notification."""
    N = NotificationRecord
    rec = N(user_id=user_id, notif_id=notif_id)
    try:
        rec.update(actions=[N.read_at.set(N.read_at | clock.iso())], condition=N.notif_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return rec

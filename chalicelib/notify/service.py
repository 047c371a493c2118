"""The caller's notifications (`GET /me/notifications`, mark read). Sending is the notify worker's
(notify/worker.py); the messages come from `notify.outbox`."""

from __future__ import annotations

from typing import Any

from chalicelib.notify import repository
from chalicelib.notify.models import NotificationRecord


def to_out(rec: NotificationRecord) -> dict[str, Any]:
    return {"notif_id": rec.notif_id, "event": rec.event, "channel": rec.channel, "delivery": rec.delivery,
            "request_id": rec.request_id, "subject": rec.subject, "body": rec.body or "", "url": rec.url,
            "created_at": rec.created_at, "read_at": rec.read_at, "read": bool(rec.read_at)}


def _start_key(user_id: str, cursor: str | None) -> dict[str, Any] | None:
    from chalicelib.core.db import decode_cursor
    from chalicelib.core.errors import BadRequest

    key = decode_cursor(cursor)
    if key is None:
        return None
    try:
        ok = set(key) == {"user_id", "notif_id"} and key["user_id"] == {"S": user_id} \
            and isinstance(key["notif_id"].get("S"), str)
    except (AttributeError, TypeError):
        ok = False
    if not ok:
        raise BadRequest("invalid cursor")
    return key


def list_for(user_id: str, page_size: int, cursor: str | None) -> dict[str, Any]:
    from chalicelib.core.db import encode_cursor

    items, next_key = repository.page(user_id, page_size, _start_key(user_id, cursor))
    return {"items": [to_out(r) for r in items], "next_cursor": encode_cursor(next_key)}


def mark_read(user_id: str, notif_id: str) -> dict[str, Any]:
    from chalicelib.core.errors import NotFound

    rec = repository.mark_read(user_id, notif_id)
    if rec is None:
        raise NotFound("notification not found")
    return to_out(rec)


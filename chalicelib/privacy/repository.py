"""Privacy's data access: a consumer's requests (GSI `by_consumer`) and the retention watermark."""

from __future__ import annotations

from typing import Any

from chalicelib.core import clock, idem
from chalicelib.privacy.models import WATERMARK_KEY
from chalicelib.requests.models import RequestRecord


def requests_of(user_id: str) -> list[RequestRecord]:
    return list(RequestRecord.by_consumer.query(user_id, scan_index_forward=False))


def watermark() -> dict[str, Any]:
    try:
        return idem.IdempotencyRecord.get(WATERMARK_KEY, consistent_read=True).data or {}
    except idem.IdempotencyRecord.DoesNotExist:
        return {}


def save_watermark(created_at: str, request_id: str) -> None:
    idem.IdempotencyRecord(id=WATERMARK_KEY, status="done", at=clock.iso(),
                           data={"created_at": created_at, "request_id": request_id}).save()

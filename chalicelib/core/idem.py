"""Idempotency keys in DynamoDB (conditional puts): a key is claimed once; redeliveries see it taken."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.core import clock
from chalicelib.core.db import meta


class IdempotencyRecord(Model):
    Meta = meta("idempotency")

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default="done")
    at = UnicodeAttribute()
    expiration = NumberAttribute(null=True)
    data = JSONAttribute(null=True)


def record(key: str, status: str = "done", ttl_days: int = 90, data: dict[str, Any] | None = None) -> IdempotencyRecord:
    now = clock.now()
    return IdempotencyRecord(id=key, status=status, at=clock.iso(now),
                             expiration=int(now.timestamp()) + ttl_days * 86400, data=data)


def claim(key: str, *, status: str = "done", ttl_days: int = 90, retry_if: str | None = None,
          data: dict[str, Any] | None = None) -> bool:
    """True if this caller now owns `key` (first time, or the previous owner left it in `retry_if` state)."""
    rec = record(key, status, ttl_days, data)
    cond = IdempotencyRecord.id.does_not_exist()
    if retry_if:
        cond = cond | (IdempotencyRecord.status == retry_if)
    try:
        rec.save(condition=cond)
        return True
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def set_status(key: str, status: str) -> None:
    IdempotencyRecord(id=key).update(actions=[IdempotencyRecord.status.set(status),
                                              IdempotencyRecord.at.set(clock.iso())])


def seen(key: str) -> bool:
    try:
        IdempotencyRecord.get(key)
        return True
    except IdempotencyRecord.DoesNotExist:
        return False

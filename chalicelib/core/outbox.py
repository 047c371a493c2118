"""The transactional outbox: messages that must follow a committed change (notifications, a delegation drain)
are written as rows of the `outbox` table in the very DynamoDB transaction that makes the change, and a relay
sends them to their queue afterwards. Nothing is lost between the commit and the send: should the process die
right after the commit, the row is still there.

- AWS: the table's stream (NEW_IMAGE) triggers `outbox_relay` (infra/resources.json), which sends each new
  row and deletes it; the tick's `outbox` step sweeps rows older than a minute (a relay that failed).
- Locally and in the tests: the worker (local/worker.py) reads the pending rows and hands them to the same
  `outbox_relay` handler, shaped as stream records.

Sends are at least once; every consumer is idempotent by the message's key (the notify worker claims
`notif#<key>` before sending), so a row relayed twice is delivered once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import clock, obs
from chalicelib.core.db import index_meta, meta

PENDING = "P"


@dataclass(frozen=True)
class Message:
    """One message for a queue (core.queues names), identified by `key` (the consumer's idempotency key)."""

    queue: str
    key: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def row_id(self) -> str:
        return f"{self.queue}#{self.key}"


class _Pending(GlobalSecondaryIndex):  # type: ignore[type-arg]
    Meta = index_meta("pending")
    pending = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OutboxRecord(Model):
    """Table `outbox`: one row per message not yet relayed (deleted once sent)."""

    Meta = meta("outbox")

    id = UnicodeAttribute(hash_key=True)  # "<queue>#<key>"
    queue = UnicodeAttribute()
    body = UnicodeAttribute()  # JSON
    created_at = UnicodeAttribute()
    pending = UnicodeAttribute(default=PENDING)
    by_pending = _Pending()


def rows(messages: Iterable[Message]) -> list[OutboxRecord]:
    at = clock.iso()
    return [OutboxRecord(id=m.row_id, queue=m.queue, body=json.dumps({**m.body, "key": m.key}, default=str),
                         created_at=at) for m in messages]


def part(messages: Iterable[Message]) -> Callable[[Any], None] | None:
    """The outbox rows as a part of a TransactWrite (no condition: the same message written again is the same
    row, and its consumer deduplicates by key)."""
    items = rows(messages)
    if not items:
        return None

    def add(tx: Any) -> None:
        for item in items:
            tx.save(item)
    return add


def write_in(tx: Any, messages: Iterable[Message]) -> None:
    """Add the outbox rows of `messages` to an open TransactWrite (nothing when there are none)."""
    add = part(messages)
    if add is not None:
        add(tx)


def commit(parts: Iterable[Callable[[Any], None] | None], messages: Iterable[Message] = (), *,
           conflict: Exception | None = None) -> None:
    """One TransactWrite of `parts` (each adds its items to it) and the outbox rows of `messages`: a change and the
    messages that must follow it commit together or not at all. A failed condition raises `conflict` when given,
    else pynamodb's TransactWriteError (as does any other refusal: a throttle, a conflict with another transaction)."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.core.db import connection

    try:
        with TransactWrite(connection=connection()) as tx:
            for add in parts:
                if add is not None:
                    add(tx)
            write_in(tx, messages)
    except TransactWriteError as exc:
        reasons = getattr(exc, "cancellation_reasons", None) or []
        if conflict is not None and any(getattr(r, "code", None) == "ConditionalCheckFailed" for r in reasons if r):
            raise conflict from exc
        raise


# --- relay ---------------------------------------------------------------------------------------------------
def _send(queue: str, body: dict[str, Any]) -> None:
    from chalicelib.core import queues

    queues.send(queue, body)


def relay(row_id: str, queue: str, body: str) -> None:
    """Send one outbox row to its queue, then delete it. A failure raises (the stream or the sweep retries)."""
    _send(queue, json.loads(body))
    OutboxRecord(id=row_id).delete()


def relay_stream_record(record: dict[str, Any]) -> None:
    """One DynamoDB stream record of the outbox table; only new rows are sent (deletions are our own)."""
    if record.get("eventName") not in ("INSERT", "MODIFY"):
        return
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    row_id, queue, body = (image.get(k, {}).get("S") for k in ("id", "queue", "body"))
    if not (row_id and queue and body):
        obs.logger().error("outbox record without id/queue/body")
        return
    relay(row_id, queue, body)


def sweep(older_than_s: int = 60, limit: int = 100) -> dict[str, int]:
    """Relay the rows left pending for more than `older_than_s` (their stream delivery failed)."""
    cutoff = clock.iso(clock.now() - timedelta(seconds=older_than_s))
    out = {"relayed": 0, "failed": 0}
    for row in OutboxRecord.by_pending.query(PENDING, OutboxRecord.created_at <= cutoff, limit=limit):
        try:
            relay(row.id, row.queue, row.body)
            out["relayed"] += 1
        except Exception:  # noqa: BLE001 - left for the next sweep
            obs.logger().exception("outbox relay failed", extra={"queue": row.queue})
            out["failed"] += 1
    if out["relayed"]:
        obs.count("OutboxSwept", out["relayed"])
    return out

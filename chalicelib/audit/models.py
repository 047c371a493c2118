"""Tamper-evident audit trail: per-stream hash chains (stream = request id, billing code, ...)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta

GENESIS = "0" * 64


class AuditRecord(Model):
    Meta = meta("audit")

    stream = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    data = JSONAttribute(default=dict)
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()


def chain_hash(prev_hash: str, stream: str, seq: int, at: str, actor: str, action: str, data: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"stream": stream, "seq": seq, "at": at, "actor": actor, "action": action, "data": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def make_record(stream: str, seq: int, prev_hash: str, at: str, actor: str, action: str, data: dict[str, Any]) -> AuditRecord:
    prev = prev_hash or GENESIS
    return AuditRecord(
        stream=stream,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        data=data,
        prev_hash=prev,
        hash=chain_hash(prev, stream, seq, at, actor, action, data),
    )


def verify_stream(records: list[AuditRecord]) -> tuple[bool, int | None, str]:
    """Check one stream's chain in seq order; returns (ok, first broken seq, reason)."""
    prev = GENESIS
    expected_seq = 1
    for r in sorted(records, key=lambda x: int(x.seq)):
        seq = int(r.seq)
        if seq != expected_seq:
            return False, expected_seq, "missing record"
        if r.prev_hash != prev:
            return False, seq, "prev_hash does not match the previous record"
        if chain_hash(prev, r.stream, seq, r.at, r.actor, r.action, r.data or {}) != r.hash:
            return False, seq, "record content does not match its hash"
        prev = r.hash
        expected_seq += 1
    return True, None, ""

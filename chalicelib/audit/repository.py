"""Data access for the audit trail (table `audit`: one hash chain per stream, e.g. a request id)."""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.audit.models import AuditRecord


def stream(name: str) -> list[AuditRecord]:
    return list(AuditRecord.query(name))


def all_records() -> Iterable[AuditRecord]:
    """Every record: only for the offline verification CLI (scripts/audit.py), never a request path."""
    return AuditRecord.scan()

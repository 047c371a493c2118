"""Data access for FAQ entries (table `faq`, GSI `by_status`)."""

from __future__ import annotations

from typing import Any

from chalicelib.faq.models import APPROVED, FaqRecord


def find(faq_id: str) -> FaqRecord | None:
    try:
        return FaqRecord.get(faq_id, consistent_read=True)
    except FaqRecord.DoesNotExist:
        return None


def by_status(status: str, limit: int, start_key: dict[str, Any] | None = None) -> Any:
    """Entries of one status, newest first (a result iterator: `last_evaluated_key` for the next page)."""
    return FaqRecord.by_status.query(status, scan_index_forward=False, limit=limit, last_evaluated_key=start_key)


def approved(limit: int) -> Any:
    return FaqRecord.by_status.query(APPROVED, scan_index_forward=False, limit=limit)

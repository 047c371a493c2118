"""Service-level metrics of the request's path, emitted by `RequestRepository.transition` after the change that
earns them has committed (so a retried or refused transition never counts, and every path to `delivered` —
the operator's completion, an automatic delivery — is counted): `RequestDelivered` and, when the due date had
passed, `RequestDeliveredLate`. The dashboard's "Service level" widget shows on-time % = 100 × (delivered − late) /
delivered (scripts/package.py `apply_dashboard`)."""

from __future__ import annotations

from typing import Any

from chalicelib.core import clock, obs

DELIVERED = "RequestDelivered"
DELIVERED_LATE = "RequestDeliveredLate"


def late(rec: Any) -> bool:
    """Whether the request was delivered after its due date (no due date: never late)."""
    if not rec.due_at or not rec.delivered_at:
        return False
    return clock.parse_iso(rec.delivered_at) > clock.parse_iso(rec.due_at)


def delivered(rec: Any) -> None:
    """Count one delivery (call after the transition to `delivered` committed, with the committed record)."""
    obs.count(DELIVERED)
    if late(rec):
        obs.count(DELIVERED_LATE)

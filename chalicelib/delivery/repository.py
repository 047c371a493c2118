"""Data access for deliverables (table `deliverables`) and the download log (table `downloads`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.delivery.models import DeliverableRecord


def deliverables(request_id: str) -> list[DeliverableRecord]:
    return list(DeliverableRecord.query(request_id, consistent_read=True))


def find(request_id: str, deliverable_id: str) -> DeliverableRecord | None:
    try:
        return DeliverableRecord.get(request_id, deliverable_id, consistent_read=True)
    except DoesNotExist:
        return None

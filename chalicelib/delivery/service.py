"""Secure delivery: completion requires every deliverable of a data order verified."""

from __future__ import annotations

from chalicelib.core.errors import Conflict
from chalicelib.delivery.models import DeliverableRecord
from chalicelib.requests.models import RequestRecord


def deliverables(request_id: str) -> list[DeliverableRecord]:
    return list(DeliverableRecord.query(request_id))


def check_ready_for_completion(rec: RequestRecord) -> None:
    items = deliverables(rec.request_id)
    if not items:
        raise Conflict("a data order needs at least one deliverable before completion", code="no_deliverables")
    not_ready = [d.deliverable_id for d in items if d.status != "ready"]
    if not_ready:
        raise Conflict("every deliverable must be uploaded and verified", code="deliverables_not_ready",
                       details={"not_ready": not_ready})

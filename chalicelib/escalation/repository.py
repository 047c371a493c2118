"""Data access for escalations (table `escalations`: escalations, GSIs `by_request` and `by_unit`; the same
table holds the producer units and their members, managed through escalation.service)."""

from __future__ import annotations

from chalicelib.escalation.models import EscalationRecord


def find(escalation_id: str) -> EscalationRecord | None:
    try:
        return EscalationRecord.get(escalation_id, consistent_read=True)
    except EscalationRecord.DoesNotExist:
        return None


def of_request(request_id: str) -> list[EscalationRecord]:
    return list(EscalationRecord.by_request.query(request_id))

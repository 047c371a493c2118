"""The request lifecycle of SPEC §3: exact status strings and the legal transitions."""

from __future__ import annotations

from chalicelib.core.errors import Conflict

SUBMITTED = "submitted"
AWAITING_APPROVAL = "awaiting_approval"
AWAITING_PAYMENT = "awaiting_payment"
QUEUED = "queued"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
ESCALATED = "escalated"
DELIVERED = "delivered"
COMPLETED = "completed"
REJECTED = "rejected"
EXPIRED = "expired"
CANCELLED = "cancelled"

STATUSES = (
    SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, IN_PROGRESS, ESCALATED, DELIVERED,
    COMPLETED, REJECTED, EXPIRED, CANCELLED,
)
TERMINAL = frozenset({COMPLETED, REJECTED, EXPIRED, CANCELLED})
#: statuses in which the consumer is the one we wait for: the SLA clock is paused
PAUSED = frozenset({AWAITING_APPROVAL, AWAITING_PAYMENT})
#: statuses that count toward an operator's load (in-process work)
IN_PROCESS = frozenset({ASSIGNED, IN_PROGRESS, ESCALATED})
#: open = not yet delivered or closed: due-date reminders apply
OPEN = frozenset({SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, IN_PROGRESS, ESCALATED})
CANCELLABLE = frozenset({SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT})

TRANSITIONS: dict[str, frozenset[str]] = {
    SUBMITTED: frozenset({AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, REJECTED, CANCELLED}),
    AWAITING_APPROVAL: frozenset({AWAITING_PAYMENT, QUEUED, ASSIGNED, REJECTED, CANCELLED, EXPIRED}),
    AWAITING_PAYMENT: frozenset({QUEUED, ASSIGNED, EXPIRED, CANCELLED}),
    QUEUED: frozenset({ASSIGNED, CANCELLED}),
    ASSIGNED: frozenset({IN_PROGRESS, QUEUED, CANCELLED}),
    IN_PROGRESS: frozenset({ESCALATED, DELIVERED}),
    ESCALATED: frozenset({IN_PROGRESS}),
    DELIVERED: frozenset({COMPLETED}),
    COMPLETED: frozenset(),
    REJECTED: frozenset(),
    EXPIRED: frozenset(),
    CANCELLED: frozenset(),
}


def can(frm: str, to: str) -> bool:
    return to in TRANSITIONS.get(frm, frozenset())


def check(frm: str, to: str) -> None:
    if not can(frm, to):
        raise Conflict(f"illegal transition {frm} -> {to}", code="illegal_transition",
                       details={"from": frm, "to": to})

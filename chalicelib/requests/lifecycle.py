"""The request lifecycle of SPEC §3: exact status strings and the legal transitions."""

from __future__ import annotations

from chalicelib.core.errors import Conflict

SUBMITTED = "submitted"
AWAITING_APPROVAL = "awaiting_approval"
AWAITING_PAYMENT = "awaiting_payment"
QUEUED = "queued"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
#: side loop of SPEC §3: the operator asked the consumer a question or sent a price quote (or, at intake, returned
#: a microdata abstract for revision); the SLA clock pauses until the consumer answers or accepts
AWAITING_CONSUMER = "awaiting_consumer"
ESCALATED = "escalated"
DELIVERED = "delivered"
COMPLETED = "completed"
REJECTED = "rejected"
EXPIRED = "expired"
CANCELLED = "cancelled"

STATUSES = (
    SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, IN_PROGRESS, AWAITING_CONSUMER, ESCALATED,
    DELIVERED, COMPLETED, REJECTED, EXPIRED, CANCELLED,
)
TERMINAL = frozenset({COMPLETED, REJECTED, EXPIRED, CANCELLED})
#: statuses in which the consumer is the one we wait for: the SLA clock is paused
PAUSED = frozenset({AWAITING_APPROVAL, AWAITING_PAYMENT, AWAITING_CONSUMER})
#: statuses that count toward an operator's load (in-process work); a request waiting on the consumer stays with
#: its operator (and in their load), so the answer comes back to whoever asked
IN_PROCESS = frozenset({ASSIGNED, IN_PROGRESS, ESCALATED, AWAITING_CONSUMER})
#: open = not yet delivered or closed: due-date reminders apply
OPEN = frozenset({SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, IN_PROGRESS, ESCALATED,
                  AWAITING_CONSUMER})
#: the consumer may withdraw while nothing is paid and nobody works on it, or while the desk waits on them
CANCELLABLE = frozenset({SUBMITTED, AWAITING_APPROVAL, AWAITING_PAYMENT, AWAITING_CONSUMER})

TRANSITIONS: dict[str, frozenset[str]] = {
    # -> DELIVERED without an operator: an order of published catalog files, delivered automatically once free,
    # approved and paid as needed (chalicelib/fulfilment/autodeliver.py, at the workflow's delegation step)
    SUBMITTED: frozenset({AWAITING_APPROVAL, AWAITING_PAYMENT, QUEUED, ASSIGNED, REJECTED, CANCELLED, DELIVERED}),
    AWAITING_APPROVAL: frozenset({AWAITING_PAYMENT, QUEUED, ASSIGNED, REJECTED, CANCELLED, EXPIRED, DELIVERED}),
    # a quoted request accepted by the consumer is billed like an order and delegated again once paid
    AWAITING_PAYMENT: frozenset({QUEUED, ASSIGNED, EXPIRED, CANCELLED, DELIVERED}),
    QUEUED: frozenset({ASSIGNED, CANCELLED, DELIVERED}),
    ASSIGNED: frozenset({IN_PROGRESS, QUEUED, CANCELLED}),
    IN_PROGRESS: frozenset({ESCALATED, DELIVERED, AWAITING_CONSUMER}),
    # answered → back to work; quote accepted → billed; no answer in time → expired; withdrawn/declined → cancelled
    AWAITING_CONSUMER: frozenset({IN_PROGRESS, AWAITING_PAYMENT, EXPIRED, CANCELLED}),
    ESCALATED: frozenset({IN_PROGRESS}),
    DELIVERED: frozenset({COMPLETED}),
    COMPLETED: frozenset(),
    REJECTED: frozenset(),
    EXPIRED: frozenset(),
    CANCELLED: frozenset(),
}

# a microdata application returned for revision waits on the consumer (awaiting_consumer), who resubmits it for
# review (chalicelib/fulfilment/microdata.py)
TRANSITIONS[AWAITING_APPROVAL] = TRANSITIONS[AWAITING_APPROVAL] | {AWAITING_CONSUMER}
TRANSITIONS[AWAITING_CONSUMER] = TRANSITIONS[AWAITING_CONSUMER] | {AWAITING_APPROVAL}


def can(frm: str, to: str) -> bool:
    return to in TRANSITIONS.get(frm, frozenset())


def check(frm: str, to: str) -> None:
    if not can(frm, to):
        raise Conflict(f"illegal transition {frm} -> {to}", code="illegal_transition",
                       details={"from": frm, "to": to})

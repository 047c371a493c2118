"""Billing's API shapes: the provider's webhook body and a billing as the consumer sees it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.schema import Schema
from chalicelib.core.types import Timestamp


class WebhookIn(Schema):
    model_config = ConfigDict(extra="ignore")
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
    billing_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{15}$")]
    status: Literal["paid"]
    amount_idr: int = Field(ge=0)
    paid_at: Timestamp
    # the NTPN's and NTB's rules live in billing.simponi (one place); fulfilment.payment checks them once the
    # billing is known, so a malformed NTPN for a real billing is kept as evidence instead of only refused
    ntpn: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
    ntb: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9]*$")] | None = None


class AfterCloseOut(Schema):
    """A payment received after its request was cancelled or expired, as the payer sees it (issue 16): what the
    supervisors decide (resume the order, or refund), by when, and what they decided. No staff-only fields."""
    state: Literal["pending", "resumed", "refunded"] = Field(
        description="pending: a supervisor decides by `decide_by`; resumed: the order goes on as "
        "`follow_up_request_id`; refunded: the payment was returned (`refunded_at`)")
    received_at: str = Field(description="when the payment was recorded")
    decide_by: str = Field(description="the supervisors' decision is due by then (LATE_PAYMENT_DECISION_DAYS "
                           "working days after `received_at`)")
    decided_at: str | None = None
    follow_up_request_id: str | None = Field(default=None, description="resumed: the consumer's follow-up "
                                             "request (already paid), which goes on to delivery")
    refunded_at: str | None = None


class BillingOut(Schema):
    billing_code: str
    amount_idr: int
    expires_at: str
    status: Literal["unpaid", "paid", "expired"]
    ntpn: str | None = None
    paid_at: str | None = None
    payment_instructions: dict[str, Any] = Field(default_factory=dict)
    closed_reason: str | None = Field(default=None, description="why it stopped being payable here: cancelled "
                                      "(the request was cancelled) or expired")
    after_close: AfterCloseOut | None = Field(default=None, description="consumer's route: the payment arrived "
                                              "after the request closed (see AfterCloseOut)")


# --- payment work items and reconciliation (supervisors; chalicelib.fulfilment.payment_ops) -----------------
class WorkItemsQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    status: Literal["open", "done"] = "open"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class ResumeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class RefundIn(Schema):
    model_config = ConfigDict(extra="forbid")
    reference: Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
    refunded_at: Timestamp | None = None
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class ResolveIn(Schema):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class ReconciliationQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    day: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]

"""Billing's API shapes: the provider's webhook body and a billing as the consumer sees it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.core.types import Timestamp


class WebhookIn(BaseModel):
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


class BillingOut(BaseModel):
    billing_code: str
    amount_idr: int
    expires_at: str
    status: Literal["unpaid", "paid", "expired"]
    ntpn: str | None = None
    paid_at: str | None = None
    payment_instructions: dict[str, Any] = Field(default_factory=dict)


# --- payment work items and reconciliation (supervisors; chalicelib.fulfilment.payment_ops) -----------------
class WorkItemsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    status: Literal["open", "done"] = "open"
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
    refunded_at: Timestamp | None = None
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class ReconciliationQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    day: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]

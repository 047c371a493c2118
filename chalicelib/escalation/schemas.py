"""Pydantic models of the escalation API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.schema import Schema
from chalicelib.core.types import DayOrTimestamp

#: a unit code: the built-in units (produksi, sosial, distribusi, neraca, metodologi) or one an admin created
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                        pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class EscalationIn(Schema):
    model_config = ConfigDict(extra="forbid")
    unit: Unit
    question: Text


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    answer: Text


class EscalationQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    unit: Unit | None = None
    status: Literal["open", "answered"] | None = None
    request_id: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    page_size: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class EscalationOut(Schema):
    escalation_id: str
    request_id: str
    request_kind: str = ""
    unit: str
    unit_name: str
    question: str
    status: str
    asked_by: str
    asked_by_name: str = ""
    created_at: str
    due_at: str
    sla_days: int | None = Field(default=None, description="the unit's SLA (working days) when it was asked")
    overdue: bool = False
    answer: str | None = None
    answered_by: str | None = None
    answered_by_name: str | None = None
    answered_at: str | None = None


class EscalationPage(Schema):
    items: list[EscalationOut]
    next_cursor: str | None = None


class ProducerUnitRow(Schema):
    """One unit's response times over a period (working days, Asia/Jakarta calendar)."""

    unit: str
    unit_name: str
    sla_days: int | None = Field(default=None, description="the unit's SLA: working days to answer")
    escalated: int = 0
    answered: int = 0
    answered_late: int = 0
    open: int = 0
    overdue: int = Field(default=0, description="open and past the due date")
    on_time_pct: float | None = Field(default=None, description="answered by the due date, % of the answered")
    median_days: float | None = None
    p90_days: float | None = None
    mean_days: float | None = None


class ProducerReportQuery(Schema):
    """`from`/`to`: local (Asia/Jakarta) dates YYYY-MM-DD (both inclusive) or ISO-8601 timestamps; left out, the
    last 30 days (`to` = today)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: DayOrTimestamp | None = Field(default=None, alias="from")
    to: DayOrTimestamp | None = None


class ProducerReport(Schema):
    # the API dumps models without by_alias: serialize by alias here so the answer says "from", as documented
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
    from_: str = Field(serialization_alias="from")
    to: str
    units: list[ProducerUnitRow]
    total: ProducerUnitRow | None = None

"""Pydantic models of the escalation API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: a unit code: the built-in units (produksi, sosial, distribusi, neraca, metodologi) or one an admin created
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                        pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class EscalationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unit: Unit
    question: Text


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: Text


class EscalationQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    unit: Unit | None = None
    status: Literal["open", "answered"] | None = None
    request_id: Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    page_size: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class EscalationOut(BaseModel):
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
    overdue: bool = False
    answer: str | None = None
    answered_by: str | None = None
    answered_by_name: str | None = None
    answered_at: str | None = None


class EscalationPage(BaseModel):
    items: list[EscalationOut]
    next_cursor: str | None = None

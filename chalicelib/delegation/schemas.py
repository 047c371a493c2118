"""Pydantic models of the roster and operator API (SPEC §4: GET/PUT /ops/roster, GET/PATCH /ops/operators)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from chalicelib.core.schema import Schema
from chalicelib.core.types import Day, DayOrTimestamp, parse_timestamp

OperatorId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                              pattern=r"^[A-Za-z0-9_.@-]+$")]
KINDS = ("consultation", "data_order", "complaint")
TOPICS = {"consultation": ("data", "metadata", "classification")}
#: every valid entry of an operator's `services` list: a kind, or `kind:topic`
SERVICE_VALUES = frozenset([*KINDS, *(f"{k}:{t}" for k, ts in TOPICS.items() for t in ts)])


def _aware(value: str) -> datetime:
    return parse_timestamp(value)


class ShiftIn(Schema):
    model_config = ConfigDict(extra="forbid")
    operator_id: OperatorId
    start: Annotated[str, StringConstraints(max_length=40)]
    end: Annotated[str, StringConstraints(max_length=40)]

    @field_validator("start", "end")
    @classmethod
    def _iso(cls, v: str) -> str:
        _aware(v)
        return v

    @property
    def start_dt(self) -> datetime:
        return _aware(self.start)

    @property
    def end_dt(self) -> datetime:
        return _aware(self.end)


class RosterIn(Schema):
    """PUT /ops/roster: the shifts replace every shift of the local (Asia/Jakarta) days they start on, plus
    the days listed in `days` (so a day can be cleared by listing it with no shifts)."""

    model_config = ConfigDict(extra="forbid")
    shifts: list[ShiftIn] = Field(max_length=1000)
    days: list[Day] = Field(default_factory=list, max_length=62)


class RosterQuery(Schema):
    """`from`/`to`: a local date (YYYY-MM-DD, `to` inclusive) or an ISO timestamp with offset.
    Defaults: today and the next 6 days."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: DayOrTimestamp | None = Field(default=None, alias="from")
    to: DayOrTimestamp | None = None


class ShiftOut(Schema):
    operator_id: str
    name: str = ""
    day: str
    start: str
    end: str
    on_duty_now: bool = False
    updated_by: str = ""


class RosterOut(Schema):
    from_: str = Field(serialization_alias="from")
    to: str
    shifts: list[ShiftOut]
    on_duty: list[str] = Field(default_factory=list, description="operators on duty right now")


class OperatorOut(Schema):
    operator_id: str
    name: str = ""
    email: str | None = None
    quota: int
    load: int
    active: bool
    absent: bool = Field(default=False, description="marked absent: takes no requests, open ones redistributed")
    absent_since: str | None = None
    services: list[str] = Field(default_factory=list)
    on_duty: bool = False
    last_assigned_at: str | None = None
    updated_at: str | None = None


class OperatorPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")
    quota: int | None = Field(default=None, ge=0, le=100)
    active: bool | None = None
    absent: bool | None = Field(default=None, description="true: absent (sick, leave) — their open requests are "
                                "redistributed by the delegation policy, or flagged for the supervisor")
    services: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]] | None = Field(
        default=None, max_length=10)

    @field_validator("services")
    @classmethod
    def _services(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        bad = [s for s in v if s not in SERVICE_VALUES]
        if bad:
            raise ValueError(f"unknown service(s) {bad}; allowed: {sorted(SERVICE_VALUES)}")
        return list(dict.fromkeys(v))

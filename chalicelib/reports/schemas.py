"""Query models of the report routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.types import DayOrTimestamp

Bound = DayOrTimestamp


class PeriodQuery(BaseModel):
    """`from`/`to`: local (Asia/Jakarta) dates YYYY-MM-DD, both inclusive, or ISO-8601 timestamps."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: Bound = Field(alias="from")
    to: Bound

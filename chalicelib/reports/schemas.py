"""Query models of the report routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Bound = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=40)]


class PeriodQuery(BaseModel):
    """`from`/`to`: local (Asia/Jakarta) dates YYYY-MM-DD, both inclusive, or ISO-8601 timestamps."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: Bound = Field(alias="from")
    to: Bound

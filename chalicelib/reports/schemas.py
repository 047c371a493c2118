"""Query models of the report routes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.core.schema import Schema
from chalicelib.core.types import DayOrTimestamp

Bound = DayOrTimestamp


class PeriodQuery(Schema):
    """`from`/`to`: local (Asia/Jakarta) dates YYYY-MM-DD, both inclusive, or ISO-8601 timestamps. Left out:
    the last 30 days (`from` = 29 days before `to`, `to` = today)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: Bound | None = Field(default=None, alias="from")
    to: Bound | None = None


class DeskTableQuery(PeriodQuery):
    """desk: the period of one table of GET /ops/reports/desk exported by GET /ops/reports/csv/{table} (table:
    fulfilment, first_response, backlog, approvals, escalations, ikm)."""

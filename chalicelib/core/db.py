"""PynamoDB glue: table names resolved lazily from settings (never at import time)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.condition import Condition


class LazyMeta:
    """Model `Meta` whose table name comes from the configured prefix at first use."""

    billing_mode = "PAY_PER_REQUEST"

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def table_name(self) -> str:
        from chalicelib.core.config import get_settings

        return get_settings().table(self._name)


def meta(name: str) -> Any:
    return LazyMeta(name)


class IsoDateTimeAttribute(UnicodeAttribute):
    """Stores an ISO-8601 UTC string; sortable, readable in the console, usable as a GSI range key."""


def and_all(*conditions: Condition | None) -> Condition | None:
    out = None
    for c in conditions:
        if c is None:
            continue
        out = c if out is None else out & c
    return out

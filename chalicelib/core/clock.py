"""The one injectable clock. Everything that needs "now" asks here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """Aware UTC now (or whatever the injected source says)."""
    if _source is not None:
        value = _source()
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def set_clock(source: Callable[[], datetime] | None) -> None:
    global _source
    _source = source


def iso(dt: datetime | None = None) -> str:
    return (dt or now()).astimezone(UTC).isoformat(timespec="seconds")


def parse_iso(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class FrozenClock:
    """A controllable clock for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self.current = start if start.tzinfo else start.replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current

    def set(self, value: datetime) -> None:
        self.current = value if value.tzinfo else value.replace(tzinfo=UTC)


def months_between(frm: Any, to: Any) -> list[str]:
    """The calendar months ``YYYY-MM`` from the month of `frm` to that of `to` (dates or datetimes, both included):
    the partition keys of the month-partitioned tables (ledger, stats, release calendar)."""
    out = []
    y, m = frm.year, frm.month
    while (y, m) <= (to.year, to.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out

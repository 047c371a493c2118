"""The SLA clock: per-kind working-day targets, paused while the request waits on the consumer."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.requests import lifecycle as lc


@lru_cache(maxsize=4)
def _calendar(holidays: str) -> Any:
    from chalicelib.core.workdays import WorkCalendar

    return WorkCalendar.from_config(holidays)  # national holidays + cuti bersama, with HOLIDAYS' added/removed dates


def calendar() -> Any:
    return _calendar(get_settings().holidays)


def sla_days(kind: str) -> int:
    s = get_settings()
    return {"consultation": s.sla_days_consultation, "data_order": s.sla_days_data_order,
            "complaint": s.sla_days_complaint}[kind]


def pause_changes(frm: str, to: str, paused_at: str | None, due_at: str | None, now: str) -> tuple[dict[str, Any], list[str]]:
    """Entering a waiting-on-consumer status stops the clock; leaving it pushes the due date by the pause."""
    if to in lc.PAUSED and frm not in lc.PAUSED:
        return {"paused_at": now}, []
    if frm in lc.PAUSED and to not in lc.PAUSED and paused_at:
        sets: dict[str, Any] = {}
        if due_at:
            shifted = calendar().shift_by_pause(clock.parse_iso(due_at), clock.parse_iso(paused_at), clock.parse_iso(now))
            sets["due_at"] = clock.iso(shifted)
        return sets, ["paused_at"]
    return {}, []

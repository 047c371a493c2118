"""Delegation's own side: who is on duty (roster), the operators and their load counters as transaction parts
(`take_in`, `release_in`), and the candidates the policy (delegation.policy) ranks. Assigning a request — which
composes these with the request's transition — is chalicelib.fulfilment.assign."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs
from chalicelib.delegation.models import OperatorRecord
from chalicelib.delegation.policy import Candidate
from chalicelib.delegation.repository import (  # noqa: F401 - the operators' data access, used through here too
    find_operator,
    get_operator,
    get_operators,
    set_load,
    shifts_for_days,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


def local_day(iso_or_dt: Any) -> str:
    dt = clock.parse_iso(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return dt.astimezone(JAKARTA).date().isoformat()


# --- roster ------------------------------------------------------------------------------------------
def on_duty_ids(now_iso: str | None = None) -> set[str]:
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    today = local_day(now)
    yesterday = local_day(now - timedelta(days=1))
    now_s = clock.iso(now)
    return {s.operator_id for s in shifts_for_days([yesterday, today]) if s.start <= now_s < s.end}


def on_duty_until(now_iso: str | None = None) -> dict[str, str]:
    """operator id -> the end (UTC ISO) of the shift they are on now (the latest, if shifts overlap)."""
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    now_s = clock.iso(now)
    out: dict[str, str] = {}
    for s in shifts_for_days([local_day(now - timedelta(days=1)), local_day(now)]):
        if s.start <= now_s < s.end and s.end > out.get(s.operator_id, ""):
            out[s.operator_id] = s.end
    return out


def on_duty_within(operator_id: str, hours: float, now_iso: str | None = None) -> bool:
    """On duty now, or a shift of theirs starts within `hours` (a shift lasts at most 24 hours: the local days
    from yesterday to the day `hours` ahead cover every such shift)."""
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    end = now + timedelta(hours=hours)
    now_s, until = clock.iso(now), clock.iso(end)
    first, last = (now - timedelta(days=1)).astimezone(JAKARTA).date(), end.astimezone(JAKARTA).date()
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    return any(s.operator_id == operator_id and s.end > now_s and s.start < until for s in shifts_for_days(days))


#: deliveries before an operator's mean handling time counts (fewer: unknown, the policy uses the median)
MIN_HANDLED_FOR_SPEED = 3


def minutes_per_request(o: OperatorRecord) -> float | None:
    """The operator's mean handling time (office minutes from start to delivery, `release_in(..., minutes)`)."""
    n = int(o.handled or 0)
    return round(float(o.handled_minutes or 0) / n, 2) if n >= MIN_HANDLED_FOR_SPEED else None


def candidates(now_iso: str | None = None) -> list[Candidate]:
    """The operators on duty now as the policy sees them, with what the system knows of their time: the mean
    handling time (``minutes_per_request``) and the minutes left in their shift (``minutes_left``, from the
    roster). ``waiting`` (requests waiting for a producer) is not tracked per operator: 0, so those count as
    workable — the conservative side of the policy's "can start it this shift" check."""
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    ends = on_duty_until(now_iso)
    ops = get_operators(set(ends))
    return [replace(c, minutes_per_request=minutes_per_request(ops[c.operator_id]),
                    minutes_left=max(0.0, round((clock.parse_iso(ends[c.operator_id]) - now).total_seconds() / 60, 1)))
            for c in _plain_candidates(ops)]


def _plain_candidates(ops: dict[str, OperatorRecord]) -> list[Candidate]:
    # an absent operator is on no one's list, whatever the roster says
    return [Candidate(o.operator_id, int(o.load or 0), int(o.quota or 0), bool(o.active) and not o.absent,
                      tuple(o.services or ()), o.last_assigned_at or "") for o in ops.values()]


# --- transactions pieces -----------------------------------------------------------------------------
def take_in(operator_id: str, now: str, enforce_quota: bool = True) -> Callable[[TransactWrite], None]:
    def add(tx: TransactWrite) -> None:
        cond = (OperatorRecord.operator_id.exists()) & (OperatorRecord.active == True)  # noqa: E712
        if enforce_quota:
            cond = cond & (OperatorRecord.load < OperatorRecord.quota)
        tx.update(OperatorRecord(operator_id), actions=[OperatorRecord.load.add(1),
                                                        OperatorRecord.last_assigned_at.set(now)], condition=cond)
    return add


def release_in(operator_id: str | None, handled_minutes: float | None = None) -> Callable[[TransactWrite], None] | None:
    """The operator's load -1; with `handled_minutes` (a delivery) also one more handling-time sample."""
    if not operator_id:
        return None

    def sub(tx: TransactWrite) -> None:
        actions = [OperatorRecord.load.add(-1)]
        if handled_minutes is not None:
            actions += [OperatorRecord.handled.add(1), OperatorRecord.handled_minutes.add(round(handled_minutes, 1))]
        tx.update(OperatorRecord(operator_id), actions=actions, condition=OperatorRecord.operator_id.exists())
    return sub


def both(*parts: Callable[[TransactWrite], None] | None) -> Callable[[TransactWrite], None]:
    def run(tx: TransactWrite) -> None:
        for p in parts:
            if p is not None:
                p(tx)
    return run


def available(o: OperatorRecord) -> bool:
    """Takes requests: active and not marked absent."""
    return bool(o.active) and not bool(o.absent)


#: the reason of a redistribution asked for when the roster no longer has the operator on duty (issue 20)
OFF_ROSTER = "off_roster"
#: ... which keeps their requests when a shift of theirs is on now or starts within this many hours
OFF_ROSTER_GRACE_HOURS = 12


def request_redistribute(operator_id: str, reason: str) -> None:
    """Ask for the redistribution of an operator's open requests (absent, deactivated) on the jobs queue; the
    tick's `absences` step does it too (fulfilment.assign.redistribute_unavailable) if this send is lost."""
    from chalicelib.core import queues

    try:
        queues.send(queues.JOBS, {"job": "redistribute", "operator_id": operator_id, "reason": reason})
    except Exception:  # noqa: BLE001 - the scheduled tick redistributes too
        obs.logger().warning("redistribution request could not be queued", extra={"operator_id": operator_id})


def request_drain() -> None:
    """Ask for a drain of the delegation queue (capacity changed) on the jobs queue."""
    from chalicelib.core import queues

    try:
        queues.send(queues.JOBS, {"job": "drain"})
    except Exception:  # noqa: BLE001 - the scheduled tick drains too
        obs.logger().warning("drain request could not be queued")

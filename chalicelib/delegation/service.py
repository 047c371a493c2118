"""Delegation's own side: who is on duty (roster), the operators and their load counters as transaction parts
(`take_in`, `release_in`), and the candidates the policy (delegation.policy) ranks. Assigning a request — which
composes these with the request's transition — is chalicelib.fulfilment.assign."""

from __future__ import annotations

from collections.abc import Callable
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


def candidates(now_iso: str | None = None) -> list[Candidate]:
    ops = get_operators(on_duty_ids(now_iso))
    return [Candidate(o.operator_id, int(o.load or 0), int(o.quota or 0), bool(o.active),
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


def release_in(operator_id: str | None) -> Callable[[TransactWrite], None] | None:
    if not operator_id:
        return None

    def sub(tx: TransactWrite) -> None:
        tx.update(OperatorRecord(operator_id), actions=[OperatorRecord.load.add(-1)],
                  condition=OperatorRecord.operator_id.exists())
    return sub


def both(*parts: Callable[[TransactWrite], None] | None) -> Callable[[TransactWrite], None]:
    def run(tx: TransactWrite) -> None:
        for p in parts:
            if p is not None:
                p(tx)
    return run


def request_drain() -> None:
    """Ask for a drain of the delegation queue (capacity changed) on the jobs queue."""
    from chalicelib.core import queues

    try:
        queues.send(queues.JOBS, {"job": "drain"})
    except Exception:  # noqa: BLE001 - the scheduled tick drains too
        obs.logger().warning("drain request could not be queued")

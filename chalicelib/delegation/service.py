"""Delegation's own side: who is on duty (roster), the operators and their load counters as transaction parts
(`take_in`, `release_in`), and the candidates the policy (delegation.policy) ranks. Assigning a request — which
composes these with the request's transition — is chalicelib.fulfilment.assign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs
from chalicelib.core.errors import NotFound
from chalicelib.delegation.models import OperatorRecord, ShiftRecord
from chalicelib.delegation.policy import Candidate

JAKARTA = ZoneInfo("Asia/Jakarta")


def local_day(iso_or_dt: Any) -> str:
    dt = clock.parse_iso(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return dt.astimezone(JAKARTA).date().isoformat()


# --- roster ------------------------------------------------------------------------------------------
def shifts_for_days(days: list[str]) -> list[ShiftRecord]:
    out: list[ShiftRecord] = []
    for d in days:
        out.extend(ShiftRecord.query(d))
    return out


def on_duty_ids(now_iso: str | None = None) -> set[str]:
    now = clock.parse_iso(now_iso) if now_iso else clock.now()
    today = local_day(now)
    yesterday = local_day(now - timedelta(days=1))
    now_s = clock.iso(now)
    return {s.operator_id for s in shifts_for_days([yesterday, today]) if s.start <= now_s < s.end}


def get_operators(ids: set[str] | list[str]) -> dict[str, OperatorRecord]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {o.operator_id: o for o in OperatorRecord.batch_get(ids)}


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


def get_operator(operator_id: str) -> OperatorRecord:
    try:
        return OperatorRecord.get(operator_id)
    except DoesNotExist as exc:
        raise NotFound("operator not found") from exc


def find_operator(operator_id: str) -> OperatorRecord | None:
    try:
        return OperatorRecord.get(operator_id)
    except DoesNotExist:
        return None


def set_load(op: OperatorRecord, load: int) -> None:
    op.update(actions=[OperatorRecord.load.set(load)])

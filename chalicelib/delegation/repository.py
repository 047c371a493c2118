"""Data access for operators (table `operators`: quota, load, services, active) and the duty roster (table
`roster`: shifts keyed by local day)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.errors import NotFound
from chalicelib.delegation.models import OperatorRecord, ShiftRecord


def shifts_for_days(days: list[str]) -> list[ShiftRecord]:
    out: list[ShiftRecord] = []
    for d in days:
        out.extend(ShiftRecord.query(d))
    return out


def get_operators(ids: set[str] | list[str]) -> dict[str, OperatorRecord]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {o.operator_id: o for o in OperatorRecord.batch_get(ids)}


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

"""The duty roster ("piket") and the operators' settings, as the supervisor manages them.

Shifts live in the roster table keyed by the local (Asia/Jakarta) date of their start; reading a period is
one Query per local day. Operators are listed through the `all_operators` GSI. Every change that can give
someone capacity (a new shift, a quota rise, a reactivation, wider services) asks for a queue drain."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, NotFound
from chalicelib.delegation import service as delegation
from chalicelib.delegation.models import OperatorRecord, ShiftRecord
from chalicelib.delegation.schemas import OperatorOut, OperatorPatchIn, RosterIn, RosterOut, ShiftOut

MAX_SHIFT = timedelta(hours=24)
MAX_PERIOD_DAYS = 62


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=delegation.JAKARTA)


def _bound(value: str | None, *, end: bool) -> datetime | None:
    """A query bound: a local date (the whole day; `to` inclusive) or an aware ISO timestamp."""
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            return _local_midnight(d + timedelta(days=1) if end else d)
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest("from and to must be YYYY-MM-DD dates or ISO-8601 timestamps with offset") from exc
    if dt.tzinfo is None:
        raise BadRequest("timestamps need a UTC offset, e.g. +07:00")
    return dt


def _local_iso(utc_iso: str) -> str:
    return clock.parse_iso(utc_iso).astimezone(delegation.JAKARTA).isoformat(timespec="seconds")


def _names(ids: set[str]) -> dict[str, str]:
    return {k: v.name or k for k, v in delegation.get_operators(ids).items()}


# --- roster ------------------------------------------------------------------------------------------
def get_roster(frm: str | None, to: str | None) -> dict[str, Any]:
    """Shifts overlapping [from, to), ordered by start, with who is on duty now."""
    start = _bound(frm, end=False) or _local_midnight(clock.now().astimezone(delegation.JAKARTA).date())
    stop = _bound(to, end=True) or start + timedelta(days=7)
    if stop <= start:
        raise BadRequest("to must be after from")
    if stop - start > timedelta(days=MAX_PERIOD_DAYS):
        raise BadRequest(f"the period must be at most {MAX_PERIOD_DAYS} days")
    lo, hi = clock.iso(start), clock.iso(stop)
    first = start.astimezone(delegation.JAKARTA).date() - timedelta(days=1)  # a shift may start the day before
    last = (stop - timedelta(microseconds=1)).astimezone(delegation.JAKARTA).date()
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    fetched = delegation.shifts_for_days(days)
    shifts = [s for s in fetched if s.start < hi and s.end > lo]
    shifts.sort(key=lambda s: (s.start, s.operator_id))
    now = clock.iso()
    names = _names({s.operator_id for s in shifts})
    on_duty = sorted(_on_duty_from(fetched, days, now))
    out = RosterOut(
        from_=start.astimezone(delegation.JAKARTA).isoformat(timespec="seconds"),
        to=stop.astimezone(delegation.JAKARTA).isoformat(timespec="seconds"),
        shifts=[ShiftOut(operator_id=s.operator_id, name=names.get(s.operator_id, ""), day=s.day,
                         start=_local_iso(s.start), end=_local_iso(s.end), on_duty_now=s.start <= now < s.end,
                         updated_by=s.updated_by or "") for s in shifts],
        on_duty=on_duty,
    )
    return out.model_dump(mode="json", by_alias=True)


def _on_duty_from(fetched: list[ShiftRecord], days: list[str], now: str) -> set[str]:
    """Who is on duty `now`, from the shifts already read when they cover today and yesterday (a shift lasts at
    most 24 hours) — as `delegation.on_duty_ids`, without querying those two days again."""
    today, yesterday = delegation.local_day(now), delegation.local_day(clock.parse_iso(now) - timedelta(days=1))
    if today not in days or yesterday not in days:
        return delegation.on_duty_ids(now)
    return {s.operator_id for s in fetched if s.day in (today, yesterday) and s.start <= now < s.end}


def _validate(body: RosterIn) -> list[ShiftRecord]:
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, str, datetime, datetime]] = []
    for i, s in enumerate(body.shifts):
        a, b = s.start_dt, s.end_dt
        if b <= a:
            errors.append({"loc": ["shifts", str(i)], "msg": "end must be after start", "type": "end_before_start"})
        elif b - a > MAX_SHIFT:
            errors.append({"loc": ["shifts", str(i)], "msg": "a shift lasts at most 24 hours", "type": "shift_too_long"})
        parsed.append((i, s.operator_id, a, b))
    known = delegation.get_operators({s.operator_id for s in body.shifts})
    for i, op, _, _ in parsed:
        if op not in known:
            errors.append({"loc": ["shifts", str(i), "operator_id"], "msg": f"unknown operator {op}", "type": "unknown_operator"})
    by_op: dict[str, list[tuple[int, datetime, datetime]]] = {}
    for i, op, a, b in parsed:
        by_op.setdefault(op, []).append((i, a, b))
    for op, items in by_op.items():
        items.sort(key=lambda x: x[1])
        for (_, _, b1), (j, a2, _) in zip(items, items[1:], strict=False):
            if a2 < b1:
                errors.append({"loc": ["shifts", str(j)], "msg": f"overlaps another shift of {op}",
                               "type": "shift_overlap"})
    if errors:
        raise BadRequest("invalid roster", details=errors)
    recs = []
    for _, op, a, b in parsed:
        start, end = clock.iso(a), clock.iso(b)
        recs.append(ShiftRecord(day=delegation.local_day(a), slot=f"{start}#{op}", operator_id=op,
                                start=start, end=end))
    return recs


def put_roster(p: Principal, body: RosterIn) -> dict[str, Any]:
    """Replace the shifts of the local days covered (the days the given shifts start on, plus `days`). An operator
    whose current or coming shifts this removes (none left for them on those days) is asked to hand over the
    requests they have not started yet (`fulfilment.assign.redistribute(..., OFF_ROSTER)`)."""
    new = _validate(body)
    for r in new:
        r.updated_by = p.sub
    days = sorted({r.day for r in new} | {d.isoformat() for d in body.days})
    if not days:
        raise BadRequest("give at least one shift or one day to clear")
    if len(days) > MAX_PERIOD_DAYS:
        raise BadRequest(f"at most {MAX_PERIOD_DAYS} days per change")
    keys = {(r.day, r.slot) for r in new}
    old = [s for s in delegation.shifts_for_days(days) if (s.day, s.slot) not in keys]
    with ShiftRecord.batch_write() as batch:
        for s in old:
            batch.delete(s)
        for r in new:
            batch.save(r)
    delegation.request_drain()
    # issue 20: an operator taken off the roster hands over the requests they have not started (as an absence does)
    now = clock.iso()
    for op in sorted({s.operator_id for s in old if s.end > now} - {r.operator_id for r in new if r.end > now}):
        delegation.request_redistribute(op, delegation.OFF_ROSTER)
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    return get_roster(first.isoformat(), last.isoformat())


# --- operators ---------------------------------------------------------------------------------------
def operator_out(o: OperatorRecord, on_duty: set[str]) -> OperatorOut:
    return OperatorOut(operator_id=o.operator_id, name=o.name or "", email=o.email, quota=int(o.quota or 0),
                       load=int(o.load or 0), active=bool(o.active), absent=bool(o.absent),
                       absent_since=o.absent_since or None, services=list(o.services or []),
                       on_duty=o.operator_id in on_duty, last_assigned_at=o.last_assigned_at or None,
                       updated_at=o.updated_at or None)


def list_operators() -> list[OperatorOut]:
    on_duty = delegation.on_duty_ids()
    ops = sorted(OperatorRecord.all_operators.query("OP"), key=lambda o: o.operator_id)
    return [operator_out(o, on_duty) for o in ops]


def patch_operator(p: Principal, operator_id: str, body: OperatorPatchIn) -> OperatorOut:
    """Supervisor: quota (0..100), active, absent, services. A change that can free capacity asks for a drain;
    marking an operator absent (or inactive) asks for the redistribution of their open requests."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise BadRequest("nothing to change: give quota, active and/or services")
    now = clock.iso()
    actions = [getattr(OperatorRecord, k).set(v) for k, v in changes.items()]
    actions += [OperatorRecord.updated_at.set(now)]
    if changes.get("absent") is True:
        actions.append(OperatorRecord.absent_since.set(OperatorRecord.absent_since | now))
    elif changes.get("absent") is False:
        actions.append(OperatorRecord.absent_since.remove())
    try:
        # one call, no read before the write: the update answers with the operator as it was (ALL_OLD)
        data = OperatorRecord._get_connection().update_item(
            operator_id, actions=actions, condition=OperatorRecord.operator_id.exists(), return_values="ALL_OLD")
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("operator not found") from exc
        raise
    old = OperatorRecord.from_raw_data(data["Attributes"])
    old_quota, old_services = int(old.quota or 0), list(old.services or [])
    current = OperatorRecord.from_raw_data(data["Attributes"])
    for k, v in {**changes, "updated_at": now}.items():
        setattr(current, k, v)
    if changes.get("absent") is True:
        current.absent_since = old.absent_since or now
    elif changes.get("absent") is False:
        current.absent_since = None
    was, now_available = delegation.available(old), delegation.available(current)
    frees = (int(current.quota or 0) > old_quota or (now_available and not was)
             or ("services" in changes and list(current.services or []) != old_services))
    if frees:
        delegation.request_drain()
    if was and not now_available:  # absent or deactivated: their open requests go to someone on duty
        delegation.request_redistribute(operator_id, "absent" if current.absent else "inactive")
    return operator_out(current, delegation.on_duty_ids())

"""Reports (SPEC §2.12) from aggregates written as requests change — never a Scan per call.

Writers are idempotent per request (a claim in the idempotency table), so redelivered worker tasks do
not double count."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, idem, obs
from chalicelib.core.errors import BadRequest
from chalicelib.reports.models import StatRecord
from chalicelib.requests.models import RequestRecord

JAKARTA = ZoneInfo("Asia/Jakarta")


def _day(iso: str) -> tuple[str, str]:
    d = clock.parse_iso(iso).astimezone(JAKARTA)
    return d.strftime("%Y-%m"), d.strftime("%Y-%m-%d")


def _stat(iso: str, dim: str, value: str, n: int = 1, sample: float | None = None) -> tuple[StatRecord, list[Any]]:
    month, day = _day(iso)
    actions = [StatRecord.count.add(n)]
    if sample is not None:
        # `values | []` (if_not_exists): the first sample of a day creates the list instead of failing
        actions.append(StatRecord.values.set((StatRecord.values | []).prepend([round(sample, 4)])))
    return StatRecord(month=month, stat_key=f"{day}#{dim}#{value}"), actions


def _add(iso: str, dim: str, value: str, n: int = 1, sample: float | None = None) -> None:
    item, actions = _stat(iso, dim, value, n, sample)
    item.update(actions=actions)


def _in(updates: list[tuple[StatRecord, list[Any]]], claim: str | None = None) -> Callable[[TransactWrite], None]:
    marker = idem.record(claim) if claim else None

    def add(tx: TransactWrite) -> None:
        for item, actions in updates:
            tx.update(item, actions=actions)
        if marker is not None:
            tx.save(marker)  # the same marker `idem.claim` sets: any later writer for this request skips
    return add


def _safely(fn: Any) -> Any:
    def run(*a: Any, **k: Any) -> None:
        try:
            fn(*a, **k)
        except Exception:  # noqa: BLE001 - reporting never breaks the business flow
            obs.logger().exception("report aggregate update failed")
    return run


@_safely
def record_submitted(rec: RequestRecord) -> None:
    if not idem.claim(f"stats#submitted#{rec.request_id}"):
        return
    _add(rec.created_at, "kind", rec.kind)
    _add(rec.created_at, "channel", rec.channel)
    _add(rec.created_at, "ttype", rec.transaction_type or "free")


def _delivered_stats(rec: RequestRecord, delivered_at: str) -> list[tuple[StatRecord, list[Any]]]:
    from chalicelib.requests.sla import calendar

    cal = calendar()
    days = cal.working_days_between(clock.parse_iso(rec.created_at), clock.parse_iso(delivered_at))
    days = max(0.0, days - paused_working_days(rec, cal))  # the office's time, like the SLA clock
    on_time = bool(rec.due_at and delivered_at <= rec.due_at)
    out = [_stat(delivered_at, "delivered", rec.kind, sample=days),
           _stat(delivered_at, "sla", "on_time" if on_time else "late")]
    if rec.assignee:
        out.append(_stat(delivered_at, "operator", rec.assignee))
    return out


@_safely
def record_delivered(rec: RequestRecord) -> None:
    if not rec.delivered_at or not idem.claim(f"stats#delivered#{rec.request_id}"):
        return
    for item, actions in _delivered_stats(rec, rec.delivered_at):
        item.update(actions=actions)


def delivered_in(rec: RequestRecord, delivered_at: str) -> Callable[[TransactWrite], None]:
    """The delivery's aggregates as part of the transaction that delivers `rec` (in progress -> delivered, which
    happens once per request): counted exactly once, with no extra calls on the request path."""
    return _in(_delivered_stats(rec, delivered_at), claim=f"stats#delivered#{rec.request_id}")


def rating_in(score: int, at: str) -> Callable[[TransactWrite], None]:
    """The rating's aggregate as part of the transaction that records the rating (delivered -> completed)."""
    return _in([_stat(at, "rating", str(score))])


def paused_working_days(rec: RequestRecord, cal: Any) -> float:
    """Working time the request spent waiting on the consumer (awaiting approval or payment), from its
    timeline: the SLA clock does not run then, so neither does the fulfilment time."""
    from chalicelib.requests import lifecycle as lc

    total = 0.0
    since: str | None = None
    for entry in rec.timeline or []:
        if entry.status in lc.PAUSED:
            since = since or entry.at
        elif since is not None:
            total += cal.working_days_between(clock.parse_iso(since), clock.parse_iso(entry.at))
            since = None
    return total


def _months(frm: str, to: str) -> list[str]:
    a = clock.parse_iso(frm).astimezone(JAKARTA)
    b = clock.parse_iso(to).astimezone(JAKARTA)
    out = []
    y, m = a.year, a.month
    while (y, m) <= (b.year, b.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return round(v[lo] + (v[hi] - v[lo]) * (k - lo), 2)


def period(frm: str, to: str) -> tuple[str, str]:
    """The inclusive period [start, end] as UTC ISO timestamps. A bare date is a local (Asia/Jakarta) day:
    `from` starts at its 00:00 WIB, `to` ends at its 23:59:59 WIB; a naive timestamp is read as WIB."""
    try:
        a, b = _bound(frm, end=False), _bound(to, end=True)
    except ValueError as exc:
        raise BadRequest("from and to must be ISO-8601 dates or timestamps") from exc
    if b < a or (b - a).days > 400:
        raise BadRequest("the period must be at most 400 days, from before to")
    return clock.iso(a), clock.iso(b)


def _bound(value: str, *, end: bool) -> datetime:
    value = value.strip()
    if len(value) == 10:
        d = date.fromisoformat(value)
        start = datetime.combine(d, time(0), tzinfo=JAKARTA)
        return start + timedelta(days=1, seconds=-1) if end else start
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=JAKARTA)


def summary(frm: str, to: str) -> dict[str, Any]:
    frm, to = period(frm, to)
    a, b = clock.parse_iso(frm), clock.parse_iso(to)
    lo = a.astimezone(JAKARTA).strftime("%Y-%m-%d")
    hi = b.astimezone(JAKARTA).strftime("%Y-%m-%d")
    dims: dict[str, Counter[str]] = defaultdict(Counter)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    durations: list[float] = []
    for month in _months(frm, to):
        for r in StatRecord.query(month, StatRecord.stat_key.between(f"{lo}#", f"{hi}#~")):
            day, dim, value = r.stat_key.split("#", 2)
            n = int(r.count or 0)
            dims[dim][value] += n
            if dim == "kind":
                per_day[day][value] += n
            if dim == "delivered" and r.values:
                durations.extend(float(x) for x in r.values)
    on_time, late = dims["sla"]["on_time"], dims["sla"]["late"]
    ratings = dims["rating"]
    n_ratings = sum(ratings.values())
    from chalicelib.billing.service import ledger_rows
    from chalicelib.delegation.models import OperatorRecord

    ledger = ledger_rows(frm, to)
    ops = list(OperatorRecord.all_operators.query("OP"))
    return {
        "from": frm, "to": to,
        "volumes": {"by_kind": dict(dims["kind"]), "by_channel": dict(dims["channel"]),
                    "by_transaction_type": dict(dims["ttype"]), "by_day": {d: dict(v) for d, v in sorted(per_day.items())},
                    "delivered_by_kind": dict(dims["delivered"]), "total": sum(dims["kind"].values())},
        "fulfilment_working_days": {"count": len(durations),
                                    "median": round(statistics.median(durations), 2) if durations else None,
                                    "p90": _pct(durations, 0.9),
                                    "histogram": _histogram(durations)},
        "sla": {"on_time": on_time, "late": late,
                "attainment_pct": round(100 * on_time / (on_time + late), 1) if on_time + late else None},
        "operators": [{"operator_id": o.operator_id, "name": o.name, "load": int(o.load or 0), "quota": int(o.quota or 0),
                       "delivered": dims["operator"].get(o.operator_id, 0), "active": bool(o.active)} for o in ops],
        "ratings": {"count": n_ratings, "average": round(sum(int(k) * v for k, v in ratings.items()) / n_ratings, 2)
                    if n_ratings else None, "distribution": {str(s): ratings.get(str(s), 0) for s in range(1, 6)}},
        "complaints": dims["kind"].get("complaint", 0),
        "revenue": {"pnbp_idr": sum(int(r.amount_idr) for r in ledger if r.transaction_type == "paid"),
                    "paid_transactions": sum(1 for r in ledger if r.transaction_type == "paid"),
                    "zero_rupiah_transactions": sum(1 for r in ledger if r.transaction_type == "zero_rupiah")},
    }


def _histogram(values: list[float]) -> dict[str, int]:
    buckets = ["0-1", "1-2", "2-3", "3-5", "5-10", "10+"]
    edges = [1, 2, 3, 5, 10]
    out = dict.fromkeys(buckets, 0)
    for v in values:
        i = next((k for k, e in enumerate(edges) if v < e), len(edges))
        out[buckets[i]] += 1
    return out

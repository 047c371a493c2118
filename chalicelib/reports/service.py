"""Reports (SPEC §2.12), the read side: a period's figures from the aggregates that reports/counters.py writes as
requests change — never a Scan per call."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.core import clock
from chalicelib.core.errors import BadRequest
from chalicelib.reports import repository

JAKARTA = ZoneInfo("Asia/Jakarta")


def _months(frm: str, to: str) -> list[str]:
    return clock.months_between(clock.parse_iso(frm).astimezone(JAKARTA), clock.parse_iso(to).astimezone(JAKARTA))


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = (len(v) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return round(v[lo] + (v[hi] - v[lo]) * (k - lo), 2)


DEFAULT_DAYS = 30


def period(frm: str | None, to: str | None) -> tuple[str, str]:
    """The inclusive period [start, end] as UTC ISO timestamps. A bare date is a local (Asia/Jakarta) day:
    `from` starts at its 00:00 WIB, `to` ends at its 23:59:59 WIB; a naive timestamp is read as WIB. Left out,
    `to` is today and `from` the 30th local day back to it (the last 30 days)."""
    try:
        if to is None:
            to = clock.now().astimezone(JAKARTA).date().isoformat()
        if frm is None:
            frm = (_bound(to, end=True).astimezone(JAKARTA).date() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        a, b = _bound(frm, end=False), _bound(to, end=True)
    except ValueError as exc:
        raise BadRequest("from and to must be ISO-8601 dates or timestamps") from exc
    if b < a or (b - a).days > 400:
        raise BadRequest("the period must be at most 400 days, from before to")
    return clock.iso(a), clock.iso(b)


def local_day(iso: str) -> str:
    return clock.parse_iso(iso).astimezone(JAKARTA).date().isoformat()


def _bound(value: str, *, end: bool) -> datetime:
    value = value.strip()
    if len(value) == 10:
        d = date.fromisoformat(value)
        start = datetime.combine(d, time(0), tzinfo=JAKARTA)
        return start + timedelta(days=1, seconds=-1) if end else start
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=JAKARTA)


def summary(frm: str | None, to: str | None) -> dict[str, Any]:
    frm, to = period(frm, to)
    a, b = clock.parse_iso(frm), clock.parse_iso(to)
    lo = a.astimezone(JAKARTA).strftime("%Y-%m-%d")
    hi = b.astimezone(JAKARTA).strftime("%Y-%m-%d")
    dims: dict[str, Counter[str]] = defaultdict(Counter)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    durations: list[float] = []
    for month in _months(frm, to):
        for r in repository.stats(month, lo, hi):
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
    from chalicelib.billing.service import late_payments, ledger_rows
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
        # money (issue 16): payments recorded after their request closed, and how supervisors resolved them
        "late_payments": late_payments(frm, to),
    }


def _histogram(values: list[float]) -> dict[str, int]:
    buckets = ["0-1", "1-2", "2-3", "3-5", "5-10", "10+"]
    edges = [1, 2, 3, 5, 10]
    out = dict.fromkeys(buckets, 0)
    for v in values:
        i = next((k for k, e in enumerate(edges) if v < e), len(edges))
        out[buckets[i]] += 1
    return out

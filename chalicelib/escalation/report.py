"""Producer response times per unit (issue 20, SPEC §2.12): how fast each producer unit answers the questions
escalated to it, over the escalations asked in a period.

One Query per unit on the `by_unit` GSI (unit, created_at between the period's bounds); response time is the
working time (Asia/Jakarta calendar, core.workdays) from the question to the answer; "on time" = answered by the
escalation's due date (the unit's SLA when it was asked). Open escalations count as open, and as overdue once past
their due date. Shown in the admin page's escalations view and exported as CSV."""

from __future__ import annotations

import io
import statistics
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.core import clock
from chalicelib.core.csvsafe import writer
from chalicelib.core.errors import BadRequest
from chalicelib.escalation import service
from chalicelib.escalation.models import EscalationRecord
from chalicelib.escalation.schemas import ProducerReport, ProducerUnitRow

JAKARTA = ZoneInfo("Asia/Jakarta")
DEFAULT_DAYS = 30


def _bound(value: str, *, end: bool) -> datetime:
    value = value.strip()
    if len(value) == 10:
        start = datetime.combine(date.fromisoformat(value), time(0), tzinfo=JAKARTA)
        return start + timedelta(days=1, seconds=-1) if end else start
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=JAKARTA)


def period(frm: str | None, to: str | None) -> tuple[str, str]:
    """[start, end] as UTC ISO timestamps: local days are whole days in WIB; left out, the last 30 days."""
    try:
        to = to or clock.now().astimezone(JAKARTA).date().isoformat()
        frm = frm or (_bound(to, end=True).astimezone(JAKARTA).date() - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        a, b = _bound(frm, end=False), _bound(to, end=True)
    except ValueError as exc:
        raise BadRequest("from and to must be ISO-8601 dates or timestamps") from exc
    if b < a or (b - a).days > 400:
        raise BadRequest("the period must be at most 400 days, from before to")
    return clock.iso(a), clock.iso(b)


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 9 // 10) - 1)]  # nearest rank


def unit_row(code: str, name: str, sla_days: int | None, escalations: list[Any], now_iso: str,
             cal: Any) -> ProducerUnitRow:
    """The figures of one unit from its escalations (pure; unit-tested)."""
    answered = [e for e in escalations if e.status == service.ANSWERED and e.answered_at]
    still_open = [e for e in escalations if e.status == service.OPEN]
    times = [cal.working_days_between(clock.parse_iso(e.created_at), clock.parse_iso(e.answered_at))
             for e in answered]
    on_time = [e for e in answered if e.answered_at <= e.due_at]
    return ProducerUnitRow(
        unit=code, unit_name=name, sla_days=sla_days, escalated=len(escalations),
        answered=len(answered), open=len(still_open), overdue=sum(1 for e in still_open if e.due_at < now_iso),
        answered_late=len(answered) - len(on_time),
        on_time_pct=round(100 * len(on_time) / len(answered), 1) if answered else None,
        median_days=round(statistics.median(times), 2) if times else None,
        p90_days=round(_p90(times), 2) if times else None,
        mean_days=round(statistics.fmean(times), 2) if times else None,
    )


def producer_report(frm: str, to: str) -> ProducerReport:
    """Every unit (built-in and admin-made, active or not if it had escalations) over [frm, to] (UTC ISO)."""
    from chalicelib.requests.sla import calendar

    cal = calendar()
    now = clock.iso()
    rows = []
    for code, (name, active) in sorted(service.all_units().items()):
        found = list(EscalationRecord.by_unit.query(code, EscalationRecord.created_at.between(frm, to)))
        if found or active:
            rows.append(unit_row(code, name, service.unit_sla_days(code), found, now, cal))
    return ProducerReport(from_=frm, to=to, units=rows, total=_total(rows))


def _total(rows: list[ProducerUnitRow]) -> ProducerUnitRow:
    answered = sum(r.answered for r in rows)
    late = sum(r.answered_late for r in rows)
    return ProducerUnitRow(unit="", unit_name="Semua unit", sla_days=None, escalated=sum(r.escalated for r in rows),
                           answered=answered, open=sum(r.open for r in rows), overdue=sum(r.overdue for r in rows),
                           answered_late=late,
                           on_time_pct=round(100 * (answered - late) / answered, 1) if answered else None)


COLUMNS = (("unit", "Kode unit"), ("unit_name", "Unit"), ("sla_days", "SLA (hari kerja)"),
           ("escalated", "Eskalasi"), ("answered", "Terjawab"), ("answered_late", "Terjawab terlambat"),
           ("open", "Belum dijawab"), ("overdue", "Lewat tenggat"), ("on_time_pct", "Tepat waktu (%)"),
           ("median_days", "Median (hari kerja)"), ("p90_days", "P90 (hari kerja)"),
           ("mean_days", "Rata-rata (hari kerja)"))


def producer_csv(report: ProducerReport) -> str:
    out = io.StringIO()
    w = writer(out)
    w.writerow([label for _, label in COLUMNS])
    for row in [*report.units, *([report.total] if report.total else [])]:
        data = row.model_dump()
        w.writerow(["" if data[k] is None else data[k] for k, _ in COLUMNS])
    return out.getvalue()

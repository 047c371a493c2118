"""The desk's management report (issue 20 items 6-7): fulfilment and first-response time per kind (median, p90,
working days), the open backlog with overdue counts, approvals and producer escalations pending, and the IKM
(PermenPAN-RB 14/2017) per service; each table also as CSV.

Period figures come from the aggregates reports/counters.py writes as requests change (one Query per month);
the "now" figures (backlog, approvals, escalations) from the sparse/status GSIs: one paginated Query per open
status (only `kind` and `due_sort` read) and one per producer unit. Never a Scan."""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from typing import Any

from chalicelib.core import clock
from chalicelib.core.csvsafe import writer
from chalicelib.core.errors import NotFound
from chalicelib.reports import ikm, repository
from chalicelib.reports.service import JAKARTA, _months, _pct, period

TABLES = ("fulfilment", "first_response", "backlog", "approvals", "escalations", "ikm")
KINDS = ("consultation", "data_order", "complaint")
KIND_NAMES = {"consultation": "Konsultasi", "data_order": "Permintaan data", "complaint": "Pengaduan", "all": "Semua"}
STATUS_NAMES = {"submitted": "Diajukan", "awaiting_approval": "Menunggu persetujuan",
                "awaiting_payment": "Menunggu pembayaran", "queued": "Dalam antrean", "assigned": "Ditugaskan",
                "in_progress": "Dikerjakan", "escalated": "Dieskalasi"}


def _dist(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "median": round(statistics.median(values), 2) if values else None,
            "p90": _pct(values, 0.9)}


def _period_stats(frm: str, to: str) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, tuple[int, int]]]]:
    """Samples per (dimension, kind) and the IKM totals per kind {kind: {element: (sum, n)}} of a period."""
    lo = clock.parse_iso(frm).astimezone(JAKARTA).strftime("%Y-%m-%d")
    hi = clock.parse_iso(to).astimezone(JAKARTA).strftime("%Y-%m-%d")
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    totals: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for month in _months(frm, to):
        for r in repository.stats(month, lo, hi):
            _, dim, value = r.stat_key.split("#", 2)
            if dim in ("delivered", "first_response") and r.values:
                samples[dim][value].extend(float(x) for x in r.values)
            elif dim == "ikm" and "|" in value:
                kind, code = value.split("|", 1)
                s, n = totals[kind].get(code, (0, 0))
                totals[kind][code] = (s + int(r.total or 0), n + int(r.count or 0))
    return samples, totals


def _per_kind(by_kind: dict[str, list[float]]) -> list[dict[str, Any]]:
    rows = [{"kind": k, "kind_name": KIND_NAMES[k], **_dist(by_kind.get(k, []))} for k in KINDS]
    every = [v for k in KINDS for v in by_kind.get(k, [])]
    return [*rows, {"kind": "all", "kind_name": KIND_NAMES["all"], **_dist(every)}]


def _ikm_rows(totals: dict[str, dict[str, tuple[int, int]]]) -> list[dict[str, Any]]:
    rows = [{"kind": k, "kind_name": KIND_NAMES[k], **ikm.index(totals.get(k, {}))} for k in KINDS]
    merged: dict[str, tuple[int, int]] = {}
    for per in totals.values():
        for code, (s, n) in per.items():
            s0, n0 = merged.get(code, (0, 0))
            merged[code] = (s0 + s, n0 + n)
    return [*rows, {"kind": "all", "kind_name": KIND_NAMES["all"], **ikm.index(merged)}]


def _backlog(now: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Open requests per status and kind with how many are past their due date (not while the clock is
    paused: awaiting approval or payment is the consumer's time), and the approvals waiting."""
    from chalicelib.requests import lifecycle as lc
    from chalicelib.requests.models import RequestRecord

    rows = []
    approvals = {"pending": 0, "overdue": 0, "oldest_due_at": None}
    for status in STATUS_NAMES:
        counts: dict[str, list[int]] = {k: [0, 0] for k in KINDS}
        for r in RequestRecord.by_status.query(status, attributes_to_get=["kind", "due_sort", "due_at"]):
            c = counts.setdefault(r.kind, [0, 0])
            c[0] += 1
            due = (r.due_sort or "").split("#", 1)[0]
            if status not in lc.PAUSED and due and due < now:
                c[1] += 1
            if status == lc.AWAITING_APPROVAL:
                approvals["pending"] += 1
                # the approval's own due date ("sla" sets it); without one, nothing is overdue
                if r.due_at and r.due_at < now:
                    approvals["overdue"] += 1
                if r.due_at and (approvals["oldest_due_at"] is None or r.due_at < approvals["oldest_due_at"]):
                    approvals["oldest_due_at"] = r.due_at
        for kind, (n, late) in counts.items():
            if n:
                rows.append({"status": status, "status_name": STATUS_NAMES[status], "kind": kind,
                             "kind_name": KIND_NAMES.get(kind, kind), "open": n, "overdue": late})
    return rows, approvals


def _escalations(now: str) -> list[dict[str, Any]]:
    """Open escalations per producer unit, with how many are past the unit's due date (one Query per unit)."""
    from chalicelib.escalation.models import EscalationRecord
    from chalicelib.escalation.service import all_units

    rows = []
    for code, (name, _active) in sorted(all_units().items()):
        n = late = 0
        oldest = None
        for e in EscalationRecord.by_unit.query(code, filter_condition=EscalationRecord.status == "open"):
            n += 1
            late += 1 if e.due_at and e.due_at < now else 0
            oldest = e.created_at if oldest is None or e.created_at < oldest else oldest
        rows.append({"unit": code, "unit_name": name, "pending": n, "overdue": late, "oldest_at": oldest})
    return rows


def report(frm: str | None, to: str | None, only: str | None = None) -> dict[str, Any]:
    """The whole report, or with `only` just what that table needs (its CSV)."""
    frm, to = period(frm, to)
    now = clock.iso()
    out: dict[str, Any] = {"from": frm, "to": to, "as_of": now}
    if only in (None, "fulfilment", "first_response", "ikm"):
        samples, totals = _period_stats(frm, to)
        out.update(fulfilment=_per_kind(samples["delivered"]), first_response=_per_kind(samples["first_response"]),
                   ikm=_ikm_rows(totals))
    if only in (None, "backlog", "approvals"):
        backlog, approvals = _backlog(now)
        out.update(backlog=backlog, approvals=approvals,
                   backlog_total={"open": sum(r["open"] for r in backlog),
                                  "overdue": sum(r["overdue"] for r in backlog)})
    if only in (None, "escalations"):
        escalations = _escalations(now)
        out.update(escalations=escalations,
                   escalations_total={"pending": sum(r["pending"] for r in escalations),
                                      "overdue": sum(r["overdue"] for r in escalations)})
    return out


#: table -> (CSV header in Bahasa Indonesia, the row's cells)
def _csv_spec(table: str, data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    if table in ("fulfilment", "first_response"):
        return (["Layanan", "Jumlah selesai", "Median (hari kerja)", "P90 (hari kerja)"],
                [[r["kind_name"], r["count"], r["median"], r["p90"]] for r in data[table]])
    if table == "backlog":
        return (["Status", "Layanan", "Terbuka", "Lewat tenggat"],
                [[r["status_name"], r["kind_name"], r["open"], r["overdue"]] for r in data["backlog"]])
    if table == "approvals":
        a = data["approvals"]
        return (["Menunggu persetujuan", "Lewat tenggat persetujuan", "Tenggat terlama"],
                [[a["pending"], a["overdue"], a["oldest_due_at"] or ""]])
    if table == "escalations":
        return (["Unit produsen", "Eskalasi terbuka", "Lewat tenggat", "Tertua sejak"],
                [[r["unit_name"], r["pending"], r["overdue"], r["oldest_at"] or ""] for r in data["escalations"]])
    header = ["Layanan", "Responden", *[name for _, name in ikm.ELEMENTS], "IKM (1-4)", "Nilai IKM (25-100)",
              "Mutu", "Kinerja"]
    rows = []
    for r in data["ikm"]:
        nrr = {e["element"]: e["nrr"] for e in r["elements"]}
        rows.append([r["kind_name"], r["respondents"], *[nrr[c] if nrr[c] is not None else "" for c in ikm.CODES],
                     r["value"] if r["value"] is not None else "", r["index"] if r["index"] is not None else "",
                     r["grade"] or "", r["performance"] or ""])
    return header, rows


def table_csv(table: str, frm: str | None, to: str | None) -> tuple[str, str]:
    """(CSV text, file name) of one table of the report; cells through the OWASP-safe writer."""
    if table not in TABLES:
        raise NotFound(f"no report table {table!r}; one of {', '.join(TABLES)}")
    data = report(frm, to, only=table)
    header, rows = _csv_spec(table, data)
    out = io.StringIO()
    w = writer(out)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    a = clock.parse_iso(data["from"]).astimezone(JAKARTA).date().isoformat()
    b = clock.parse_iso(data["to"]).astimezone(JAKARTA).date().isoformat()
    return out.getvalue(), f"laporan-{table.replace('_', '-')}-{a}-{b}.csv"

"""A month of the service desk, simulated (discrete events) with the REAL delegation policy code.

Compares `chalicelib.delegation.policy.rank` (least loaded in expected time — shortest expected delay — among
the operators who can start the request before their shift ends, when handling times and shift ends are known;
what the system uses) with
`policy.round_robin` (next in line, ignoring load but not quota) on the same arrivals, the same work, the same
escalations and the same absences, in a NORMAL month and a PEAK month above the desk's capacity, and prints
``BENCH name=value`` lines (the headline ``sim_*`` figures are the peak month's, where delegation matters;
``sim_normal_*`` the normal month's), merged into bench/results.json.

Model (every number below is a stated assumption, not a measurement):
- Calendar: the system's SLA calendar (`chalicelib.requests.sla.calendar()`, a `chalicelib.core.workdays.
  WorkCalendar` with the configured national holidays; office hours 08:00–16:00 Asia/Jakarta, Mon–Fri).
  Normal month 2026-10 (22 working days), peak month 2026-11; ``--seeds`` (4) independent months of each
  (different arrivals, work, escalations and absences): the figures are the means over them.
- Arrivals: a Poisson process over office time only (nothing at night or on non-working days): ~2,500
  requests in the normal month, ``--peak-factor`` (1.1) times as many in the peak month. Kinds: 50%
  consultation (topics data/metadata/classification 50/30/20), 40% data order, 10% complaint. The simulation
  starts at delegation: time spent waiting on the consumer (payment, approval) pauses the SLA clock anyway.
- SLA targets: the configured `Settings` (defaults consultation 3, data order 5, complaint 2 working days),
  due dates by `WorkCalendar.add_working_days`, as in the system. Fulfilment time: working days from arrival
  to delivery (`WorkCalendar.working_days_between`).
- Roster: 8 operators, quota 6 each, all serving every kind; two desk shifts per working day, pagi
  08:00–12:00 and siang 12:00–16:00 WIB. op1–op4 take pagi in even ISO weeks and siang in odd weeks,
  op5–op8 the opposite, so 4 operators are on duty at any office moment (absences aside). An operator works
  on desk requests only during their shift (the rest of the day is their other statistical work): what they
  hold at the end of a shift waits for their next shift. Each works one request at a time, most urgent (due
  date) first.
- Slow operators: op4 and op8 (one per shift group) are 1.6x slower, op2 1.3x.
- Work: touch time in minutes of desk time, lognormal per kind — medians consultation 6, data order 10,
  complaint 8 minutes, sigma 1.0 (mean = median x 1.65, a long tail of custom tabulations). ``--scale``
  multiplies every touch time. The normal month offers ~90-95 % of the desk's capacity (its operators
  present, at their speed), the peak month ~110 % (both printed as "offered load").
- Escalations: 15 % of consultations need a producer unit's answer: the operator spends 40 % of the touch
  time, escalates, the request waits for the producer (office time, lognormal, median 1 working day = 8 office
  hours, sigma 0.8) while it still counts in the operator's load (it is theirs), then returns to them for the
  other 60 %.
- Absences: each operator is absent on a working day with probability 4 % (unplanned, known at the start of
  the day); op2 is on planned leave the 6th–8th working day of the month, op6 the 14th–16th. An absent
  operator is not on duty. What they hold waits for their return (the system today); with
  ``--redistribute`` (issue 20: absence redistribution) their held, not yet started requests go back to the
  queue when their absence starts.
- Delegation as in the system: on arrival, on every completion (capacity frees) and at each shift start, a
  request goes to the policy's first eligible operator (on duty, active, load < quota); otherwise it waits in
  the queue, which drains in (due date, age) order. The policy sees, per operator, what the system can know:
  load, quota, last assignment, the operator's mean desk minutes per delivered request so far this month
  (none before their 3rd delivery), the minutes left in their shift (from the roster) and how many of
  their requests wait for a producer. Arrivals stop at
  the month's end; the run continues until every request is delivered.
- The same random numbers serve both policies (same arrivals, touch times, escalations, producer delays,
  absences).
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KIND_MIX = (("consultation", 0.5), ("data_order", 0.4), ("complaint", 0.1))
TOPIC_MIX = (("data", 0.5), ("metadata", 0.3), ("classification", 0.2))
MEDIAN_MIN = {"consultation": 6.0, "data_order": 10.0, "complaint": 8.0}
SIGMA = 1.0
N_OPERATORS = 8
QUOTA = 6
SLOW = {"op4": 1.6, "op8": 1.6, "op2": 1.3}
SHIFTS = {"pagi": (8, 12), "siang": (12, 16)}
ESCALATION_SHARE = 0.15  # of consultations
ESCALATION_FIRST_PART = 0.4  # of the touch time, before escalating
PRODUCER_MEDIAN_OFFICE_H = 8.0
PRODUCER_SIGMA = 0.8
ABSENCE_P = 0.04  # per operator and working day
PLANNED_LEAVE = {"op2": (6, 8), "op6": (14, 16)}  # working-day numbers of the month (1-based, inclusive)
MIN_DELIVERIES_FOR_SPEED = 3


@dataclass
class Req:
    rid: int
    kind: str
    topic: str | None
    arrival: datetime
    due: datetime
    base_min: float
    producer_h: float | None = None  # escalated: the producer's answer time (office hours)
    assignee: str | None = None
    assigned: datetime | None = None
    started: datetime | None = None
    delivered: datetime | None = None
    done_min: float = 0.0  # touch minutes already spent
    waiting: bool = False  # escalated, waiting for the producer

    def fresh(self) -> Req:
        return Req(self.rid, self.kind, self.topic, self.arrival, self.due, self.base_min, self.producer_h)

    @property
    def remaining_min(self) -> float:
        if self.producer_h is not None and self.done_min == 0.0:
            return self.base_min * ESCALATION_FIRST_PART
        return self.base_min - self.done_min


@dataclass
class Op:
    operator_id: str
    index: int
    speed: float
    quota: int = QUOTA
    held: list[Req] = field(default_factory=list)  # assigned: to start, or waiting for a producer
    busy: Req | None = None
    last_assigned_at: str = ""
    delivered: int = 0
    desk_min: float = 0.0  # desk minutes spent on delivered requests

    @property
    def load(self) -> int:
        return len(self.held) + (1 if self.busy else 0)

    def minutes_per_request(self) -> float | None:
        return self.desk_min / self.delivered if self.delivered >= MIN_DELIVERIES_FOR_SPEED else None


def calendar() -> Any:
    """The system's SLA calendar: a `chalicelib.core.workdays.WorkCalendar` with the configured holidays."""
    from chalicelib.requests.sla import calendar as sla_calendar

    return sla_calendar()


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    x = rng.random()
    acc = 0.0
    for value, p in mix:
        acc += p
        if x < acc:
            return value
    return mix[-1][0]


def month_bounds(cal: Any, month: str) -> tuple[datetime, datetime]:
    y, m = (int(x) for x in month.split("-"))
    return datetime(y, m, 1, tzinfo=cal.tz), datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=cal.tz)


def working_days(cal: Any, month: str) -> list[date]:
    start, end = month_bounds(cal, month)
    days, d = [], start.date()
    while d < end.date():
        if cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


def arrivals(cal: Any, month: str, n_target: int, seed: int, scale: float = 1.0) -> list[Req]:
    from chalicelib.core.config import get_settings

    s = get_settings()
    sla = {"consultation": s.sla_days_consultation, "data_order": s.sla_days_data_order,
           "complaint": s.sla_days_complaint}
    start, end = month_bounds(cal, month)
    office_s = cal.office_seconds_between(start, end)
    rate = n_target / office_s  # per office second
    rng = random.Random(seed)
    out: list[Req] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= office_s:
            break
        at = cal.add_office_time(start, timedelta(seconds=t))
        kind = _pick(rng, KIND_MIX)
        topic = _pick(rng, TOPIC_MIX) if kind == "consultation" else None
        base = scale * MEDIAN_MIN[kind] * math.exp(rng.gauss(0.0, SIGMA))
        escalated = kind == "consultation" and rng.random() < ESCALATION_SHARE
        producer_h = PRODUCER_MEDIAN_OFFICE_H * math.exp(rng.gauss(0.0, PRODUCER_SIGMA)) if escalated else None
        out.append(Req(len(out), kind, topic, at, cal.add_working_days(at, sla[kind]), base, producer_h))
    return out


def absences(cal: Any, month: str, seed: int, days_after: int = 120) -> set[tuple[int, date]]:
    """(operator index, day) of every absence: planned leave in the month + unplanned days (until days_after)."""
    rng = random.Random(seed + 7)
    month_days = working_days(cal, month)
    out: set[tuple[int, date]] = set()
    for name, (lo, hi) in PLANNED_LEAVE.items():
        i = int(name[2:]) - 1
        out.update((i, d) for d in month_days[lo - 1: hi])
    d = month_days[0]
    for _ in range(days_after):
        if cal.is_working_day(d):
            for i in range(N_OPERATORS):
                if rng.random() < ABSENCE_P:
                    out.add((i, d))
        d += timedelta(days=1)
    return out


def shift_of(op_index: int, d: date) -> tuple[int, int]:
    """The (start hour, end hour) of an operator's desk shift on a working day."""
    even_week = d.isocalendar().week % 2 == 0
    group_a = op_index < N_OPERATORS // 2
    return SHIFTS["pagi" if even_week == group_a else "siang"]


class Roster:
    def __init__(self, cal: Any, absent: set[tuple[int, date]]) -> None:
        self.cal = cal
        self.absent = absent

    def on_duty(self, op_index: int, t: datetime) -> bool:
        local = self.cal.to_local(t)
        d = local.date()
        if not self.cal.is_working_day(d) or (op_index, d) in self.absent:
            return False
        lo, hi = shift_of(op_index, d)
        return lo <= local.hour < hi

    def minutes_left(self, op_index: int, t: datetime) -> float:
        local = self.cal.to_local(t)
        _, hi = shift_of(op_index, local.date())
        end = datetime(local.year, local.month, local.day, hi, tzinfo=self.cal.tz)
        return max(0.0, (end - local).total_seconds() / 60.0)

    def add_shift_time(self, op_index: int, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of the operator's desk time have passed from `start` (their shifts only)."""
        cal = self.cal
        left = minutes * 60.0
        cur = cal.to_local(start)
        while True:
            d = cur.date()
            if cal.is_working_day(d) and (op_index, d) not in self.absent:
                lo, hi = shift_of(op_index, d)
                a = max(cur, datetime(d.year, d.month, d.day, lo, tzinfo=cal.tz))
                b = datetime(d.year, d.month, d.day, hi, tzinfo=cal.tz)
                if b > a:
                    span = (b - a).total_seconds()
                    if left <= span:
                        return a + timedelta(seconds=left)
                    left -= span
            nxt = d + timedelta(days=1)
            cur = datetime(nxt.year, nxt.month, nxt.day, tzinfo=cal.tz)


def shift_starts(cal: Any, first: date, last: date) -> list[datetime]:
    out = []
    d = first
    while d <= last:
        if cal.is_working_day(d):
            out += [datetime(d.year, d.month, d.day, lo, tzinfo=cal.tz) for lo, _ in SHIFTS.values()]
        d += timedelta(days=1)
    return out


def simulate(policy_name: str, reqs_in: list[Req], cal: Any, absent: set[tuple[int, date]],
             redistribute: bool = False) -> dict[str, Any]:
    from chalicelib.delegation import policy

    roster = Roster(cal, absent)
    reqs = [r.fresh() for r in reqs_in]
    ops = [Op(f"op{i + 1}", i, SLOW.get(f"op{i + 1}", 1.0)) for i in range(N_OPERATORS)]
    by_id = {o.operator_id: o for o in ops}
    events: list[tuple[float, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at.timestamp(), seq, kind, payload))

    for r in reqs:
        push(r.arrival, "arrive", r)
    last_day = (reqs[-1].arrival + timedelta(days=120)).date()
    for st in shift_starts(cal, reqs[0].arrival.date(), last_day):
        push(st, "shift", None)

    queue: list[tuple[str, float, int, Req]] = []  # (due iso, arrival ts, rid, req): the (due, age) order
    rr_counter = 0
    remaining = len(reqs)
    redistributed = 0

    def candidates(now: datetime) -> list[Any]:
        return [policy.Candidate(o.operator_id, o.load, o.quota, True, (), o.last_assigned_at,
                                 o.minutes_per_request(), roster.minutes_left(o.index, now),
                                 sum(1 for x in o.held if x.waiting))
                for o in ops if roster.on_duty(o.index, now)]

    def choose(r: Req, now: datetime) -> Op | None:
        nonlocal rr_counter
        cands = candidates(now)
        if policy_name == "rank":
            ranked = policy.rank(cands, r.kind, r.topic)
        else:
            ranked = policy.round_robin(cands, rr_counter, r.kind, r.topic)
        if not ranked:
            return None
        rr_counter += 1
        return by_id[ranked[0].operator_id]

    def start_next(o: Op, now: datetime) -> None:
        if o.busy:
            return
        workable = [x for x in o.held if not x.waiting]
        if not workable:
            return
        r = min(workable, key=lambda x: (x.due, x.arrival))
        o.held.remove(r)
        o.busy = r
        if r.started is None:
            r.started = now
        minutes = r.remaining_min
        done = roster.add_shift_time(o.index, now, minutes * o.speed)
        push(done, "done", (o, r, minutes))

    def assign(r: Req, o: Op, now: datetime) -> None:
        r.assignee = o.operator_id
        r.assigned = now
        o.held.append(r)
        o.last_assigned_at = now.astimezone(UTC).isoformat(timespec="seconds")
        start_next(o, now)

    def drain(now: datetime) -> None:
        while queue:
            _, _, _, r = queue[0]
            o = choose(r, now)
            if o is None:
                return
            heapq.heappop(queue)
            assign(r, o, now)

    while events and remaining:
        ts, _, kind, payload = heapq.heappop(events)
        now = datetime.fromtimestamp(ts, cal.tz)
        if kind == "arrive":
            r = payload
            o = choose(r, now) if not queue else None
            if o is not None:
                assign(r, o, now)
            else:
                heapq.heappush(queue, (r.due.isoformat(), r.arrival.timestamp(), r.rid, r))
                drain(now)
        elif kind == "done":
            o, r, minutes = payload
            o.busy = None
            o.desk_min += minutes * o.speed
            r.done_min += minutes
            if r.producer_h is not None and r.done_min < r.base_min - 1e-9 and not r.waiting and \
                    r.done_min <= r.base_min * ESCALATION_FIRST_PART + 1e-9:
                r.waiting = True  # escalated: back to the operator when the producer answers
                o.held.append(r)
                push(cal.add_office_time(now, timedelta(hours=r.producer_h)), "answer", (o, r))
            else:
                r.delivered = now
                o.delivered += 1
                remaining -= 1
            start_next(o, now)
            drain(now)
        elif kind == "answer":
            o, r = payload
            r.waiting = False
            start_next(o, now) if roster.on_duty(o.index, now) else None
        else:  # a shift starts: absent operators' held requests may go back to the queue; then drain
            d = cal.to_local(now).date()
            if redistribute:
                for o in ops:
                    lo, _ = shift_of(o.index, d)
                    if (o.index, d) in absent and cal.to_local(now).hour == lo:
                        for r in [x for x in o.held if not x.waiting and x.started is None]:
                            o.held.remove(r)
                            r.assignee = None
                            heapq.heappush(queue, (r.due.isoformat(), r.arrival.timestamp(), r.rid, r))
                            redistributed += 1
            for o in ops:
                if roster.on_duty(o.index, now):
                    start_next(o, now)
            drain(now)

    days = [cal.working_days_between(r.arrival, r.delivered) for r in reqs]
    on_time = sum(1 for r in reqs if r.delivered <= r.due)
    delivered = [o.delivered for o in ops]
    return {
        "requests": len(reqs),
        "sla_attainment_pct": round(100.0 * on_time / len(reqs), 1),
        "load_imbalance": round(max(delivered) / statistics.mean(delivered), 3),
        "median_days": round(statistics.median(days), 2),
        "p90_days": round(statistics.quantiles(days, n=10)[-1], 2),
        "delivered_per_operator": {o.operator_id: o.delivered for o in ops},
        "redistributed": redistributed,
        "sla_by_kind": {k: round(100.0 * sum(1 for r in reqs if r.kind == k and r.delivered <= r.due)
                                 / max(1, sum(1 for r in reqs if r.kind == k)), 1) for k, _ in KIND_MIX},
        "p90_by_kind": {k: round(statistics.quantiles([d for r, d in zip(reqs, days, strict=True) if r.kind == k],
                                                      n=10)[-1], 2) for k, _ in KIND_MIX},
    }


def offered_load(cal: Any, month: str, reqs: list[Req], absent: set[tuple[int, date]]) -> float:
    """Offered touch time / the desk's capacity in the month (shift hours of present operators, at their speed)."""
    hours = {s: hi - lo for s, (lo, hi) in SHIFTS.items()}
    cap_h = sum(hours["pagi"] / SLOW.get(f"op{i + 1}", 1.0)
                for d in working_days(cal, month) for i in range(N_OPERATORS) if (i, d) not in absent)
    return sum(r.base_min for r in reqs) / 60.0 / cap_h


def run_month(cal: Any, month: str, n: int, seed: int, scale: float, redistribute: bool) -> dict[str, Any]:
    reqs = arrivals(cal, month, n, seed, scale)
    absent = absences(cal, month, seed)
    out = {"month": month, "requests": len(reqs), "offered": offered_load(cal, month, reqs, absent),
           "escalated": sum(1 for r in reqs if r.producer_h is not None),
           "absent_days": sum(1 for _, d in absent if month_bounds(cal, month)[0].date() <= d
                              < month_bounds(cal, month)[1].date())}
    out["rank"] = simulate("rank", reqs, cal, absent, redistribute)
    out["round_robin"] = simulate("round_robin", reqs, cal, absent, redistribute)
    return out


def merge_results(path: str, figures: dict[str, Any]) -> None:
    results: dict[str, Any] = {}
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as fh:
                results = json.load(fh)
        except ValueError:
            results = {}
    results.update(figures)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--month", default="2026-10", help="the normal month")
    ap.add_argument("--peak-month", default="2026-11")
    ap.add_argument("--requests", type=int, default=2500, help="expected arrivals in the normal month")
    ap.add_argument("--peak-factor", type=float, default=1.1, help="arrivals of the peak month / the normal one")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=4, help="independent months of each kind; figures are means")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every touch time")
    ap.add_argument("--redistribute", action="store_true", help="absent operators' waiting requests go back")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    cal = calendar()
    runs: dict[str, list[dict[str, Any]]] = {"normal": [], "peak": []}
    for k in range(args.seeds):
        seed = args.seed + k
        runs["normal"].append(run_month(cal, args.month, args.requests, seed, args.scale, args.redistribute))
        runs["peak"].append(run_month(cal, args.peak_month, round(args.requests * args.peak_factor), seed,
                                      args.scale, args.redistribute))
    for label, months in runs.items():
        for m, seed in zip(months, range(args.seed, args.seed + args.seeds), strict=True):
            print(f"# {label} month {m['month']} seed {seed}: {m['requests']} requests ({m['escalated']} escalated), "
                  f"{N_OPERATORS} operators (quota {QUOTA}), {m['absent_days']} operator-days absent, offered load "
                  f"{100 * m['offered']:.0f}% of desk capacity; redistribution on absence: {args.redistribute}")
            for name in ("rank", "round_robin"):
                res = m[name]
                print(f"#   {name:11}: SLA {res['sla_attainment_pct']}% (by kind {res['sla_by_kind']}), median "
                      f"{res['median_days']} / p90 {res['p90_days']} working days (p90 by kind "
                      f"{res['p90_by_kind']}); delivered per operator {res['delivered_per_operator']}")
    print(f"# {args.seeds} months of each kind in {time.perf_counter() - t0:.1f} s; figures: means over them "
          "(sim_*: the peak month, sim_normal_*: the normal month)")

    def mean(months: list[dict[str, Any]], name: str, key: str) -> float:
        return round(statistics.mean(m[name][key] for m in months), 2)

    peak = runs["peak"]
    figures: dict[str, Any] = {
        "sim_requests": round(statistics.mean(m["requests"] for m in peak)),
        "sim_offered_load_pct": round(100 * statistics.mean(m["offered"] for m in peak)),
        "sim_normal_offered_load_pct": round(100 * statistics.mean(m["offered"] for m in runs["normal"])),
    }
    for prefix, months in (("sim", peak), ("sim_normal", runs["normal"])):
        for suffix, name in (("", "rank"), ("_round_robin", "round_robin")):
            for key in ("sla_attainment_pct", "p90_days", "median_days", "load_imbalance"):
                figures[f"{prefix}_{key}{suffix}"] = mean(months, name, key)
    for k, v in figures.items():
        print(f"BENCH {k}={v}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

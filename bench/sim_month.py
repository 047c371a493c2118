"""A month of the service desk, simulated (discrete events) with the REAL delegation policy code.

Compares `chalicelib.delegation.policy.rank` (least loaded first, ties to the longest idle — what the system
uses) with `policy.round_robin` (next in line, ignoring load but not quota) on the same arrivals and the same
work, and prints ``BENCH name=value`` lines, merged into bench/results.json.

Model (every number below is a stated assumption, not a measurement):
- Calendar: the system's SLA calendar (`chalicelib.requests.sla.calendar()`, a `chalicelib.core.workdays.
  WorkCalendar` with the configured national holidays; office hours 08:00–16:00 Asia/Jakarta, Mon–Fri).
  Default month: 2026-10 (22 working days).
- Arrivals: a Poisson process over office time only (nothing at night or on non-working days), at a rate
  that brings ~3,000 requests in the month. Kinds: 50% consultation (topics data/metadata/classification
  50/30/20), 40% data order, 10% complaint. The simulation starts at delegation: time spent waiting on the
  consumer (payment, approval) pauses the SLA clock anyway.
- SLA targets: the configured `Settings` (defaults consultation 3, data order 5, complaint 2 working days),
  due dates by `WorkCalendar.add_working_days`, as in the system.
- Roster: 8 operators, quota 6 each, all serving every kind; two desk shifts per working day, pagi
  08:00–12:00 and siang 12:00–16:00 WIB. op1–op4 take pagi in even ISO weeks and siang in odd weeks,
  op5–op8 the opposite, so 4 operators are on duty at any office moment. An operator works on desk requests
  only during their shift (the rest of the day is their other statistical work): what they hold at the end
  of a shift waits for their next shift. Each works one request at a time, most urgent (due date) first.
- Work: touch time in minutes of desk time, lognormal per kind — medians consultation 6, data order 10,
  complaint 8 minutes, sigma 1.0 (mean = median x 1.65, a long tail of custom tabulations); op4 and op8 (one
  per shift) are 1.6x slower. That offers ~100% of the desk's capacity over the month (printed as "offered
  load"): a peak month, absorbed only because the backlog clears after the month's end. `--scale` multiplies
  every touch time (e.g. 1.2 for an overloaded month).
- Delegation as in the system: on arrival, on every completion (capacity frees) and at each shift start, a
  request goes to the policy's first eligible operator (on duty, active, load < quota); otherwise it waits in
  the queue, which drains in (due date, age) order. Arrivals stop at the month's end; the run continues until
  every request is delivered.
- The same random numbers serve both policies (same arrivals, same base touch times).
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
SLOW = {"op4": 1.6, "op8": 1.6}
SHIFTS = {"pagi": (8, 12), "siang": (12, 16)}


@dataclass
class Req:
    rid: int
    kind: str
    topic: str | None
    arrival: datetime
    due: datetime
    base_min: float
    assignee: str | None = None
    assigned: datetime | None = None
    started: datetime | None = None
    delivered: datetime | None = None


@dataclass
class Op:
    operator_id: str
    speed: float
    quota: int = QUOTA
    held: list[Req] = field(default_factory=list)  # assigned, not started
    busy: Req | None = None
    last_assigned_at: str = ""
    delivered: int = 0

    @property
    def load(self) -> int:
        return len(self.held) + (1 if self.busy else 0)


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


def arrivals(cal: Any, month: str, n_target: int, seed: int, scale: float = 1.0) -> list[Req]:
    from chalicelib.core.config import get_settings

    s = get_settings()
    sla = {"consultation": s.sla_days_consultation, "data_order": s.sla_days_data_order,
           "complaint": s.sla_days_complaint}
    y, m = (int(x) for x in month.split("-"))
    start = datetime(y, m, 1, tzinfo=cal.tz)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=cal.tz)
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
        out.append(Req(len(out), kind, topic, at, cal.add_working_days(at, sla[kind]), base))
    return out


def shift_of(op_index: int, d: date) -> tuple[int, int]:
    """The (start hour, end hour) of an operator's desk shift on a working day."""
    even_week = d.isocalendar().week % 2 == 0
    group_a = op_index < N_OPERATORS // 2
    return SHIFTS["pagi" if even_week == group_a else "siang"]


def on_duty(op_index: int, t: datetime, cal: Any) -> bool:
    local = cal.to_local(t)
    if not cal.is_working_day(local.date()):
        return False
    lo, hi = shift_of(op_index, local.date())
    return lo <= local.hour < hi


def add_shift_time(op_index: int, start: datetime, minutes: float, cal: Any) -> datetime:
    """The moment `minutes` of the operator's desk time have passed from `start` (shifts only)."""
    left = minutes * 60.0
    cur = cal.to_local(start)
    while True:
        d = cur.date()
        if cal.is_working_day(d):
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


def simulate(policy_name: str, reqs_in: list[Req], cal: Any) -> dict[str, Any]:
    from chalicelib.delegation import policy

    reqs = [Req(r.rid, r.kind, r.topic, r.arrival, r.due, r.base_min) for r in reqs_in]
    ops = [Op(f"op{i + 1}", SLOW.get(f"op{i + 1}", 1.0)) for i in range(N_OPERATORS)]
    by_id = {o.operator_id: o for o in ops}
    index = {o.operator_id: i for i, o in enumerate(ops)}
    events: list[tuple[float, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at.timestamp(), seq, kind, payload))

    for r in reqs:
        push(r.arrival, "arrive", r)
    last_day = (reqs[-1].arrival + timedelta(days=120)).date()
    for s in shift_starts(cal, reqs[0].arrival.date(), last_day):
        push(s, "shift", None)

    queue: list[tuple[str, float, int, Req]] = []  # (due iso, arrival ts, rid, req): the (due, age) order
    rr_counter = 0
    remaining = len(reqs)

    def candidates(now: datetime) -> list[Any]:
        return [policy.Candidate(o.operator_id, o.load, o.quota, True, (), o.last_assigned_at)
                for o in ops if on_duty(index[o.operator_id], now, cal)]

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
        if o.busy or not o.held:
            return
        o.held.sort(key=lambda x: (x.due, x.arrival))
        o.busy = o.held.pop(0)
        o.busy.started = now
        done = add_shift_time(index[o.operator_id], now, o.busy.base_min * o.speed, cal)
        push(done, "done", o)

    def assign(r: Req, o: Op, now: datetime) -> None:
        r.assignee = o.operator_id
        r.assigned = now
        o.held.append(r)
        o.last_assigned_at = now.astimezone(UTC).isoformat(timespec="seconds")
        start_next(o, now)

    def drain(now: datetime) -> None:
        while queue:
            if not any(c.load < c.quota for c in candidates(now)):
                return
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
            o = payload
            r = o.busy
            r.delivered = now
            o.busy = None
            o.delivered += 1
            remaining -= 1
            start_next(o, now)
            drain(now)
        else:  # a shift starts
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
        "sla_by_kind": {k: round(100.0 * sum(1 for r in reqs if r.kind == k and r.delivered <= r.due)
                                 / max(1, sum(1 for r in reqs if r.kind == k)), 1) for k, _ in KIND_MIX},
    }


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
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--requests", type=int, default=3000, help="expected arrivals in the month")
    ap.add_argument("--seed", type=int, default=20261001)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every touch time")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    cal = calendar()
    reqs = arrivals(cal, args.month, args.requests, args.seed, args.scale)
    y, m = (int(x) for x in args.month.split("-"))
    first = date(y, m, 1)
    days = sum(1 for i in range(31) if (first + timedelta(days=i)).month == m
               and cal.is_working_day(first + timedelta(days=i)))
    hours = {s: hi - lo for s, (lo, hi) in SHIFTS.items()}
    capacity_h = sum(days * hours["pagi"] / SLOW.get(f"op{i + 1}", 1.0) for i in range(N_OPERATORS))
    offered = sum(r.base_min for r in reqs) / 60.0 / capacity_h
    ranked = simulate("rank", reqs, cal)
    rr = simulate("round_robin", reqs, cal)
    print(f"# month {args.month}: {len(reqs)} requests, {N_OPERATORS} operators (quota {QUOTA}), "
          f"seed {args.seed}, offered load {100 * offered:.0f}% of desk capacity, {time.perf_counter() - t0:.1f} s")
    for name, res in (("rank", ranked), ("round_robin", rr)):
        print(f"# {name}: delivered per operator {res['delivered_per_operator']}; SLA by kind "
              f"{res['sla_by_kind']}; p90 {res['p90_days']} working days")
    figures = {
        "sim_requests": len(reqs),
        "sim_sla_attainment_pct": ranked["sla_attainment_pct"],
        "sim_sla_attainment_pct_round_robin": rr["sla_attainment_pct"],
        "sim_load_imbalance": ranked["load_imbalance"],
        "sim_load_imbalance_round_robin": rr["load_imbalance"],
        "sim_median_days": ranked["median_days"],
        "sim_median_days_round_robin": rr["median_days"],
        "sim_p90_days": ranked["p90_days"],
        "sim_p90_days_round_robin": rr["p90_days"],
    }
    for k, v in figures.items():
        print(f"BENCH {k}={v}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

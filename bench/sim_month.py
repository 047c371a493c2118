"""A month of the service desk, simulated (discrete events) with the REAL delegation policy code.

Compares `chalicelib.delegation.policy.rank` (least loaded in expected time — shortest expected delay — among
the operators who can start the request before their shift ends, when handling times and shift ends are known;
what the system uses, fed by `chalicelib.delegation.service.candidates`) with `policy.round_robin` (next in
line, ignoring load but not quota) on the same arrivals, the same work, the same escalations, approvals and
absences, in a NORMAL month and a PEAK month above the desk's capacity; and runs the real policy with one of the
system's tools off: without issue 20's approval/escalation SLAs, reminders and absence redistribution
(``*_no_sla_reminders_redistribution``), and without issue 19's automatic delivery of file-backed orders
(``*_no_autodeliver``). Prints ``BENCH name=value`` lines (``sim_*``: the peak month, every tool on;
``sim_normal_*``: the normal month; ``sim_<group>_median_days`` / ``_p90_days`` per kind and for the escalated
consultations, the orders awaiting an approval and the file-backed orders), merged into bench/results.json.

Model (every number below is a stated assumption, not a measurement):
- Calendar: the system's SLA calendar (`chalicelib.requests.sla.calendar()`, a `chalicelib.core.workdays.
  WorkCalendar` with the configured national holidays; office hours 08:00–16:00 Asia/Jakarta, Mon–Fri).
  Normal month 2026-10, peak month 2026-11; ``--seeds`` (4) independent months of each (different arrivals,
  work, escalations, approvals and absences): the figures are the means over them.
- Arrivals: a Poisson process over office time only (nothing at night or on non-working days): ~2,800
  requests in the normal month, ``--peak-factor`` (1.2) times as many in the peak month. Kinds: 50%
  consultation (topics data/metadata/classification 50/30/20), 40% data order, 10% complaint. The consumer's
  own time (paying a billing) is outside the simulation: a paid order arrives when it is paid.
- Approvals (issue 20 item 1): 13 % of data orders (zero-rupiah orders and microdata abstracts) wait for a
  supervisor before the desk: lognormal, median 12 office hours (1.5 working days), sigma 1.0, at most 14
  working days (the expiry). With the approval SLA (2 working days) and its reminders: see "Reminders". The SLA
  clock pauses while a request awaits its approval (SPEC §2); the fulfilment time counts it (it is the office's).
- Automatic delivery (issue 19): 45 % of the other data orders hold only published file-backed items (free, or
  paid and delivered seconds after the payment): delivered at once with no operator. Without it
  (``*_no_autodeliver``) they are desk work like any data order. Mixed orders are counted as desk work.
- SLA targets: the configured `Settings` (defaults consultation 3, data order 5, complaint 2 working days),
  due dates by `WorkCalendar.add_working_days` from when the request reaches the desk (after an approval).
  Fulfilment time: working days from submission to delivery (`WorkCalendar.working_days_between`); an
  auto-delivered order takes 0 and is on time.
- Roster: 8 operators, quota 6 each, all serving every kind; two desk shifts per working day, pagi
  08:00–12:00 and siang 12:00–16:00 WIB. op1–op4 take pagi in even ISO weeks and siang in odd weeks,
  op5–op8 the opposite, so 4 operators are on duty at any office moment (absences aside). An operator works
  on desk requests only during their shift (the rest of the day is their other statistical work): what they
  hold at the end of a shift waits for their next shift. Each works one request at a time, most urgent (due
  date) first — the due-date reminders to the assignee are this order (they change nothing else here).
- Slow operators: op4 and op8 (one per shift group) are 1.6x slower, op2 1.3x.
- Work: touch time in minutes of desk time, lognormal per kind — medians consultation 6, data order 10,
  complaint 8 minutes, sigma 1.0 (mean = median x 1.65, a long tail of custom tabulations). ``--scale``
  multiplies every touch time. The normal month offers ~85 % of the desk's capacity (its operators present, at
  their speed; after automatic delivery), the peak month ~105 % (both printed, and without automatic delivery).
- Escalations (issue 20 item 2): 15 % of consultations need a producer unit's answer: the operator spends 40 %
  of the touch time, escalates, the request waits for the producer while it still counts in the operator's load
  (it is theirs), then returns to them for the other 60 %. Units and their own answer times (office hours,
  lognormal medians, sigma 1.0): produksi 25 % of escalations / 6 h, sosial 30 % / 8 h, distribusi 20 % / 10 h,
  neraca 15 % / 16 h, metodologi 10 % / 8 h. With the escalation SLA (2 working days) and its reminders: see
  "Reminders".
- Reminders (issue 20 items 1-2), for approvals and escalations alike: at half the SLA the approver / producer is
  reminded and answers soon after with probability 0.5 (exponential, mean 3 office hours); when it is overdue the
  head of the unit (and the supervisor) is told and has it answered within a lognormal time (median 4 office
  hours, sigma 0.7). A reminder never makes an answer later (`reminded`). Without the SLAs nothing reminds anyone.
- Absences: each operator is absent on a working day with probability 4 % (unplanned, known at the start of
  the day); op2 is on planned leave the 6th–8th working day of the month, op6 the 14th–16th. An absent
  operator is not on duty. With absence redistribution (issue 20 item 3, on unless the scenario says so) their
  held, not yet started requests go back to the queue when their absence starts; without it they wait for
  their return.
- Delegation as in the system: on arrival, on every completion (capacity frees) and at each shift start, a
  request goes to the policy's first eligible operator (on duty, active, load < quota); otherwise it waits in
  the queue, which drains in (due date, age) order. The policy sees, per operator, what the system can know:
  load, quota, last assignment, the operator's mean desk minutes per delivered request so far this month
  (none before their 3rd delivery), the minutes left in their shift (from the roster) and how many of
  their requests wait for a producer. Arrivals stop at the month's end; the run continues until every request
  is delivered.
- The same random numbers serve every policy and scenario (same arrivals, touch times, escalations, producer
  and approver times, reminders' effect, absences).
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
#: producer units (chalicelib/escalation UNITS): share of escalations and median answer time in office hours
UNITS = {"produksi": (0.25, 6.0), "sosial": (0.30, 8.0), "distribusi": (0.20, 10.0), "neraca": (0.15, 16.0),
         "metodologi": (0.10, 8.0)}
PRODUCER_SIGMA = 1.0
ESCALATION_SLA_H = 16.0  # SLA_DAYS_ESCALATION = 2 working days of 8 office hours
#: approvals: zero-rupiah orders and microdata abstracts (a share of data orders) wait for a supervisor
APPROVAL_SHARE = 0.13  # of data orders
APPROVAL_MEDIAN_H = 12.0  # office hours, with nothing reminding anyone (today)
APPROVAL_SIGMA = 1.0
APPROVAL_SLA_H = 16.0  # SLA_DAYS_APPROVAL = 2 working days
APPROVAL_MAX_H = 14 * 8.0  # expires after 14 working days: the consumer gets a "no" at the latest then
#: reminders (issue 20 items 1-2): at half the SLA the approver/producer is reminded, when overdue the head of
#: the unit too; a reminded person answers with probability REMIND_P, within REMIND_MEAN_H (exponential)
REMIND_P = 0.5
REMIND_MEAN_H = 3.0
HEAD_MEDIAN_H = 4.0  # the head of the unit, told at the due date, has it answered within this (lognormal 0.7)
#: auto-delivered orders (issue 19): data orders of published file-backed items only (free, or paid: delivered
#: seconds after the payment, which is the consumer's time) — no operator
AUTO_SHARE = 0.45  # of data orders not needing an approval
ABSENCE_P = 0.04  # per operator and working day
PLANNED_LEAVE = {"op2": (6, 8), "op6": (14, 16)}  # working-day numbers of the month (1-based, inclusive)
MIN_DELIVERIES_FOR_SPEED = 3
REQUESTS_NORMAL = 2800  # expected arrivals in the normal month
PEAK_FACTOR = 1.2


@dataclass
class Req:
    rid: int
    kind: str
    topic: str | None
    arrival: datetime  # submitted
    base_min: float
    producer_h: float | None = None  # escalated: the producer's answer time (office hours), nothing reminding
    producer_h_sla: float | None = None  # the same answer with the escalation SLA and its reminders
    approval_h: float | None = None  # needs an approval: the approver's time (office hours), nothing reminding
    approval_h_sla: float | None = None  # the same with the approval SLA and its reminders
    auto: bool = False  # an order of published file-backed items only
    unit: str | None = None
    ready: datetime | None = None  # at the desk (after the approval, if any): the SLA clock runs from here
    due: datetime | None = None
    assignee: str | None = None
    assigned: datetime | None = None
    started: datetime | None = None
    delivered: datetime | None = None
    done_min: float = 0.0  # touch minutes already spent
    waiting: bool = False  # escalated, waiting for the producer
    wait_h: float | None = None  # the producer's answer time in this run

    def fresh(self) -> Req:
        return Req(self.rid, self.kind, self.topic, self.arrival, self.base_min, self.producer_h, self.producer_h_sla,
                   self.approval_h, self.approval_h_sla, self.auto, self.unit)

    @property
    def escalated(self) -> bool:
        return self.producer_h is not None

    @property
    def remaining_min(self) -> float:
        if self.escalated and self.done_min == 0.0:
            return self.base_min * ESCALATION_FIRST_PART
        return self.base_min - self.done_min


@dataclass(frozen=True)
class Scenario:
    """Which of the system's tools are on in a run."""

    name: str
    autodeliver: bool = True  # issue 19: file-backed orders delivered with no operator
    slas: bool = True  # issue 20: approval and escalation SLAs with their reminders (then the head of the unit)
    redistribute: bool = True  # issue 20: an absent operator's not yet started requests go back to the queue


#: the system today (every tool on); without issue 20's tools; without issue 19's automatic delivery
FULL = Scenario("full")
NO_SLA = Scenario("no_sla_reminders_redistribution", slas=False, redistribute=False)
NO_AUTO = Scenario("no_autodeliver", autodeliver=False)
SCENARIOS = (FULL, NO_SLA, NO_AUTO)


def reminded(natural_h: float, sla_h: float, u: float, e: float, head: float) -> float:
    """The answer time (office hours) of someone who would answer after `natural_h`, under an SLA of `sla_h` with
    a reminder at half of it and the head of the unit told when overdue. `u`, `e`, `head`: this request's draws
    (uniform, exponential with mean 1, the head's lognormal time in hours). Never later than without reminders."""
    t = natural_h
    half = sla_h / 2
    if t > half and u < REMIND_P:
        t = min(t, half + e * REMIND_MEAN_H)
    if t > sla_h:
        t = min(t, sla_h + head)
    return t


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


def sla_days() -> dict[str, int]:
    from chalicelib.core.config import get_settings

    s = get_settings()
    return {"consultation": s.sla_days_consultation, "data_order": s.sla_days_data_order,
            "complaint": s.sla_days_complaint}


def arrivals(cal: Any, month: str, n_target: int, seed: int, scale: float = 1.0) -> list[Req]:
    start, end = month_bounds(cal, month)
    office_s = cal.office_seconds_between(start, end)
    rate = n_target / office_s  # per office second
    rng = random.Random(seed)
    units = tuple((u, share) for u, (share, _) in UNITS.items())
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
        # every request draws the same numbers, whatever it needs (arrivals stay comparable across parameters)
        x_esc, z_prod, x_unit, u1, e1, z1 = rng.random(), rng.gauss(0, 1), rng.random(), rng.random(), \
            rng.expovariate(1.0), rng.gauss(0, 1)
        x_appr, z_appr, u2, e2, z2, x_auto = rng.random(), rng.gauss(0, 1), rng.random(), rng.expovariate(1.0), \
            rng.gauss(0, 1), rng.random()
        r = Req(len(out), kind, topic, at, base)
        if kind == "consultation" and x_esc < ESCALATION_SHARE:
            acc, r.unit = 0.0, units[-1][0]
            for u, share in units:
                acc += share
                if x_unit < acc:
                    r.unit = u
                    break
            r.producer_h = UNITS[r.unit][1] * math.exp(PRODUCER_SIGMA * z_prod)
            r.producer_h_sla = reminded(r.producer_h, ESCALATION_SLA_H, u1, e1, HEAD_MEDIAN_H * math.exp(0.7 * z1))
        if kind == "data_order":
            if x_appr < APPROVAL_SHARE:
                r.approval_h = min(APPROVAL_MAX_H, APPROVAL_MEDIAN_H * math.exp(APPROVAL_SIGMA * z_appr))
                r.approval_h_sla = reminded(r.approval_h, APPROVAL_SLA_H, u2, e2, HEAD_MEDIAN_H * math.exp(0.7 * z2))
            else:
                r.auto = x_auto < AUTO_SHARE
        out.append(r)
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
             sc: Scenario = FULL) -> dict[str, Any]:
    from chalicelib.delegation import policy

    roster = Roster(cal, absent)
    reqs = [r.fresh() for r in reqs_in]
    sla = sla_days()
    ops = [Op(f"op{i + 1}", i, SLOW.get(f"op{i + 1}", 1.0)) for i in range(N_OPERATORS)]
    by_id = {o.operator_id: o for o in ops}
    events: list[tuple[float, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at.timestamp(), seq, kind, payload))

    desk: list[Req] = []
    for r in reqs:
        if sc.autodeliver and r.auto:  # delivered by the system at once (a paid one: seconds after its payment)
            r.ready = r.delivered = r.due = r.arrival
            continue
        appr = r.approval_h_sla if sc.slas else r.approval_h
        r.ready = cal.add_office_time(r.arrival, timedelta(hours=appr)) if appr is not None else r.arrival
        r.due = cal.add_working_days(r.ready, sla[r.kind])  # the SLA clock pauses while awaiting approval
        r.wait_h = r.producer_h_sla if sc.slas else r.producer_h
        desk.append(r)
        push(r.ready, "arrive", r)
    first = min(r.ready for r in desk)
    last_day = (max(r.ready for r in desk) + timedelta(days=120)).date()
    for st in shift_starts(cal, first.date(), last_day):
        push(st, "shift", None)

    queue: list[tuple[str, float, int, Req]] = []  # (due iso, arrival ts, rid, req): the (due, age) order
    rr_counter = 0
    remaining = len(desk)
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
            if r.escalated and r.done_min < r.base_min - 1e-9 and not r.waiting and \
                    r.done_min <= r.base_min * ESCALATION_FIRST_PART + 1e-9:
                r.waiting = True  # escalated: back to the operator when the producer answers
                o.held.append(r)
                push(cal.add_office_time(now, timedelta(hours=r.wait_h or 0.0)), "answer", (o, r))
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
            if sc.redistribute:
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

    return summarize(cal, reqs, ops, redistributed)


def _groups(r: Req) -> list[str]:
    out = [r.kind]
    if r.escalated:
        out.append("escalated")
    if r.approval_h is not None:
        out.append("approval")
    if r.auto:
        out.append("file_backed")
    return out


def quantile(values: list[float], q: float) -> float:
    """The q-quantile (statistics.quantiles' exclusive method; one value: itself)."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[round(q * 100) - 1]


def summarize(cal: Any, reqs: list[Req], ops: list[Op], redistributed: int = 0) -> dict[str, Any]:
    """The run's figures. Fulfilment time: working days from submission to delivery (an approval's wait
    included: it is the office's time); SLA: delivered by the due date (the clock runs from when the request
    reached the desk; an auto-delivered one is on time)."""
    days = [cal.working_days_between(r.arrival, r.delivered) for r in reqs]
    on_time = [r.delivered <= r.due for r in reqs]
    delivered = [o.delivered for o in ops]
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(reqs):
        for g in _groups(r):
            groups.setdefault(g, []).append(i)
    return {
        "requests": len(reqs),
        "auto_delivered": sum(1 for r in reqs if r.auto and r.assignee is None and r.delivered == r.arrival),
        "sla_attainment_pct": round(100.0 * sum(on_time) / len(reqs), 2),
        "load_imbalance": round(max(delivered) / statistics.mean(delivered), 3) if any(delivered) else 0.0,
        "median_days": round(statistics.median(days), 2),
        "p90_days": round(quantile(days, 0.9), 2),
        "delivered_per_operator": {o.operator_id: o.delivered for o in ops},
        "redistributed": redistributed,
        "sla_by": {g: round(100.0 * sum(on_time[i] for i in ix) / len(ix), 1) for g, ix in groups.items()},
        "median_by": {g: round(statistics.median([days[i] for i in ix]), 2) for g, ix in groups.items()},
        "p90_by": {g: round(quantile([days[i] for i in ix], 0.9), 2) for g, ix in groups.items()},
        "count_by": {g: len(ix) for g, ix in groups.items()},
    }


def offered_load(cal: Any, month: str, reqs: list[Req], absent: set[tuple[int, date]],
                 autodeliver: bool = True) -> float:
    """Offered touch time / the desk's capacity in the month (shift hours of present operators, at their speed);
    with `autodeliver` the file-backed orders need no one."""
    hours = {s: hi - lo for s, (lo, hi) in SHIFTS.items()}
    cap_h = sum(hours["pagi"] / SLOW.get(f"op{i + 1}", 1.0)
                for d in working_days(cal, month) for i in range(N_OPERATORS) if (i, d) not in absent)
    return sum(r.base_min for r in reqs if not (autodeliver and r.auto)) / 60.0 / cap_h


def run_month(cal: Any, month: str, n: int, seed: int, scale: float,
              scenarios: tuple[Scenario, ...] = SCENARIOS) -> dict[str, Any]:
    """One month: the real policy in every scenario, round robin in the full one (the same draws for all)."""
    reqs = arrivals(cal, month, n, seed, scale)
    absent = absences(cal, month, seed)
    lo, hi = month_bounds(cal, month)
    out: dict[str, Any] = {
        "month": month, "requests": len(reqs), "offered": offered_load(cal, month, reqs, absent),
        "offered_no_auto": offered_load(cal, month, reqs, absent, autodeliver=False),
        "escalated": sum(1 for r in reqs if r.escalated), "approvals": sum(1 for r in reqs if r.approval_h is not None),
        "file_backed": sum(1 for r in reqs if r.auto),
        "absent_days": sum(1 for _, d in absent if lo.date() <= d < hi.date())}
    for sc in scenarios:
        out[f"rank/{sc.name}"] = simulate("rank", reqs, cal, absent, sc)
    out["round_robin/full"] = simulate("round_robin", reqs, cal, absent, FULL)
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


#: the per-group figures printed as BENCH lines (sim_<group>_median_days / _p90_days, peak month, full scenario)
GROUPS = ("consultation", "data_order", "complaint", "escalated", "approval", "file_backed")


def figures_of(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The BENCH figures: means over the seeds. ``sim_*`` the peak month with every tool on (real policy; with
    ``_round_robin`` the baseline policy), ``sim_normal_*`` the normal month, ``sim_<scenario>_*`` the real policy
    with a tool off."""
    def mean(months: list[dict[str, Any]], run: str, key: str, sub: str | None = None) -> float:
        vals = [m[run][key][sub] if sub else m[run][key] for m in months if sub is None or sub in m[run][key]]
        return round(statistics.mean(vals), 2) if vals else 0.0

    peak, normal = runs["peak"], runs["normal"]
    out: dict[str, Any] = {
        "sim_requests": round(statistics.mean(m["requests"] for m in peak)),
        "sim_offered_load_pct": round(100 * statistics.mean(m["offered"] for m in peak)),
        "sim_offered_load_pct_no_autodeliver": round(100 * statistics.mean(m["offered_no_auto"] for m in peak)),
        "sim_normal_offered_load_pct": round(100 * statistics.mean(m["offered"] for m in normal)),
        "sim_auto_delivered": round(statistics.mean(m["rank/full"]["auto_delivered"] for m in peak)),
        "sim_normal_auto_delivered": round(statistics.mean(m["rank/full"]["auto_delivered"] for m in normal)),
    }
    for prefix, months in (("sim", peak), ("sim_normal", normal)):
        for suffix, run in (("", "rank/full"), ("_round_robin", "round_robin/full")):
            for key in ("sla_attainment_pct", "p90_days", "median_days", "load_imbalance"):
                out[f"{prefix}_{key}{suffix}"] = mean(months, run, key)
        for g in GROUPS:
            out[f"{prefix}_{g}_median_days"] = mean(months, "rank/full", "median_by", g)
            out[f"{prefix}_{g}_p90_days"] = mean(months, "rank/full", "p90_by", g)
        for sc in SCENARIOS[1:]:
            run = f"rank/{sc.name}"
            for key in ("sla_attainment_pct", "p90_days", "median_days"):
                out[f"{prefix}_{key}_{sc.name}"] = mean(months, run, key)
            for g in GROUPS:
                out[f"{prefix}_{g}_p90_days_{sc.name}"] = mean(months, run, "p90_by", g)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--month", default="2026-10", help="the normal month")
    ap.add_argument("--peak-month", default="2026-11")
    ap.add_argument("--requests", type=int, default=REQUESTS_NORMAL, help="expected arrivals in the normal month")
    ap.add_argument("--peak-factor", type=float, default=PEAK_FACTOR, help="arrivals of the peak month / the normal one")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=4, help="independent months of each kind; figures are means")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every touch time")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    t0 = time.perf_counter()
    cal = calendar()
    runs: dict[str, list[dict[str, Any]]] = {"normal": [], "peak": []}
    for k in range(args.seeds):
        seed = args.seed + k
        runs["normal"].append(run_month(cal, args.month, args.requests, seed, args.scale))
        runs["peak"].append(run_month(cal, args.peak_month, round(args.requests * args.peak_factor), seed, args.scale))
    for label, months in runs.items():
        for m, seed in zip(months, range(args.seed, args.seed + args.seeds), strict=True):
            print(f"# {label} month {m['month']} seed {seed}: {m['requests']} requests ({m['escalated']} escalated, "
                  f"{m['approvals']} awaiting approval, {m['file_backed']} file-backed orders), {N_OPERATORS} "
                  f"operators (quota {QUOTA}), {m['absent_days']} operator-days absent; offered load "
                  f"{100 * m['offered']:.0f}% of desk capacity ({100 * m['offered_no_auto']:.0f}% without "
                  "automatic delivery)")
            for run in [k for k in m if "/" in k]:
                res = m[run]
                print(f"#   {run:45}: SLA {res['sla_attainment_pct']}%, median {res['median_days']} / p90 "
                      f"{res['p90_days']} working days; auto-delivered {res['auto_delivered']}, redistributed "
                      f"{res['redistributed']}; p90 by group {res['p90_by']}")
    print(f"# {args.seeds} months of each kind in {time.perf_counter() - t0:.1f} s; figures: means over them "
          "(sim_*: the peak month, sim_normal_*: the normal month; every tool on unless the name says which is off)")
    figures = figures_of(runs)
    for k, v in figures.items():
        print(f"BENCH {k}={v}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

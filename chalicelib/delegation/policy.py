"""The delegation policy, pure: who may take a request, and in which order.

Eligible: active, serving the request's kind/topic and below quota (the quota invariant: nobody is ever offered
a request at or over their quota) and — when the caller knows handling times and how long the operator stays on
duty — able to *start* it before their shift ends: nothing to work on now, or a workable backlog (load minus
the requests waiting for a producer) shorter than the minutes left. A request nobody can start this shift
waits in the queue for the next shift's operators instead of in someone's hands until their next shift.

Order: least loaded first. Without handling-time information (``minutes_per_request`` unknown for everyone)
"load" is ``load / quota`` (the share of their quota in use), ties to the one idle longest — the original
policy. When the caller knows an operator's mean handling time (desk minutes per request, from their recent
deliveries), load is measured in time: the expected minutes until a new request would be done,
``(workable load + 1) x minutes_per_request`` (shortest expected delay), so a fast operator with two requests goes
before a slow one with two; operators without a figure count at the median of those with one.

bench/sim_month.py runs this function against round robin over a simulated month (escalations, absences,
slow operators, a peak month above capacity).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Candidate:
    operator_id: str
    load: int
    quota: int
    active: bool
    services: tuple[str, ...]
    last_assigned_at: str
    #: mean desk minutes per request of this operator (recent deliveries); None: unknown
    minutes_per_request: float | None = None
    #: minutes until this operator's shift ends; None: unknown (no time check)
    minutes_left: float | None = None
    #: of ``load``, requests the operator cannot work on now (waiting for a producer unit's answer)
    waiting: int = 0


def serves(services: Iterable[str], kind: str, topic: str | None) -> bool:
    services = tuple(services)
    if not services:
        return True
    return kind in services or (topic is not None and f"{kind}:{topic}" in services)


def rank(cands: Iterable[Candidate], kind: str, topic: str | None) -> list[Candidate]:
    """Eligible operators, least loaded first (see the module docstring), ties to the one idle longest."""
    eligible = [c for c in cands if c.active and c.quota > 0 and c.load < c.quota and serves(c.services, kind, topic)]
    known = [c.minutes_per_request for c in eligible if c.minutes_per_request and c.minutes_per_request > 0]
    if not known:
        return sorted(eligible, key=lambda c: (c.load / c.quota, c.last_assigned_at or "", c.operator_id))
    median = statistics.median(known)

    def minutes(c: Candidate) -> float:
        return c.minutes_per_request if c.minutes_per_request and c.minutes_per_request > 0 else median

    def workable(c: Candidate) -> int:
        return max(0, c.load - max(0, c.waiting))

    # who can start it before their shift ends (nothing to do now, or a backlog shorter than the time left) come
    # first; the others with room follow — quota is the only hard limit: a request never waits in the queue while
    # someone on duty has room for it
    def startable(c: Candidate) -> bool:
        return c.minutes_left is None or workable(c) == 0 or workable(c) * minutes(c) < c.minutes_left

    return sorted(eligible, key=lambda c: (not startable(c), (workable(c) + 1) * minutes(c),
                                           c.last_assigned_at or "", c.operator_id))


def round_robin(cands: list[Candidate], counter: int, kind: str, topic: str | None) -> list[Candidate]:
    """The baseline the month simulation compares against: next in line, ignoring load (but not quota)."""
    eligible = [c for c in sorted(cands, key=lambda c: c.operator_id)
                if c.active and c.load < c.quota and serves(c.services, kind, topic)]
    if not eligible:
        return []
    i = counter % len(eligible)
    return eligible[i:] + eligible[:i]


@dataclass(frozen=True)
class Work:
    """An open request of an operator who is away, as the redistribution sees it."""

    request_id: str
    kind: str
    topic: str | None
    consumer_id: str
    due_at: str


def redistribute(work: Iterable[Work], cands: Iterable[Candidate], away: str) -> list[tuple[str, str | None]]:
    """Who takes each open request of the operator `away` (absent or deactivated): most urgent first (due date,
    then id), each to the first operator `rank` offers — never `away`, never the request's own consumer — counting
    the requests already handed out in this plan against their quota. ``None``: nobody on duty has room (the
    supervisor is told). Pure; fulfilment.assign.redistribute carries the plan out transaction by transaction."""
    pool = {c.operator_id: c for c in cands if c.operator_id != away}
    plan: list[tuple[str, str | None]] = []
    for w in sorted(work, key=lambda w: (w.due_at or "9999", w.request_id)):
        ranked = rank([c for c in pool.values() if c.operator_id != w.consumer_id], w.kind, w.topic)
        if not ranked:
            plan.append((w.request_id, None))
            continue
        best = ranked[0]
        pool[best.operator_id] = replace(best, load=best.load + 1, last_assigned_at="~plan")
        plan.append((w.request_id, best.operator_id))
    return plan

"""Delegation speed: 10,000 queued requests to 200 operators with the real `chalicelib.delegation.policy.rank`,
in memory (no AWS), the way `delegation.service.drain` walks the queue: in (due date, age) order, rank the
candidates for each request, take the first, and update that operator's load in the candidate list.

200 operators with quota 50 (capacity for exactly 10,000); a quarter of them serve only some kinds/topics.
Prints ``BENCH delegate_10k_s=`` (median of 3 runs) and merges it into bench/results.json."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from bench.sim_month import merge_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECIALTIES = (("consultation:data", "consultation:metadata"), ("data_order",), ("complaint", "consultation:classification"))


def make(n_requests: int, n_operators: int, seed: int) -> tuple[list, list]:
    from chalicelib.delegation.policy import Candidate

    rng = random.Random(seed)
    quota = -(-n_requests // n_operators)
    ops = []
    for i in range(n_operators):
        services = SPECIALTIES[i % 3] if i % 4 == 0 else ()
        ops.append(Candidate(f"op{i:03d}", 0, quota, True, services, ""))
    reqs = []
    for i in range(n_requests):
        x = rng.random()
        kind = "consultation" if x < 0.5 else "data_order" if x < 0.9 else "complaint"
        topic = rng.choice(("data", "metadata", "classification")) if kind == "consultation" else None
        reqs.append((f"2026-10-{1 + i * 28 // n_requests:02d}T08:00:00+00:00#{i:06d}", kind, topic))
    reqs.sort()
    return ops, reqs


def run(ops: list, reqs: list) -> tuple[float, int]:
    from chalicelib.delegation.policy import Candidate, rank

    cands = list(ops)
    assigned = 0
    t0 = time.perf_counter()
    for i, (_, kind, topic) in enumerate(reqs):
        ranked = rank(cands, kind, topic)
        if not ranked:
            continue
        op = ranked[0].operator_id
        now = f"2026-10-31T08:00:{i % 60:02d}+00:00#{i:06d}"
        cands = [Candidate(c.operator_id, c.load + (c.operator_id == op), c.quota, c.active, c.services,
                           now if c.operator_id == op else c.last_assigned_at) for c in cands]
        assigned += 1
    return time.perf_counter() - t0, assigned


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--operators", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()
    ops, reqs = make(args.requests, args.operators, seed=7)
    times = []
    assigned = 0
    for _ in range(args.repeat):
        dt, assigned = run(ops, reqs)
        times.append(dt)
    secs = round(statistics.median(times), 3)
    print(f"# {args.requests} queued requests, {args.operators} operators (quota {ops[0].quota}), "
          f"{assigned} assigned; runs {[round(t, 3) for t in times]} s")
    print(f"BENCH delegate_10k_s={secs}")
    merge_results(args.results, {"delegate_10k_s": secs})


if __name__ == "__main__":
    main()

"""`make bench`: every benchmark, each in its own interpreter, one ``BENCH name=value`` line per figure, and all the
figures in bench/results.json (flat {name: value}).

    .venv/bin/python -m bench.run                       # everything; search over 1,000,000 items (minutes)
    BENCH_ITEMS=20000 .venv/bin/python -m bench.run     # quick: search over 20,000 items
    .venv/bin/python -m bench.run --only cold_start,aws_calls

Benchmarks (see each module's docstring for the method):
  cold_start     bench/bench_cold_start.py     import app vs boto3 vs the app's module-level deps (median of 15)
  aws_calls      bench/aws_calls.py            AWS calls per request of every route (bench/aws_calls.md, .json)
  cost           bench/cost.py                 monthly cost at ap-southeast-3 prices from aws_calls.json + a traffic mix
  throughput     bench/bench_throughput.py     requests/s of search, request creation, webhook (moto / AWS stubbed)
  search         bench/bench_search.py         search over BENCH_ITEMS items (default 1,000,000): p50/p95, size
  first_request  bench/bench_first_request.py  a fresh interpreter's first search (S3 snapshot at 90 MB/s) and
                                               first DynamoDB route, end to end
  delegation     bench/bench_delegation.py     10,000 queued requests to 200 operators with the real policy
  sim_month      bench/sim_month.py            a normal and a peak month of the service desk, policy vs round robin

A benchmark that fails does not stop the others; the run then exits 1 and names it. Every figure the spec asks
for (REQUIRED) must have been printed, or the run exits 1 too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

from bench.sim_month import merge_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIRED = (
    "import_vs_boto3_ratio", "import_vs_deps_ratio", "search_p50_ms_1m", "search_p95_ms_1m", "search_cold_load_s_1m",
    "search_index_mb_1m", "max_dynamodb_calls_single_item_route", "scans_on_request_paths", "delegate_10k_s",
    "sim_sla_attainment_pct", "sim_sla_attainment_pct_round_robin", "sim_load_imbalance",
    "sim_load_imbalance_round_robin",
    # issue 22
    "search_first_request_s_1m", "ddb_first_route_ms", "cost_usd_month", "cost_usd_per_request", "sim_p90_days",
    "sim_p90_days_round_robin",
)


def benches(items: int) -> dict[str, list[str]]:
    return {
        "cold_start": ["-m", "bench.bench_cold_start"],
        "aws_calls": ["-m", "bench.aws_calls"],
        "cost": ["-m", "bench.cost"],
        "throughput": ["-m", "bench.bench_throughput"],
        "search": [os.path.join("bench", "bench_search.py"), "--items", str(items)],
        "first_request": ["-m", "bench.bench_first_request", "--items", str(items)],
        "delegation": ["-m", "bench.bench_delegation"],
        "sim_month": ["-m", "bench.sim_month"],
    }


def parse_value(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw


def run_one(name: str, args: list[str], verbose: bool) -> tuple[dict[str, Any], bool, float]:
    """Run one benchmark, relay its BENCH (and INFO/# unless quiet) lines as they come; its figures."""
    figures: dict[str, Any] = {}
    t = time.perf_counter()
    print(f"== {name}: python {' '.join(args)}", flush=True)
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1)
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        if line.startswith("BENCH "):
            key, _, value = line[len("BENCH "):].partition("=")
            figures[key.strip()] = parse_value(value.strip())
            print(line, flush=True)
        elif verbose and (line.startswith(("INFO", "#"))):
            print(f"   {line}", flush=True)
    stderr = proc.stderr.read() if proc.stderr else ""
    rc = proc.wait()
    seconds = time.perf_counter() - t
    if rc != 0:
        print(f"!! {name} failed (exit {rc}) after {seconds:.1f}s; last lines of its stderr:", flush=True)
        for line in stderr.strip().splitlines()[-15:]:
            print(f"   {line}", flush=True)
    else:
        print(f"   ({name}: {seconds:.1f}s)", flush=True)
    return figures, rc == 0, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    ap.add_argument("--quiet", action="store_true", help="relay only the BENCH lines")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()
    items = int(os.environ.get("BENCH_ITEMS", "1000000"))
    all_benches = benches(items)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(all_benches)
    unknown = [n for n in names if n not in all_benches]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; choose from {list(all_benches)}")

    t0 = time.perf_counter()
    figures: dict[str, Any] = {}
    failed: list[str] = []
    for name in names:
        got, ok, _ = run_one(name, all_benches[name], verbose=not args.quiet)
        figures.update(got)
        if not ok:
            failed.append(name)
    merge_results(args.results, figures)
    print(f"== {len(figures)} figures in {time.perf_counter() - t0:.0f}s -> {os.path.relpath(args.results, ROOT)}"
          f" (search over {items} items)")
    if set(names) == set(all_benches):
        missing = [k for k in REQUIRED if k not in figures]
        if missing:
            print(f"!! required figures missing: {missing}")
            failed.append("required figures")
    if failed:
        print(f"!! failed: {failed}")
        sys.exit(1)


if __name__ == "__main__":
    main()

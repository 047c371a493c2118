"""Two search engines side by side: the same query mix, interleaved, in one process (issue 22).

    git show <rev>:chalicelib/catalog/search/engine.py > /tmp/engine_old.py
    .venv/bin/python -m bench.ab_search /tmp/engine_old.py OLD_INDEX_DIR NEW_INDEX_DIR

``OLD_INDEX_DIR`` must have been built by the old engine file (its ``SearchIndex.build``) and ``NEW_INDEX_DIR`` by the
current one, both from the same catalog (``bench/data/catalog-1000000-s42.jsonl``: ``--build`` builds both from it).
On a shared machine the wall clock of two separate runs differs by x1.5 between runs; here both engines answer each
query of ``bench.bench_search.query_mix`` one after the other, the order alternating between the two passes, so they
see the same load. Prints whether every query gives the same totals, facets, first result and page (ids as a set),
then p50/p95 wall and CPU per engine and per query category, and how many queries took over 5 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import time
from collections import Counter
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _load_engine(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("engine_under_comparison", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from bench.bench_search import _pct, query_mix
    from chalicelib.catalog.search.engine import SearchIndex

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old_engine")
    ap.add_argument("old_index")
    ap.add_argument("new_index")
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--build", metavar="JSONL", help="build both indexes from this catalog first")
    args = ap.parse_args()
    old = _load_engine(args.old_engine)
    if args.build:
        from local.catalog_generator import read_jsonl

        for directory, build in ((args.old_index, old.SearchIndex.build), (args.new_index, SearchIndex.build)):
            shutil.rmtree(directory, ignore_errors=True)
            build(read_jsonl(args.build), directory).close()
    engines = {"old": old.SearchIndex.open(args.old_index), "new": SearchIndex.open(args.new_index)}
    mix = query_mix(args.queries)

    same: Counter[str] = Counter()
    for kw in mix:
        q = {k: v for k, v in kw.items() if k != "_cat"}
        a, b = engines["old"].search(**q), engines["new"].search(**q)
        ids_a, ids_b = [i["id"] for i in a["items"]], [i["id"] for i in b["items"]]
        same["total"] += a["total"] == b["total"]
        same["facets"] += a["facets"] == b["facets"]
        same["first result"] += ids_a[:1] == ids_b[:1]
        same["page"] += set(ids_a) == set(ids_b)
    print(f"INFO {len(mix)} queries; the same " + ", ".join(f"{k}: {v}" for k, v in same.items()))

    wall: dict[str, list[float]] = {"old": [], "new": []}
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    by_cat: dict[tuple[str, str], list[float]] = {}
    for rep in range(2):
        for kw in mix:
            q = {k: v for k, v in kw.items() if k != "_cat"}
            for name in ("old", "new") if rep % 2 == 0 else ("new", "old"):
                c, t = time.process_time(), time.perf_counter()
                engines[name].search(**q)
                ms = (time.perf_counter() - t) * 1000
                wall[name].append(ms)
                cpu[name].append((time.process_time() - c) * 1000)
                by_cat.setdefault((name, kw["_cat"]), []).append(ms)
    for name in ("old", "new"):
        print(f"INFO {name}: p50 {_pct(wall[name], 50):.2f} ms, p95 {_pct(wall[name], 95):.2f} ms, "
              f"CPU p50 {_pct(cpu[name], 50):.2f} ms, CPU p95 {_pct(cpu[name], 95):.2f} ms, "
              f"over 5 ms: {sum(1 for x in wall[name] if x > 5) / 2:.0f} of {len(mix)}")
    for cat in sorted({c for _, c in by_cat}):
        o, n = by_cat[("old", cat)], by_cat[("new", cat)]
        print(f"INFO   {cat:16} p50/p95 old {_pct(o, 50):.2f}/{_pct(o, 95):.2f} new {_pct(n, 50):.2f}/{_pct(n, 95):.2f}")
    print(f"INFO load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()

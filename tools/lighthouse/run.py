"""`make lighthouse`: Lighthouse 12.2.3 (mobile profile) on the public portal's home, search and request detail
pages, against a fresh local stack on free ports (as the end-to-end tests start it).

Each page is audited LIGHTHOUSE_RUNS times (default 3; Lighthouse's own advice for noisy machines) and the
median is reported: one `LIGHTHOUSE page=… performance=… accessibility=…` line per page; the reports are in
build/lighthouse/. Exits non-zero when a page scores below the goals of issue 21 (performance ≥ 90,
accessibility ≥ 95). Needs `npm ci` in tools/lighthouse (the Makefile target does it) and Debian's Chromium."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GOALS = {"performance": 0.90, "accessibility": 0.95}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, method: str = "GET", body: object = None, token: str | None = None) -> tuple[int, Any]:
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.request(method, url, json=body, headers=headers, timeout=30)
    return r.status_code, (r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None)


def main() -> int:
    from local.devstack import Stack

    ports = {n: free_port() for n in ("moto", "sso", "billing", "api", "admin", "portal")}
    state = Path(tempfile.mkdtemp(prefix="silastik-lighthouse-"))
    stack = Stack(catalog_items=int(os.environ.get("LIGHTHOUSE_CATALOG_ITEMS", "3000")), quiet=True, ports=ports,
                  state_dir=state, tick_seconds=2)
    out = ROOT / "build" / "lighthouse"
    out.mkdir(parents=True, exist_ok=True)
    try:
        stack.start()
        import requests

        token = requests.post(stack.url["sso"] + "/token", timeout=10, data={
            "grant_type": "password", "username": "consumer1", "password": "demo"}).json()["access_token"]
        _, res = call(stack.url["api"] + "/catalog/search?q=&page_size=100")
        paid = next(i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata")
        st, req = call(stack.url["api"] + "/requests", "POST", {"kind": "data_order", "purpose": "Penelitian",
                                                                "items": [{"catalog_id": paid["id"]}]}, token)
        assert st == 201, req
        rid = req["request_id"]
        deadline = time.monotonic() + 60
        while call(f"{stack.url['api']}/requests/{rid}/billing", token=token)[0] != 200:
            if time.monotonic() > deadline:
                raise SystemExit("the order's billing was not created")
            time.sleep(0.5)
        call(f"{stack.url['api']}/requests/{rid}/messages", "POST", {"body": "Mohon dikirim dalam format CSV."}, token)
        pages = ["public|home|#/", "public|search|#/cari?q=penduduk%20provinsi",
                 f"private|request|#/permintaan/{rid}", f"private|billing|#/permintaan/{rid}/tagihan"]
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        proc = subprocess.run(["node", "run.mjs", stack.url["portal"], "consumer1", "demo", str(out), *pages],
                              cwd=Path(__file__).parent, env=env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, file=sys.stderr)
            return proc.returncode
        results = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        stack.stop()
    failed = False
    summary = []
    for name in dict.fromkeys(r["page"] for r in results):
        runs = [r for r in results if r["page"] == name]
        perf = statistics.median(r["performance"] for r in runs)
        a11y = statistics.median(r["accessibility"] for r in runs)
        med = sorted(runs, key=lambda r: r["performance"])[len(runs) // 2]
        print(f"LIGHTHOUSE page={name} performance={round(perf * 100)} accessibility={round(a11y * 100)} "
              f"runs={len(runs)} performance_runs={'/'.join(str(round(r['performance'] * 100)) for r in runs)} "
              f"fcp_ms={med['fcp_ms']} lcp_ms={med['lcp_ms']} tbt_ms={med['tbt_ms']} cls={med['cls']:.3f} "
              f"transfer_kb={med['transfer_bytes'] / 1024:.1f} benchmark_index={med['benchmark_index']:.0f}", flush=True)
        summary.append({"page": name, "performance": perf, "accessibility": a11y, "runs": runs})
        if any(r["runtime_error"] for r in runs):
            print(f"  runtime errors: {[r['runtime_error'] for r in runs if r['runtime_error']]}")
            failed = True
        if name in ("home", "search", "request"):
            failed |= perf < GOALS["performance"] or a11y < GOALS["accessibility"]
    results = summary
    (out / "summary.json").write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold start: `import app` in a fresh interpreter against `import boto3` alone and against importing exactly the
third-party modules the app imports at module level (found with `python -X importtime -c "import app"`).

    .venv/bin/python -m bench.bench_cold_start [--runs 15]

Each run is a fresh `python -c` that times only its import statement (interpreter start-up excluded); the three
are interleaved run by run (app, boto3, deps, app, ...) so machine noise hits them alike; figures are medians.
Bytecode: the children get their own pyc cache (PYTHONPYCACHEPREFIX in a temp dir, warmed by one untimed run),
so our modules and the dependencies are both loaded from bytecode, as from a package built with compiled
bytecode. Without a bytecode cache (PYTHONDONTWRITEBYTECODE=1 and no pyc shipped, as in a Lambda package of plain
sources) every one of our modules is compiled at import: that variant is printed as INFO.

"The deps" are found, not listed: the importtime tree of `import app` gives, for every module, the module whose
execution imported it; the third-party modules (not stdlib, not ours) imported directly by one of our modules
(app, chalicelib.*) are the app's module-level dependencies, imported in the same order for the comparison.

Also (INFO, and `dynamodb_first_use_5_models_ms`): the time to get the DynamoDB client of five PynamoDB models
for the first time, in a fresh interpreter (what a cold request touching five tables pays before its first call).

Prints ``BENCH import_app_ms= import_boto3_ms= import_deps_ms= import_vs_boto3_ratio= import_vs_deps_ratio=``
and merges them into bench/results.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from bench.sim_month import merge_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = ("app", "chalicelib")
TIMED = "import time\nt = time.perf_counter()\n{stmt}\nprint((time.perf_counter() - t) * 1000)\n"
FIRST_USE = """
import os, time
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench"); os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
import app
from chalicelib.billing.models import BillingRecord, LedgerRecord
from chalicelib.core.idem import IdempotencyRecord
from chalicelib.requests.models import MessageRecord, RequestRecord
t = time.perf_counter()
for model in (RequestRecord, MessageRecord, BillingRecord, LedgerRecord, IdempotencyRecord):
    model._get_connection().connection.client
print((time.perf_counter() - t) * 1000)
"""


def child_env(pycache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    if pycache:
        env["PYTHONPYCACHEPREFIX"] = pycache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_ms(code: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def importtime_tree(stmt: str, env: dict[str, str]) -> list[tuple[str, int, int, str | None]]:
    """(module, self_us, cumulative_us, parent) for each module imported by `stmt`, in import-finish order."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", stmt], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stderr
    rows = []
    for line in out.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((name.strip(), int(self_us), int(cum_us), depth))
    # post-order with indentation: walking backwards, a module's parent is the last one seen one level up
    parents: dict[int, str] = {}
    out_rows: list[tuple[str, int, int, str | None]] = []
    for name, s, c, depth in reversed(rows):
        out_rows.append((name, s, c, parents.get(depth - 1)))
        parents[depth] = name
    return list(reversed(out_rows))


def is_ours(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in OURS


def third_party(module: str) -> bool:
    top = module.split(".")[0]
    return not is_ours(module) and top not in sys.stdlib_module_names and not top.startswith("_")


def app_deps(env: dict[str, str]) -> list[str]:
    """Third-party modules imported directly by our modules when `import app` runs (order of first import)."""
    deps: list[str] = []
    for name, _, _, parent in importtime_tree("import app", env):
        if third_party(name) and is_ours(parent) and name not in deps:
            deps.append(name)
    return deps


def own_share(env: dict[str, str]) -> list[tuple[str, float]]:
    """Self time of the modules that only `import app` loads (ours, and stdlib modules only we import)."""
    deps = app_deps(env)
    base = {n for n, *_ in importtime_tree("import " + ", ".join(deps), env)} if deps else set()
    rows = [(n, s / 1000) for n, s, _, _ in importtime_tree("import app", env) if n not in base]
    return sorted(rows, key=lambda r: -r[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="silastik-pyc-") as pycache:
        env = child_env(pycache)
        deps = app_deps(env)
        stmts = {"app": "import app", "boto3": "import boto3", "deps": "import " + ", ".join(deps or ["sys"])}
        for stmt in stmts.values():  # warm the bytecode cache and the OS page cache (untimed)
            run_ms(TIMED.format(stmt=stmt), env)
        times: dict[str, list[float]] = {k: [] for k in stmts}
        for _ in range(args.runs):
            for k, stmt in stmts.items():
                times[k].append(run_ms(TIMED.format(stmt=stmt), env))
        first_use = statistics.median(run_ms(FIRST_USE, env) for _ in range(5))
        own = own_share(env)
    nopyc_env = child_env(None)
    nopyc = statistics.median(run_ms(TIMED.format(stmt="import app"), nopyc_env) for _ in range(5))

    med = {k: statistics.median(v) for k, v in times.items()}
    figures = {
        "import_app_ms": round(med["app"], 1),
        "import_boto3_ms": round(med["boto3"], 1),
        "import_deps_ms": round(med["deps"], 1),
        "import_vs_boto3_ratio": round(med["app"] / med["boto3"], 2),
        "import_vs_deps_ratio": round(med["app"] / med["deps"], 2),
        "dynamodb_first_use_5_models_ms": round(first_use, 1),
    }
    print(f"INFO deps imported by app at module level: {', '.join(deps) or '(none)'}")
    for k, v in times.items():
        print(f"INFO {k:5} runs_ms={[round(x, 1) for x in v]}")
    print(f"INFO import app without a bytecode cache (sources compiled): {nopyc:.1f} ms (median of 5)")
    print("INFO modules only `import app` loads (importtime self ms): "
          + ", ".join(f"{n} {ms:.2f}" for n, ms in own[:8]))
    for name, value in figures.items():
        print(f"BENCH {name}={value}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

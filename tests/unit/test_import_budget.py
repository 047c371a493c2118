"""The cold-start budget (README "Performance"), held without timing: `import app` loads Chalice and three small
modules of ours — the route models (pydantic), PynamoDB/botocore, boto3, PyJWT and Powertools load on the first
request that needs them (`bench/bench_cold_start.py` measures the times)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("pydantic", "pynamodb", "botocore", "boto3", "jwt", "cryptography", "aws_lambda_powertools", "urllib3",
        "tantivy", "fpdf", "moto")


def _modules_after_import_app() -> set[str]:
    code = "import sys; before = set(sys.modules); import app; print('\\n'.join(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_import_app_defers_heavy_dependencies():
    loaded = _modules_after_import_app()
    assert sorted(m for m in loaded if m.split(".")[0] in LAZY) == []


def test_import_app_loads_only_the_route_layer_of_ours():
    ours = {m for m in _modules_after_import_app() if m.split(".")[0] in ("app", "chalicelib")}
    assert ours <= {"app", "chalicelib", "chalicelib.core", "chalicelib.core.api", "chalicelib.core.errors"}, ours


def test_route_models_resolve_on_use():
    code = ("import sys, app; r = next(r for r in app.api.routes if r.path == '/requests' and r.method == 'POST'); "
            "assert 'chalicelib.requests.schemas' not in sys.modules; "
            "assert r.body.__name__ == 'NewRequestBody' and r.response.__name__ == 'RequestOut'; "
            "assert 'chalicelib.requests.schemas' in sys.modules; print('OK')")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "OK", out.stderr


def test_every_api_schema_builds_on_first_use():
    """A schema module holds every model of a capability and a cold request uses one or two: each model's
    validator is built on its first use (`core.schema.Schema`, pydantic `defer_build`), not when the module loads.
    Checked in a fresh interpreter: right after the imports, no model of ours is built."""
    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        import chalicelib
        from pydantic import BaseModel
        names = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")
                 if m.name.endswith(".schemas")]
        models = []
        for name in names:
            mod = importlib.import_module(name)
            models += [v for v in vars(mod).values()
                       if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == name]
        built = sorted(f"{m.__module__}.{m.__qualname__}" for m in models if m.__pydantic_complete__)
        print(len(names), len(models))
        print("\\n".join(built))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    counts, *built = out.stdout.strip().splitlines()
    n_modules, n_models = map(int, counts.split())
    assert n_modules >= 15 and n_models >= 100, counts
    assert built == [], built

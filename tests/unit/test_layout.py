"""The code's shape (issue 15): thin handlers in app.py, the same files in every capability package, nothing in
the domain importing the entry module. The layer rules themselves are import-linter's (.importlinter)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
#: composition and plumbing, not capabilities
NOT_CAPABILITIES = {"core", "fulfilment"}
CAPABILITY_FILES = {"__init__.py", "models.py", "repository.py", "service.py", "schemas.py"}
#: packages whose queue is consumed: the consumer is their worker module
WORKERS = {"catalog", "delivery", "notify"}


def handlers() -> list[ast.FunctionDef]:
    tree = ast.parse((ROOT / "app.py").read_text())
    return [n for n in tree.body if isinstance(n, ast.FunctionDef) and any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
        and d.func.attr in ("route", "lambda_function", "schedule") for d in n.decorator_list)]


def test_every_handler_is_at_most_seven_lines():
    found = handlers()
    assert len(found) > 60
    long = {f.name: f.end_lineno - f.lineno + 1 for f in found if f.end_lineno - f.lineno + 1 > 7}
    assert long == {}


def test_every_capability_package_has_the_same_files():
    packages = sorted(p for p in CHALICELIB.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                      and p.name not in NOT_CAPABILITIES)
    assert len(packages) >= 15
    missing = {p.name: sorted(CAPABILITY_FILES - {f.name for f in p.iterdir()}) for p in packages}
    assert {k: v for k, v in missing.items() if v} == {}
    assert [p for p in WORKERS if not (CHALICELIB / p / "worker.py").exists()] == []


def test_nothing_imports_the_entry_module():
    importers = []
    for path in [*CHALICELIB.rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if "app" in names:
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []

"""Catalog CLI: bulk import (CSV or JSON Lines), demo generation, and a full search-index rebuild.

    python -m scripts.catalog import FILE [--dry-run] [--no-reindex]
    python -m scripts.catalog generate N OUT.jsonl [--seed 42]
    python -m scripts.catalog reindex

Import is an idempotent upsert by `id` (rows without an id get a stable one derived from their content),
validates every row with the same pydantic model as the admin API, and reports bad rows with their line
numbers. After a real import the search snapshot is rebuilt from the imported rows plus the table."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yields (line number, row or None, parse error)."""
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    yield (n, row, None) if isinstance(row, dict) else (n, None, "not a JSON object")
                except ValueError as exc:
                    yield n, None, f"invalid JSON: {exc.msg}"
    else:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                clean = {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}
                clean = {k: v for k, v in clean.items() if v not in ("", None)}
                yield reader.line_num, clean, None


def stable_id(row: dict[str, Any]) -> str:
    prefix = {"table_static": "TS", "table_dynamic": "TD", "publication": "PB", "microdata": "MD", "map": "MP"}
    key = "|".join(str(row.get(k, "")) for k in ("type", "title", "region_code", "year", "period"))
    return f"{prefix.get(str(row.get('type')), 'IT')}-{hashlib.sha256(key.encode()).hexdigest()[:10].upper()}"


class Progress:
    def __init__(self, total: int | None, label: str) -> None:
        self.total, self.label, self.n, self.t0, self.last = total, label, 0, time.monotonic(), 0.0

    def step(self, k: int = 1) -> None:
        self.n += k
        now = time.monotonic()
        if now - self.last > 0.2 or (self.total and self.n >= self.total):
            self.last = now
            rate = self.n / max(now - self.t0, 1e-9)
            if self.total:
                width = 30
                done = int(width * self.n / self.total)
                bar = "#" * done + "-" * (width - done)
                sys.stderr.write(f"\r{self.label} [{bar}] {self.n}/{self.total} ({rate:,.0f}/s)")
            else:
                sys.stderr.write(f"\r{self.label} {self.n} ({rate:,.0f}/s)")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def import_file(path: Path, dry_run: bool = False, reindex: bool = True) -> dict[str, Any]:
    from chalicelib.catalog.models import CatalogRecord
    from chalicelib.catalog.schemas import CatalogItemIn
    from chalicelib.catalog.service import to_record

    rows = list(read_rows(path))
    progress = Progress(len(rows), "importing" if not dry_run else "validating")
    errors: list[dict[str, Any]] = []
    valid: list[CatalogRecord] = []
    seen: dict[str, int] = {}
    for line, row, err in rows:
        progress.step()
        if err is not None or row is None:
            errors.append({"line": line, "errors": [err or "unreadable row"]})
            continue
        try:
            item = CatalogItemIn.model_validate(row)
        except ValidationError as exc:
            errors.append({"line": line, "errors": [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}"
                                                    for e in exc.errors(include_url=False)]})
            continue
        item_id = item.id or stable_id(row)
        if item_id in seen:
            errors.append({"line": line, "errors": [f"duplicate id {item_id} (first on line {seen[item_id]})"]})
            continue
        seen[item_id] = line
        valid.append(to_record(item, item_id, "bulk-import"))
    progress.close()
    if not dry_run and valid:
        with CatalogRecord.batch_write() as batch:
            for rec in valid:
                batch.save(rec)
        if reindex:
            rebuild_from_table()
    return {"file": str(path), "rows": len(rows), "valid": len(valid), "invalid": len(errors), "dry_run": dry_run,
            "written": 0 if dry_run else len(valid), "errors": errors}


def rebuild_from_table() -> str:
    """Background/CLI only: read the whole catalog table (Scan) and publish a fresh snapshot."""
    from chalicelib.catalog.repository import CatalogRepository
    from chalicelib.catalog.service import rebuild_index

    items = (r.to_dict() for r in CatalogRepository().scan_all() if r.status == "published")
    return rebuild_index(items)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.catalog", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="bulk upsert from CSV or JSON Lines")
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true")
    imp.add_argument("--no-reindex", action="store_true")
    gen = sub.add_parser("generate", help="write N realistic demo items as JSON Lines")
    gen.add_argument("n", type=int)
    gen.add_argument("out", type=Path)
    gen.add_argument("--seed", type=int, default=42)
    sub.add_parser("reindex", help="rebuild the search snapshot from the catalog table")
    a = p.parse_args(argv)
    if a.cmd == "import":
        report = import_file(a.file, a.dry_run, not a.no_reindex)
        for e in report["errors"][:200]:
            print(f"line {e['line']}: " + "; ".join(e["errors"]))
        print(json.dumps({k: v for k, v in report.items() if k != "errors"}))
        return 1 if report["invalid"] else 0
    if a.cmd == "generate":
        from local.catalog_generator import write_jsonl

        print(write_jsonl(str(a.out), a.n, a.seed))
        return 0
    print(rebuild_from_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())

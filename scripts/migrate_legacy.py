"""Import the old system's transactions and consultations (format: README "Legacy migration").

    python -m scripts.migrate_legacy FILE.csv [--dry-run] [--json REPORT.json]

Validates every row (bad rows are listed with their line numbers and skipped), imports the valid ones as
requests with their history (idempotent: a re-run skips what is already imported), shows a progress bar on
stderr and ends with a reconciliation: rows and rupiah in the file versus imported / already present / refused,
per kind and status, plus the PNBP payments versus ledger rows. `--dry-run` writes nothing.
Exit status: 0 when every row is valid, 1 when some were refused, 2 when the file cannot be read."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _rp(n: int) -> str:
    return "Rp " + f"{int(n):,}".replace(",", ".")


def print_report(report: Any, out: Any = None) -> None:
    out = out or sys.stdout
    data = report.to_dict()
    for e in data["errors"]:
        print(f"line {e['line']} ({e['legacy_id']}): " + "; ".join(e["errors"]), file=out)
    if data["errors"]:
        print(file=out)
    head = ("kind", "status", "rows", "rupiah in", "imported", "rupiah imported", "already", "rupiah already",
            "refused", "rupiah refused")
    lines = [head]
    totals = [0] * 8
    for b in data["reconciliation"]:
        vals = [b["rows"], b["idr"], b["imported"], b["imported_idr"], b["already"], b["already_idr"], b["invalid"],
                b["invalid_idr"]]
        totals = [a + v for a, v in zip(totals, vals, strict=True)]
        lines.append((b["kind"], b["status"], *[(_rp(v) if i % 2 else str(v)) for i, v in enumerate(vals)]))
    lines.append(("TOTAL", "", *[(_rp(v) if i % 2 else str(v)) for i, v in enumerate(totals)]))
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(head))]
    verb = "would be imported" if data["dry_run"] else "imported"
    print(f"Reconciliation of {data['file']} ({'dry run: ' + verb if data['dry_run'] else verb}):", file=out)
    for n, row in enumerate(lines):
        cells = [str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths,
                                                                                                strict=True))]
        print("  " + "  ".join(cells), file=out)
        if n == 0 or n == len(lines) - 2:
            print("  " + "  ".join("-" * w for w in widths), file=out)
    p = data["payments"]
    print(f"PNBP payments in the file: {p['rows_in']} ({_rp(p['idr_in'])}); ledger rows {verb}: "
          f"{p['ledger_written']} ({_rp(p['ledger_written_idr'])}), already present: {p['ledger_already']} "
          f"({_rp(p['ledger_already_idr'])})", file=out)
    if data["unknown_catalog_items"]:
        print(f"catalog ids not in the catalog (kept as given): {', '.join(data['unknown_catalog_items'][:20])}",
              file=out)
    print(f"balance: {'OK' if data['balanced'] else 'MISMATCH'} (rows in = imported + already + refused, and so "
          "are the rupiah)", file=out)


def main(argv: list[str] | None = None) -> int:
    from scripts.catalog import Progress
    from scripts.legacy import run

    p = argparse.ArgumentParser(prog="python -m scripts.migrate_legacy", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", type=Path, help="CSV export of the old system")
    p.add_argument("--dry-run", action="store_true", help="validate and reconcile only; write nothing")
    p.add_argument("--json", type=Path, help="also write the full report as JSON here")
    a = p.parse_args(argv)
    if not a.file.is_file():
        print(f"no such file: {a.file}", file=sys.stderr)
        return 2
    bar: dict[str, Any] = {}

    def progress(n: int, total: int) -> None:
        if "p" not in bar:
            bar["p"] = Progress(total, "validating" if a.dry_run else "importing")
        bar["p"].step()

    try:
        report = run(a.file, a.dry_run, progress)
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"cannot read {a.file}: {exc}", file=sys.stderr)
        return 2
    finally:
        if "p" in bar:
            bar["p"].close()
    print_report(report)
    if a.json:
        a.json.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if report.invalid else 0


if __name__ == "__main__":
    sys.exit(main())

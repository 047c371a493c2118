"""Refresh the national holiday data of the SLA calendar from the pinned ``holidays`` library.

    python -m scripts.update_holidays [--from 2024] [--to 2030]

Writes ``chalicelib/core/holidays_id.json`` (libur nasional + cuti bersama, Indonesian names) for the
years given. Run it after upgrading ``holidays`` (a new SKB of the three ministers is usually published
in September for the next year) and commit the file; ``tests/unit/core/test_workdays.py`` fails while
the file and the library disagree. Single dates are added or removed per deployment with ``HOLIDAYS``.
"""

from __future__ import annotations

import argparse
import json
import sys

DEFAULT_FROM, DEFAULT_TO = 2024, 2030


def render(first: int, last: int) -> str:
    import holidays

    from chalicelib.core.workdays import HOLIDAY_CATEGORIES, library_holidays

    days = library_holidays(range(first, last + 1))
    data = {
        "source": f"holidays {holidays.__version__} (Indonesia, categories {list(HOLIDAY_CATEGORIES)}, language id)",
        "generated_by": "python -m scripts.update_holidays",
        "years": [first, last],
        "holidays": {d.isoformat(): name for d, name in days.items()},
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.update_holidays", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--from", dest="first", type=int, default=DEFAULT_FROM)
    p.add_argument("--to", dest="last", type=int, default=DEFAULT_TO)
    a = p.parse_args(argv)
    if a.first > a.last:
        p.error("--from must not be after --to")
    from chalicelib.core.workdays import HOLIDAYS_FILE

    text = render(a.first, a.last)
    with open(HOLIDAYS_FILE, "w", encoding="utf-8") as fh:
        fh.write(text)
    print(f"wrote {HOLIDAYS_FILE}: {len(json.loads(text)['holidays'])} dates, {a.first}-{a.last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

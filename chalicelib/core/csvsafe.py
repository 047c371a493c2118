"""CSV exports that a spreadsheet opens safely (OWASP "CSV Injection").

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width forms,
which some spreadsheets also read as formulas) is prefixed with a single quote, so ``=HYPERLINK(...)`` in a
consumer's name is shown as text, never run as a formula; every cell is quoted. Numbers are written as they
are (a negative amount stays a number)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    def __init__(self, out: TextIO) -> None:
        self._w = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([cell(v) for v in row])


def writer(out: TextIO) -> SafeWriter:
    return SafeWriter(out)

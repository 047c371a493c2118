"""CSV exports are safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from chalicelib.core import csvsafe


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil.example","klik")', "+1+cmd|' /C calc'!A0", "-2+3",
                                   "@SUM(A1:A2)", "\t=1", "\r=1", "\uff1dHYPERLINK(1)"])
def test_formula_cells_are_neutralised(value):
    buf = io.StringIO()
    csvsafe.writer(buf).writerow(["ok", value, 150000, -5])
    row = next(csv.reader(io.StringIO(buf.getvalue())))
    assert row[0] == "ok"
    assert row[1] == "'" + value  # shown as text by the spreadsheet
    assert row[2:] == ["150000", "-5"]  # numbers stay numbers


def test_plain_text_is_unchanged_and_quoted():
    buf = io.StringIO()
    csvsafe.writer(buf).writerow(["Budi Santoso", "a,b", 'ku"tip'])
    assert buf.getvalue().strip() == '"Budi Santoso","a,b","ku""tip"'

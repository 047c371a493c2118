"""Producer response times per unit (escalation.report.unit_row), pure: working-day response times, on time vs
late, open and overdue, median/p90."""

from __future__ import annotations

from types import SimpleNamespace

from chalicelib.core.workdays import WorkCalendar
from chalicelib.escalation.report import COLUMNS, _p90, producer_csv, unit_row
from chalicelib.escalation.schemas import ProducerReport

# Monday 2027-03-01 .. : no holidays in this stretch of the calendar used here
CAL = WorkCalendar([])


def esc(created: str, due: str, answered: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(created_at=created, due_at=due, answered_at=answered,
                           status="answered" if answered else "open")


def test_response_times_in_working_days_on_time_and_overdue() -> None:
    rows = [
        # asked Monday 09:00 WIB, answered Tuesday 09:00 WIB: one working day, on time (due Wednesday)
        esc("2027-03-01T02:00:00+00:00", "2027-03-03T02:00:00+00:00", "2027-03-02T02:00:00+00:00"),
        # asked Friday 09:00, answered Monday 09:00: the weekend does not count -> one working day, late
        esc("2027-03-05T02:00:00+00:00", "2027-03-05T08:00:00+00:00", "2027-03-08T02:00:00+00:00"),
        # asked Monday 09:00, answered Thursday 09:00: three working days, on time
        esc("2027-03-08T02:00:00+00:00", "2027-03-12T02:00:00+00:00", "2027-03-11T02:00:00+00:00"),
        esc("2027-03-09T02:00:00+00:00", "2027-03-10T02:00:00+00:00"),  # open, overdue at "now"
        esc("2027-03-12T02:00:00+00:00", "2027-03-16T02:00:00+00:00"),  # open, not yet due
    ]
    row = unit_row("sosial", "Statistik Sosial", 2, rows, "2027-03-12T03:00:00+00:00", CAL)
    assert (row.escalated, row.answered, row.open, row.overdue, row.answered_late) == (5, 3, 2, 1, 1)
    assert row.on_time_pct == 66.7
    assert row.median_days == 1.0 and row.p90_days == 3.0 and row.mean_days == round(5 / 3, 2)
    assert row.sla_days == 2


def test_a_unit_without_escalations_has_no_times() -> None:
    row = unit_row("neraca", "Neraca", None, [], "2027-03-12T03:00:00+00:00", CAL)
    assert row.escalated == 0 and row.median_days is None and row.on_time_pct is None


def test_p90_is_the_nearest_rank() -> None:
    assert _p90([1.0]) == 1.0
    assert _p90([float(i) for i in range(1, 11)]) == 9.0
    assert _p90([float(i) for i in range(1, 12)]) == 10.0


def test_csv_has_a_row_per_unit_and_the_total_and_is_formula_safe() -> None:
    a = unit_row("sosial", "=HYPERLINK(\"x\")", 2, [esc("2027-03-01T02:00:00+00:00", "2027-03-03T02:00:00+00:00",
                                                      "2027-03-02T02:00:00+00:00")], "2027-03-12T03:00:00+00:00", CAL)
    report = ProducerReport(from_="2027-03-01T00:00:00+00:00", to="2027-03-31T00:00:00+00:00", units=[a], total=a)
    lines = producer_csv(report).splitlines()
    assert lines[0].split(",")[1] == '"Unit"' and len(lines[0].split(",")) == len(COLUMNS)
    assert len(lines) == 3
    assert lines[1].startswith('"sosial","\'=HYPERLINK')

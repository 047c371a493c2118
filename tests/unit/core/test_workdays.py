from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import pytest

from chalicelib.core import workdays
from chalicelib.core.workdays import WorkCalendar, get_tz, national_holidays, national_years, parse_overrides

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
SEVEN_HOURS = timedelta(hours=7)


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar.from_config("")


@pytest.fixture
def plain() -> WorkCalendar:
    """No holidays: weekends only."""
    return WorkCalendar()


# ---------------------------------------------------------------- is_working_day


def test_weekdays_and_weekends(plain: WorkCalendar) -> None:
    assert plain.is_working_day(date(2026, 11, 27))  # Friday
    assert not plain.is_working_day(date(2026, 11, 28))  # Saturday
    assert not plain.is_working_day(date(2026, 11, 29))  # Sunday
    assert plain.is_working_day(date(2026, 11, 30))  # Monday


def test_holidays_are_not_working_days(cal: WorkCalendar) -> None:
    assert not cal.is_working_day(date(2026, 8, 17))  # Proklamasi, a Monday
    assert not cal.is_working_day(date(2026, 12, 25))  # Natal, a Friday
    assert not cal.is_working_day(date(2026, 12, 24))  # cuti bersama
    assert cal.is_working_day(date(2026, 8, 18))


def test_is_working_day_uses_local_date_of_a_datetime(plain: WorkCalendar) -> None:
    # Friday 2026-11-27 20:00 UTC is already Saturday 03:00 in Jakarta
    assert not plain.is_working_day(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
    assert plain.is_working_day(datetime(2026, 11, 27, 16, 0, tzinfo=UTC))


# ---------------------------------------------------------------- add_working_days


def test_friday_afternoon_plus_one_is_monday_same_time(plain: WorkCalendar) -> None:
    due = plain.add_working_days(wib(2026, 11, 27, 14), 1)
    assert due == wib(2026, 11, 30, 14)
    assert due.weekday() == 0


def test_five_working_days_is_one_calendar_week(plain: WorkCalendar) -> None:
    assert plain.add_working_days(wib(2026, 11, 25, 9, 15), 5) == wib(2026, 12, 2, 9, 15)


def test_across_a_holiday(cal: WorkCalendar) -> None:
    # Friday 14 Aug -> (weekend, Monday 17 Aug holiday) -> Tuesday 18 Aug
    assert cal.add_working_days(wib(2026, 8, 14, 10), 1) == wib(2026, 8, 18, 10)


def test_across_christmas_and_cuti_bersama(cal: WorkCalendar) -> None:
    # Wed 23 Dec + 1: Thu 24 cuti bersama, Fri 25 Natal, weekend -> Mon 28 Dec
    assert cal.add_working_days(wib(2026, 12, 23, 9), 1) == wib(2026, 12, 28, 9)


def test_across_idulfitri_2026(cal: WorkCalendar) -> None:
    # Tue 17 Mar 2026 + 1: Wed 18 cuti, Thu 19 Nyepi, Fri 20 cuti, weekend, Mon 23/Tue 24 cuti -> Wed 25
    assert cal.add_working_days(wib(2026, 3, 17, 11), 1) == wib(2026, 3, 25, 11)


def test_submission_on_saturday_starts_monday_morning(plain: WorkCalendar) -> None:
    assert plain.clock_start(wib(2026, 11, 28, 10)) == wib(2026, 11, 30, 8)
    assert plain.add_working_days(wib(2026, 11, 28, 10), 1) == wib(2026, 12, 1, 8)


def test_after_hours_starts_next_working_morning(plain: WorkCalendar) -> None:
    assert plain.add_working_days(wib(2026, 11, 26, 17), 1) == wib(2026, 11, 30, 8)  # Thu evening
    # exactly closing time counts as after hours
    assert plain.add_working_days(wib(2026, 11, 26, 16), 1) == wib(2026, 11, 30, 8)
    # Friday after hours -> Monday 08:00 clock start -> Tuesday 08:00
    assert plain.add_working_days(wib(2026, 11, 27, 18, 30), 1) == wib(2026, 12, 1, 8)


def test_before_opening_starts_same_day(plain: WorkCalendar) -> None:
    assert plain.clock_start(wib(2026, 11, 26, 6, 45)) == wib(2026, 11, 26, 8)
    assert plain.add_working_days(wib(2026, 11, 26, 6, 45), 1) == wib(2026, 11, 27, 8)


def test_opening_time_is_within_office_hours(plain: WorkCalendar) -> None:
    assert plain.add_working_days(wib(2026, 11, 26, 8), 2) == wib(2026, 11, 30, 8)


def test_zero_days_returns_clock_start_and_negative_raises(plain: WorkCalendar) -> None:
    assert plain.add_working_days(wib(2026, 11, 26, 10), 0) == wib(2026, 11, 26, 10)
    assert plain.add_working_days(wib(2026, 11, 28, 10), 0) == wib(2026, 11, 30, 8)
    with pytest.raises(ValueError):
        plain.add_working_days(wib(2026, 11, 26, 10), -1)


def test_inputs_in_utc_are_converted_to_jakarta(plain: WorkCalendar) -> None:
    # 07:00 UTC = 14:00 WIB on Friday
    due = plain.add_working_days(datetime(2026, 11, 27, 7, 0, tzinfo=UTC), 1)
    assert due == wib(2026, 11, 30, 14)
    assert due.utcoffset() == SEVEN_HOURS
    assert due.tzinfo is not None and str(due.tzinfo) == "Asia/Jakarta"
    # 23:30 UTC Thursday = 06:30 WIB Friday -> before opening -> Friday 08:00 start
    assert plain.add_working_days(datetime(2026, 11, 26, 23, 30, tzinfo=UTC), 1) == wib(2026, 11, 30, 8)
    # 20:00 UTC Friday = Saturday 03:00 WIB -> Monday 08:00 start
    assert plain.add_working_days(datetime(2026, 11, 27, 20, 0, tzinfo=UTC), 1) == wib(2026, 12, 1, 8)


def test_naive_datetime_is_local_time(plain: WorkCalendar) -> None:
    assert plain.add_working_days(datetime(2026, 11, 27, 14, 0), 1) == wib(2026, 11, 30, 14)


def test_zone_is_dst_free(plain: WorkCalendar) -> None:
    for month in range(1, 13):
        start = wib(2026, month, 10, 9)
        while start.weekday() >= 5:
            start += timedelta(days=1)
        due = plain.add_working_days(start, 5)
        assert due.utcoffset() == SEVEN_HOURS
        assert due - start == timedelta(days=7)
    assert wib(2027, 1, 1).utcoffset() == wib(2027, 7, 1).utcoffset() == SEVEN_HOURS


# ---------------------------------------------------------------- working_days_between


def test_between_same_day(plain: WorkCalendar) -> None:
    assert plain.working_days_between(wib(2026, 11, 26, 9), wib(2026, 11, 26, 13)) == pytest.approx(0.5)


def test_between_over_weekend_counts_office_time_only(plain: WorkCalendar) -> None:
    # Fri 14:00-16:00 (2 h) + Mon 08:00-10:00 (2 h) = 4 h = 0.5 day
    assert plain.working_days_between(wib(2026, 11, 27, 14), wib(2026, 11, 30, 10)) == pytest.approx(0.5)


def test_between_over_night(plain: WorkCalendar) -> None:
    assert plain.working_days_between(wib(2026, 11, 26, 15), wib(2026, 11, 27, 9)) == pytest.approx(0.25)


def test_between_full_week_and_out_of_hours_edges(plain: WorkCalendar) -> None:
    assert plain.working_days_between(wib(2026, 11, 23, 8), wib(2026, 11, 30, 8)) == pytest.approx(5.0)
    assert plain.working_days_between(wib(2026, 11, 22, 23), wib(2026, 11, 28, 12)) == pytest.approx(5.0)
    assert plain.working_days_between(wib(2026, 11, 28, 9), wib(2026, 11, 29, 15)) == 0.0


def test_between_skips_holidays(cal: WorkCalendar) -> None:
    assert cal.working_days_between(wib(2026, 8, 14, 12), wib(2026, 8, 18, 12)) == pytest.approx(1.0)


def test_between_is_never_negative(plain: WorkCalendar) -> None:
    assert plain.working_days_between(wib(2026, 11, 27, 14), wib(2026, 11, 26, 9)) == 0.0


def test_between_accepts_utc(plain: WorkCalendar) -> None:
    start = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # Fri 14:00 WIB
    end = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # Mon 10:00 WIB
    assert plain.working_days_between(start, end) == pytest.approx(0.5)


@pytest.mark.parametrize("days", [1, 2, 3, 5, 7, 12])
@pytest.mark.parametrize(
    "start",
    [wib(2026, 3, 16, 8), wib(2026, 8, 13, 15, 59), wib(2026, 12, 22, 11, 20), wib(2026, 11, 28, 9)],
)
def test_between_inverts_add_working_days(cal: WorkCalendar, start: datetime, days: int) -> None:
    due = cal.add_working_days(start, days)
    assert cal.working_days_between(cal.clock_start(start), due) == pytest.approx(days)
    assert cal.working_days_between(start, due) == pytest.approx(days)


# ---------------------------------------------------------------- shift_by_pause


def test_pause_of_one_working_day(plain: WorkCalendar) -> None:
    due = wib(2026, 11, 30, 14)
    shifted = plain.shift_by_pause(due, wib(2026, 11, 24, 10), wib(2026, 11, 25, 10))
    assert shifted == wib(2026, 12, 1, 14)


def test_pause_over_weekend_only_changes_nothing(plain: WorkCalendar) -> None:
    due = wib(2026, 12, 2, 10)
    assert plain.shift_by_pause(due, wib(2026, 11, 27, 16), wib(2026, 11, 30, 8)) == due


def test_pause_rolls_over_to_next_working_day(plain: WorkCalendar) -> None:
    # 3 office hours of pause; due Fri 15:00 -> 1 h left on Friday, 2 h on Monday
    shifted = plain.shift_by_pause(wib(2026, 11, 27, 15), wib(2026, 11, 25, 9), wib(2026, 11, 25, 12))
    assert shifted == wib(2026, 11, 30, 10)


def test_pause_landing_on_closing_time_stays_that_day(plain: WorkCalendar) -> None:
    shifted = plain.shift_by_pause(wib(2026, 11, 26, 15), wib(2026, 11, 25, 9), wib(2026, 11, 25, 10))
    assert shifted == wib(2026, 11, 26, 16)


def test_pause_over_holiday(cal: WorkCalendar) -> None:
    # paused Fri 14 Aug 08:00 -> Tue 18 Aug 08:00 = 1 working day (Mon 17 is a holiday)
    shifted = cal.shift_by_pause(wib(2026, 8, 20, 11), wib(2026, 8, 14, 8), wib(2026, 8, 18, 8))
    assert shifted == wib(2026, 8, 21, 11)


def test_empty_or_inverted_pause_changes_nothing(plain: WorkCalendar) -> None:
    due = wib(2026, 11, 30, 14)
    assert plain.shift_by_pause(due, wib(2026, 11, 25, 10), wib(2026, 11, 25, 10)) == due
    assert plain.shift_by_pause(due, wib(2026, 11, 25, 12), wib(2026, 11, 25, 10)) == due


def test_pause_in_utc(plain: WorkCalendar) -> None:
    due = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Mon 14:00 WIB
    shifted = plain.shift_by_pause(
        due, datetime(2026, 11, 24, 3, 0, tzinfo=UTC), datetime(2026, 11, 24, 5, 0, tzinfo=UTC)
    )
    assert shifted == wib(2026, 11, 30, 16)
    assert shifted.utcoffset() == SEVEN_HOURS


# ---------------------------------------------------------------- configuration


def test_from_config_adds_and_removes_single_dates() -> None:
    base = WorkCalendar.from_config("")
    cal = WorkCalendar.from_config(" 2026-11-30, -2026-12-24,, ")
    assert cal.holidays == (base.holidays | {date(2026, 11, 30)}) - {date(2026, 12, 24)}
    assert not cal.is_working_day(date(2026, 11, 30))  # an added closure (a Monday)
    assert cal.is_working_day(date(2026, 12, 24))  # cuti bersama cancelled by configuration
    assert not base.is_working_day(date(2026, 12, 24))
    # Wed 23 Dec + 1 is Thu 24 Dec now that 24 Dec is a working day again
    assert cal.add_working_days(wib(2026, 12, 23, 9), 1) == wib(2026, 12, 24, 9)


def test_parse_overrides() -> None:
    assert parse_overrides("") == (set(), set())
    assert parse_overrides("2027-03-10,- 2027-03-11") == ({date(2027, 3, 10)}, {date(2027, 3, 11)})


@pytest.mark.parametrize("bad", ["2026-13-01", "25-12-2026", "2026-02-30", "20261225", "2026-12-25,tomorrow", "--2026-12-25",
                                 "2026-12-25,-2026-12-25"])
def test_from_config_rejects_bad_dates(bad: str) -> None:
    with pytest.raises(ValueError):
        WorkCalendar.from_config(bad)


def test_custom_office_hours() -> None:
    cal = WorkCalendar(day_start=time(7, 30), day_end=time(16))
    assert cal.office_seconds_per_day == 8.5 * 3600
    assert cal.working_days_between(wib(2026, 11, 26, 7, 30), wib(2026, 11, 26, 16)) == pytest.approx(1.0)
    assert cal.add_working_days(wib(2026, 11, 26, 7, 45), 1) == wib(2026, 11, 27, 7, 45)
    assert cal.add_working_days(wib(2026, 11, 26, 7, 0), 1) == wib(2026, 11, 27, 7, 30)


def test_invalid_office_hours() -> None:
    with pytest.raises(ValueError):
        WorkCalendar(day_start=time(16), day_end=time(8))


# ---------------------------------------------------------------- national holidays and cuti bersama

# SKB 3 Menteri 2026 (No. 1497/2025, 2/2025, 5/2025): 17 libur nasional, 8 cuti bersama
SKB_2026_LIBUR = ["2026-01-01", "2026-01-16", "2026-02-17", "2026-03-19", "2026-03-21", "2026-03-22", "2026-04-03",
                  "2026-04-05", "2026-05-01", "2026-05-14", "2026-05-27", "2026-05-31", "2026-06-01", "2026-06-16",
                  "2026-08-17", "2026-08-25", "2026-12-25"]
SKB_2026_CUTI = ["2026-02-16", "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-05-15", "2026-05-28",
                 "2026-12-24"]
# SKB 3 Menteri 2027 (published September 2026): the libur nasional, and the 8 cuti bersama
SKB_2027_LIBUR = ["2027-01-01", "2027-01-05", "2027-02-06", "2027-03-08", "2027-03-10", "2027-03-11", "2027-03-26",
                  "2027-03-28", "2027-05-01", "2027-05-06", "2027-05-17", "2027-05-20", "2027-06-01", "2027-06-06",
                  "2027-08-15", "2027-08-17", "2027-12-25", "2027-12-26"]
SKB_2027_CUTI = ["2027-02-05", "2027-03-09", "2027-03-12", "2027-03-15", "2027-03-25", "2027-05-18", "2027-05-19",
                 "2027-12-24"]


@pytest.mark.parametrize("year, libur, cuti", [(2026, SKB_2026_LIBUR, SKB_2026_CUTI), (2027, SKB_2027_LIBUR, SKB_2027_CUTI)])
def test_national_holidays_and_cuti_bersama_follow_the_skb(year: int, libur: list[str], cuti: list[str]) -> None:
    days = {d: name for d, name in national_holidays().items() if d.year == year}
    assert sorted(d.isoformat() for d in days) == sorted(libur + cuti)
    assert sorted(d.isoformat() for d, name in days.items() if name.startswith("Cuti Bersama")) == sorted(cuti)


def test_2027_dates_the_hand_list_had_wrong() -> None:
    cal = WorkCalendar.from_config("")
    assert not cal.is_working_day(date(2027, 1, 5))  # Isra Mikraj (the hand list had 6 Jan)
    assert cal.is_working_day(date(2027, 1, 6))
    assert not cal.is_working_day(date(2027, 3, 8))  # Nyepi (the hand list had 9 Mar, a cuti bersama day)
    # Mon 8 Mar Nyepi, Tue 9 cuti, Wed 10/Thu 11 Idulfitri, Fri 12 cuti, weekend, Mon 15 cuti -> Fri 5 + 1 = Tue 16
    assert cal.add_working_days(wib(2027, 3, 5, 10), 1) == wib(2027, 3, 16, 10)
    # Thu 23 Dec 2027 + 1: Fri 24 cuti bersama, Sat 25 Natal, Sun 26 Isra Mikraj -> Mon 27
    assert cal.add_working_days(wib(2027, 12, 23, 10), 1) == wib(2027, 12, 27, 10)


def test_frozen_data_is_the_pinned_library_s() -> None:
    first, last = national_years()
    assert first <= 2026 and last >= 2027
    assert national_holidays() == workdays.library_holidays(range(first, last + 1)), (
        "chalicelib/core/holidays_id.json differs from the holidays library: run python -m scripts.update_holidays")


def test_data_covers_next_year() -> None:
    # a new SKB is published each September: regenerate (scripts/update_holidays.py --to) before the data runs out
    assert national_years()[1] >= date.today().year + 1


def test_jakarta_falls_back_to_fixed_utc7_without_tzdata(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    get_tz.cache_clear()
    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    try:
        tz = get_tz("Asia/Jakarta")
        assert datetime(2026, 6, 1, tzinfo=tz).utcoffset() == SEVEN_HOURS
        with pytest.raises(zoneinfo.ZoneInfoNotFoundError):
            get_tz("Europe/Berlin")
    finally:
        monkeypatch.undo()
        get_tz.cache_clear()

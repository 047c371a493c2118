"""Working-day calendar for the SLA clock (Asia/Jakarta, office hours, national holidays).

No I/O at import time and no configuration reads. The national holidays (libur nasional) and
joint leave days (cuti bersama, the ``government`` category) come from the ``holidays`` library
(Indonesia), frozen for the years it covers into ``holidays_id.json`` next to this module by
``scripts/update_holidays.py`` (``import holidays`` loads every country, ~1 s: not on a cold path).
A test checks the file against the pinned library, so a library upgrade that changes a date (a new
SKB, an amended decree) shows up as a failing test until the file is regenerated.

Configuration adds or removes single dates (``WorkCalendar.from_config("2027-03-10,-2027-03-11")``:
a bare date is an extra holiday, a date with a leading ``-`` is a working day after all).

Semantics in short:

* a *working day* is Monday–Friday and not a holiday (local date in ``tz``);
* *office time* is ``day_start``–``day_end`` local time on a working day (default 08:00–16:00 WIB);
* one working day of elapsed time is one full office day (8 office hours by default).

Naive datetimes passed in are interpreted as local time in the calendar's zone; every
datetime returned is aware and expressed in that zone.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

__all__ = [
    "HOLIDAYS_FILE",
    "JAKARTA_TZ_NAME",
    "WorkCalendar",
    "get_tz",
    "library_holidays",
    "national_holidays",
    "national_years",
    "parse_overrides",
]

JAKARTA_TZ_NAME = "Asia/Jakarta"
DEFAULT_DAY_START = time(8)
DEFAULT_DAY_END = time(16)
HOLIDAYS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "holidays_id.json")
HOLIDAY_CATEGORIES = ("public", "government")  # libur nasional + cuti bersama

# Asia/Jakarta has been a fixed UTC+7 without DST since 1964. If the runtime has no IANA
# database (neither /usr/share/zoneinfo nor the `tzdata` wheel), this equivalent fixed zone is used.
_WIB_FIXED = timezone(timedelta(hours=7), "WIB")


def library_holidays(years: Iterable[int]) -> dict[date, str]:
    """Indonesia's holidays and cuti bersama for ``years`` straight from the ``holidays`` library (slow import:
    for ``scripts/update_holidays.py`` and the test that checks the frozen file, not for request paths)."""
    from holidays.countries.indonesia import Indonesia

    cal = Indonesia(years=list(years), categories=HOLIDAY_CATEGORIES, language="id")
    return dict(sorted(cal.items()))


@lru_cache(maxsize=1)
def _frozen() -> tuple[dict[date, str], tuple[int, int], dict[str, Any]]:
    with open(HOLIDAYS_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    days = {date.fromisoformat(d): name for d, name in data["holidays"].items()}
    return days, (int(data["years"][0]), int(data["years"][1])), data


def national_holidays() -> dict[date, str]:
    """The national holidays and cuti bersama (date → Indonesian name) for the years the frozen file covers."""
    return dict(_frozen()[0])


def national_years() -> tuple[int, int]:
    """First and last year (inclusive) covered by the national holiday data."""
    return _frozen()[1]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _seconds(a: datetime, b: datetime) -> float:
    """Real elapsed seconds from ``a`` to ``b`` (via UTC, so same-tzinfo wall-clock arithmetic is avoided)."""
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


def parse_overrides(csv: str) -> tuple[set[date], set[date]]:
    """``"2027-03-10,-2027-03-11"`` → ({added}, {removed}); ``ValueError`` names the bad entry."""
    add: set[date] = set()
    remove: set[date] = set()
    for raw in (csv or "").split(","):
        token = raw.strip()
        if not token:
            continue
        target = add
        if token.startswith("-"):
            target, token = remove, token[1:].strip()
        if not _ISO_DATE.fullmatch(token):
            raise ValueError(f"invalid holiday date {raw.strip()!r}: expected YYYY-MM-DD or -YYYY-MM-DD")
        try:
            target.add(date.fromisoformat(token))
        except ValueError as exc:
            raise ValueError(f"invalid holiday date {raw.strip()!r}: {exc}") from None
    if add & remove:
        raise ValueError(f"holiday dates both added and removed: {', '.join(sorted(map(str, add & remove)))}")
    return add, remove


@lru_cache(maxsize=16)
def get_tz(name: str = JAKARTA_TZ_NAME) -> tzinfo:
    """The tzinfo for an IANA zone name; Asia/Jakarta falls back to fixed UTC+7 without tz data."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name == JAKARTA_TZ_NAME:
            return _WIB_FIXED
        raise


class WorkCalendar:
    """Working days and office hours in one time zone, excluding weekends and configured holidays."""

    def __init__(
        self,
        holidays: Iterable[date] = (),
        tz: str = JAKARTA_TZ_NAME,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> None:
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise ValueError("day_start and day_end must be naive local times")
        if day_start >= day_end:
            raise ValueError("day_start must be earlier than day_end")
        self.tz: tzinfo = get_tz(tz)
        self.tz_name = tz
        self.day_start = day_start
        self.day_end = day_end
        self.holidays: frozenset[date] = frozenset(
            h.date() if isinstance(h, datetime) else h for h in holidays
        )

    @classmethod
    def from_config(
        cls,
        overrides_csv: str = "",
        *,
        tz: str = JAKARTA_TZ_NAME,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> WorkCalendar:
        """The national calendar (:func:`national_holidays`) with the configured single-date changes.

        ``overrides_csv`` is a comma-separated list: ``YYYY-MM-DD`` adds a holiday (a regional or office
        closure, a date decreed after the data was frozen), ``-YYYY-MM-DD`` removes one (a holiday moved or
        cancelled by an amended decree). Blanks are ignored; a malformed entry raises ``ValueError``.
        """
        add, remove = parse_overrides(overrides_csv)
        days = (set(national_holidays()) | add) - remove
        return cls(days, tz=tz, day_start=day_start, day_end=day_end)

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(tz={self.tz_name!r}, day_start={self.day_start}, day_end={self.day_end}, "
            f"holidays={len(self.holidays)})"
        )

    # ------------------------------------------------------------------ basics

    @property
    def office_seconds_per_day(self) -> float:
        """Nominal length of one office day in seconds (8 h by default)."""
        anchor = date(2000, 1, 3)
        return (
            datetime.combine(anchor, self.day_end) - datetime.combine(anchor, self.day_start)
        ).total_seconds()

    def to_local(self, dt: datetime) -> datetime:
        """``dt`` in the calendar's zone; a naive ``dt`` is taken to be local time already."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            return dt.replace(tzinfo=self.tz)
        return dt.astimezone(self.tz)

    def is_working_day(self, d: date) -> bool:
        """Monday–Friday and not a holiday. A datetime is reduced to its local date first."""
        if isinstance(d, datetime):
            d = self.to_local(d).date()
        return d.weekday() < 5 and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += timedelta(days=1)
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    def is_office_time(self, dt: datetime) -> bool:
        """Whether ``dt`` falls within office hours (start inclusive, end exclusive) of a working day."""
        local = self.to_local(dt)
        return self.is_working_day(local.date()) and self.day_start <= local.time() < self.day_end

    def clock_start(self, dt: datetime) -> datetime:
        """The moment the SLA clock starts for something submitted at ``dt``.

        ``dt`` itself (in local time) when it is within office hours of a working day; otherwise
        ``day_start`` of the next working day (the same day if it is a working day before opening).
        """
        local = self.to_local(dt)
        if self.is_office_time(local):
            return local
        d = local.date()
        if self.is_working_day(d) and local.time() < self.day_start:
            return self._at(d, self.day_start)
        return self._at(self.next_working_day(d), self.day_start)

    # ------------------------------------------------------------------ SLA arithmetic

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Due moment ``days`` working days after ``start``.

        Within office hours the due moment keeps the local clock time of ``start``; after hours or
        on a non-working day the clock starts at the next working day's ``day_start``.
        ``days == 0`` returns the clock start itself.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        anchor = self.clock_start(start)
        d = anchor.date()
        for _ in range(days):
            d = self.next_working_day(d)
        return self._at(d, anchor.time())

    def office_seconds_between(self, start: datetime, end: datetime) -> float:
        """Elapsed office time in seconds between two instants (0 when ``end <= start``)."""
        s = self.to_local(start)
        e = self.to_local(end)
        if e <= s:
            return 0.0
        total = 0.0
        d = s.date()
        last = e.date()
        while d <= last:
            if self.is_working_day(d):
                open_at = self._at(d, self.day_start)
                close_at = self._at(d, self.day_end)
                lo = max(s, open_at)
                hi = min(e, close_at)
                if hi > lo:
                    # scale by this day's real office length so that a full day is exactly 1.0 day
                    total += _seconds(lo, hi) * self.office_seconds_per_day / _seconds(open_at, close_at)
            d += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Elapsed working time in working days (a full office day = 1.0); never negative."""
        return self.office_seconds_between(start, end) / self.office_seconds_per_day

    def add_office_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant reached after ``duration`` of office time counted from ``start``.

        A zero duration returns ``start`` (in local time) unchanged. Landing exactly on closing time
        returns that closing time rather than the next opening.
        """
        remaining = duration.total_seconds()
        if remaining < 0:
            raise ValueError("duration must be >= 0")
        local = self.to_local(start)
        if remaining == 0:
            return local
        cursor = self.clock_start(local)
        per_day = self.office_seconds_per_day
        while True:
            d = cursor.date()
            close_at = self._at(d, self.day_end)
            open_at = self._at(d, self.day_start)
            scale = _seconds(open_at, close_at) / per_day
            available = _seconds(cursor, close_at) / scale
            if remaining <= available:
                return (cursor.astimezone(UTC) + timedelta(seconds=remaining * scale)).astimezone(self.tz)
            remaining -= available
            cursor = self._at(self.next_working_day(d), self.day_start)

    def shift_by_pause(self, due_at: datetime, paused_from: datetime, paused_to: datetime) -> datetime:
        """Push ``due_at`` later by the office time that elapsed between ``paused_from`` and ``paused_to``."""
        paused = self.office_seconds_between(paused_from, paused_to)
        return self.add_office_time(due_at, timedelta(seconds=paused))

"""Working-day calendar for the SLA clock (Asia/Jakarta, office hours, national holidays).

Pure stdlib; no I/O and no configuration reads at import time. The caller passes the
holiday list (e.g. ``WorkCalendar.from_config(settings.holidays_csv)``).

Semantics in short:

* a *working day* is Monday–Friday and not a configured holiday (local date in ``tz``);
* *office time* is ``day_start``–``day_end`` local time on a working day (default 08:00–16:00 WIB);
* one working day of elapsed time is one full office day (8 office hours by default).

Naive datetimes passed in are interpreted as local time in the calendar's zone; every
datetime returned is aware and expressed in that zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache

__all__ = [
    "DEFAULT_NATIONAL_HOLIDAYS_2026_2027",
    "JAKARTA_TZ_NAME",
    "WorkCalendar",
    "get_tz",
]

JAKARTA_TZ_NAME = "Asia/Jakarta"
DEFAULT_DAY_START = time(8)
DEFAULT_DAY_END = time(16)

# Asia/Jakarta has been a fixed UTC+7 without DST since 1964. If the runtime has no IANA
# database (neither /usr/share/zoneinfo nor the `tzdata` wheel), this equivalent fixed zone is used.
_WIB_FIXED = timezone(timedelta(hours=7), "WIB")

# National holidays (libur nasional) and joint leave days (cuti bersama) used as configuration
# defaults. They MUST be checked against the official joint ministerial decree (SKB 3 Menteri
# tentang Hari Libur Nasional dan Cuti Bersama) every year and overridden through configuration
# when the decree differs or is amended. 2026 follows the published SKB for 2026; the 2027 dates
# are estimates (astronomical / Hijri calendar) made before the 2027 SKB was available, and the
# 2027 cuti bersama are not included at all.
DEFAULT_NATIONAL_HOLIDAYS_2026_2027: tuple[date, ...] = (
    # --- 2026: libur nasional ---
    date(2026, 1, 1),  # Tahun Baru 2026 Masehi
    date(2026, 1, 16),  # Isra Mikraj Nabi Muhammad SAW
    date(2026, 2, 17),  # Tahun Baru Imlek 2577 Kongzili
    date(2026, 3, 19),  # Hari Suci Nyepi Tahun Baru Saka 1948
    date(2026, 3, 21),  # Idulfitri 1447 H
    date(2026, 3, 22),  # Idulfitri 1447 H
    date(2026, 4, 3),  # Wafat Yesus Kristus
    date(2026, 4, 5),  # Kebangkitan Yesus Kristus (Paskah)
    date(2026, 5, 1),  # Hari Buruh Internasional
    date(2026, 5, 14),  # Kenaikan Yesus Kristus
    date(2026, 5, 27),  # Iduladha 1447 H
    date(2026, 5, 31),  # Hari Raya Waisak 2570 BE
    date(2026, 6, 1),  # Hari Lahir Pancasila
    date(2026, 6, 16),  # 1 Muharam Tahun Baru Islam 1448 H
    date(2026, 8, 17),  # Hari Proklamasi Kemerdekaan RI
    date(2026, 8, 25),  # Maulid Nabi Muhammad SAW
    date(2026, 12, 25),  # Hari Raya Natal
    # --- 2026: cuti bersama ---
    date(2026, 2, 16),  # Tahun Baru Imlek
    date(2026, 3, 18),  # Hari Suci Nyepi
    date(2026, 3, 20),  # Idulfitri
    date(2026, 3, 23),  # Idulfitri
    date(2026, 3, 24),  # Idulfitri
    date(2026, 5, 15),  # Kenaikan Yesus Kristus
    date(2026, 5, 28),  # Iduladha
    date(2026, 12, 24),  # Hari Raya Natal
    # --- 2027: libur nasional (ESTIMATES until the 2027 SKB is published) ---
    date(2027, 1, 1),  # Tahun Baru 2027 Masehi
    date(2027, 1, 6),  # Isra Mikraj Nabi Muhammad SAW (estimate)
    date(2027, 2, 6),  # Tahun Baru Imlek 2578 Kongzili
    date(2027, 3, 9),  # Hari Suci Nyepi Tahun Baru Saka 1949 (estimate)
    date(2027, 3, 10),  # Idulfitri 1448 H (estimate)
    date(2027, 3, 11),  # Idulfitri 1448 H (estimate)
    date(2027, 3, 26),  # Wafat Yesus Kristus
    date(2027, 3, 28),  # Kebangkitan Yesus Kristus (Paskah)
    date(2027, 5, 1),  # Hari Buruh Internasional
    date(2027, 5, 6),  # Kenaikan Yesus Kristus
    date(2027, 5, 17),  # Iduladha 1448 H (estimate)
    date(2027, 5, 20),  # Hari Raya Waisak 2571 BE (estimate)
    date(2027, 6, 1),  # Hari Lahir Pancasila
    date(2027, 6, 6),  # 1 Muharam Tahun Baru Islam 1449 H (estimate)
    date(2027, 8, 15),  # Maulid Nabi Muhammad SAW (estimate)
    date(2027, 8, 17),  # Hari Proklamasi Kemerdekaan RI
    date(2027, 12, 25),  # Hari Raya Natal
)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _seconds(a: datetime, b: datetime) -> float:
    """Real elapsed seconds from ``a`` to ``b`` (via UTC, so same-tzinfo wall-clock arithmetic is avoided)."""
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


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
        holidays_csv: str,
        *,
        tz: str = JAKARTA_TZ_NAME,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> WorkCalendar:
        """Build from a comma-separated ``YYYY-MM-DD`` list; blanks are ignored, bad dates raise ValueError."""
        holidays: list[date] = []
        for raw in (holidays_csv or "").split(","):
            token = raw.strip()
            if not token:
                continue
            if not _ISO_DATE.fullmatch(token):
                raise ValueError(f"invalid holiday date {token!r}: expected YYYY-MM-DD")
            try:
                holidays.append(date.fromisoformat(token))
            except ValueError as exc:
                raise ValueError(f"invalid holiday date {token!r}: {exc}") from None
        return cls(holidays, tz=tz, day_start=day_start, day_end=day_end)

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

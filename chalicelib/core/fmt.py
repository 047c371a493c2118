"""Indonesian formatting: rupiah amounts, amounts in words (terbilang) and dates.

Pure stdlib, no locale dependency (the Lambda runtime has no id_ID locale).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from chalicelib.core.workdays import JAKARTA_TZ_NAME, get_tz

__all__ = [
    "MONTHS_ID",
    "WEEKDAYS_ID",
    "format_date_id",
    "format_idr",
    "format_number_id",
    "terbilang",
]

MONTHS_ID: tuple[str, ...] = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
# date.weekday(): Monday == 0
WEEKDAYS_ID: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

_UNITS: tuple[str, ...] = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
# (value, word) for groups of three digits, largest first
_SCALES: tuple[tuple[int, str], ...] = (
    (10**12, "triliun"),
    (10**9, "miliar"),
    (10**6, "juta"),
    (10**3, "ribu"),
)
_TERBILANG_LIMIT = 10**15


def _as_int(amount: int | Decimal | str) -> int:
    """An integral amount as int; accepts DynamoDB's Decimal and numeric strings, refuses fractions."""
    if isinstance(amount, bool):
        raise TypeError("amount must be an integer, not bool")
    if isinstance(amount, int):
        return amount
    if isinstance(amount, float):
        if not amount.is_integer():
            raise ValueError(f"amount must be a whole number of rupiah, got {amount!r}")
        return int(amount)
    try:
        value = Decimal(str(amount).strip())
    except Exception:  # decimal.InvalidOperation and friends
        raise ValueError(f"not a number: {amount!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise ValueError(f"amount must be a whole number of rupiah, got {amount!r}")
    return int(value)


def format_number_id(n: int | Decimal | str) -> str:
    """An integer with Indonesian thousands separators: ``1250000`` → ``"1.250.000"``."""
    value = _as_int(n)
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")


def format_idr(amount: int | Decimal | str) -> str:
    """``1250000`` → ``"Rp 1.250.000"``; negative amounts as ``"-Rp 1.250.000"``."""
    value = _as_int(amount)
    if value < 0:
        return "-Rp " + format_number_id(-value)
    return "Rp " + format_number_id(value)


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_UNITS[hundreds], "ratus"]
    if rest < 12:
        if rest:
            words.append(_UNITS[rest])
    elif rest < 20:
        words += [_UNITS[rest - 10], "belas"]
    else:
        tens, ones = divmod(rest, 10)
        words += [_UNITS[tens], "puluh"]
        if ones:
            words.append(_UNITS[ones])
    return words


def _words(n: int) -> list[str]:
    words: list[str] = []
    for value, name in _SCALES:
        group, n = divmod(n, value)
        if not group:
            continue
        if group == 1 and value == 1000:
            words.append("seribu")
        else:
            words += _below_thousand(group) + [name]
    words += _below_thousand(n)
    return words


def terbilang(n: int | Decimal | str, suffix: str = " rupiah") -> str:
    """An integer in Indonesian words, lower case, followed by ``suffix``.

    ``1250000`` → ``"satu juta dua ratus lima puluh ribu rupiah"``; ``0`` → ``"nol rupiah"``;
    negative numbers start with ``"minus"``. Supported up to 999 triliun (exclusive 10**15).
    """
    value = _as_int(n)
    if abs(value) >= _TERBILANG_LIMIT:
        raise ValueError("terbilang supports numbers below 1.000 triliun (10**15)")
    if value == 0:
        text = "nol"
    else:
        text = " ".join(_words(abs(value)))
        if value < 0:
            text = "minus " + text
    return text + suffix


def _coerce_datetime(value: datetime | date | str) -> datetime | date:
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text) if ("T" in text or " " in text) else date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO-8601 date/datetime: {value!r}") from None
    if isinstance(value, date):  # datetime is a subclass of date
        return value
    raise TypeError(f"expected date, datetime or ISO string, got {type(value).__name__}")


def format_date_id(
    value: datetime | date | str,
    with_time: bool = False,
    with_weekday: bool = False,
) -> str:
    """Indonesian date: ``"29 November 2026"``, ``"29 November 2026 14.30 WIB"``, ``"Minggu, 29 November 2026"``.

    Aware datetimes are converted to Asia/Jakarta (WIB); naive ones are taken to be WIB already.
    ISO-8601 strings are accepted. ``with_time`` is ignored for plain dates.
    """
    parsed = _coerce_datetime(value)
    if isinstance(parsed, datetime):
        if parsed.tzinfo is not None and parsed.utcoffset() is not None:
            parsed = parsed.astimezone(get_tz(JAKARTA_TZ_NAME))
        d: date = parsed.date()
    else:
        d = parsed
    text = f"{d.day} {MONTHS_ID[d.month - 1]} {d.year}"
    if with_weekday:
        text = f"{WEEKDAYS_ID[d.weekday()]}, {text}"
    if with_time and isinstance(parsed, datetime):
        text += f" {parsed.hour:02d}.{parsed.minute:02d} WIB"
    return text

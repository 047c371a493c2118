"""Input types shared by every schema: instants and days in the range the system supports.

A timestamp at the edge of Python's calendar (``0001-01-01T00:00:00+14:00``, ``9999-12-31T23:59:59-12:00``)
parses, but moving it to UTC overflows; a far-away day makes a calendar loop run for ever. Every date and
timestamp the API accepts (query, body, webhook) is therefore one of these types, so such input is a 400 at
the edge, never a 500 deep in a service."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(2999, 12, 31)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_LEN = 40


def _in_range(d: date) -> None:
    if not MIN_DAY <= d <= MAX_DAY:
        raise ValueError(f"must lie between {MIN_DAY.isoformat()} and {MAX_DAY.isoformat()}")


def parse_timestamp(value: object) -> datetime:
    """An ISO-8601 timestamp with a UTC offset (``Z`` allowed), within the supported range -> aware datetime."""
    if not isinstance(value, str) or len(value) > _MAX_LEN:
        raise ValueError("must be an ISO-8601 timestamp string")
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be an ISO-8601 timestamp with offset, e.g. 2026-03-02T08:00:00+07:00") from exc
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("must carry a UTC offset, e.g. +07:00")
    _in_range(dt.date())
    _in_range(dt.astimezone(UTC).date())  # both sides: the local day and the UTC day
    return dt


def _timestamp(value: object) -> str:
    parse_timestamp(value)
    return value.strip()  # type: ignore[union-attr]


def _day(value: date) -> date:
    _in_range(value)
    return value


def _day_or_timestamp(value: object) -> str:
    """A local day ``YYYY-MM-DD`` or a timestamp (an offset is optional here: a naive one is read as WIB by
    the caller); both within the supported range."""
    if not isinstance(value, str) or len(value) > _MAX_LEN:
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO-8601 timestamp")
    text = value.strip()
    if _DAY.match(text):
        try:
            _in_range(date.fromisoformat(text))
        except ValueError as exc:
            raise ValueError(str(exc) if "between" in str(exc) else "must be a valid date (YYYY-MM-DD)") from exc
        return text
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("must be a date (YYYY-MM-DD) or an ISO-8601 timestamp") from exc
    _in_range(dt.date())
    if dt.tzinfo is not None:
        _in_range(dt.astimezone(UTC).date())
    return text


#: an ISO-8601 timestamp with offset, kept as the given text (stripped)
Timestamp = Annotated[str, BeforeValidator(_timestamp)]
#: a calendar day (YYYY-MM-DD) in the supported range
Day = Annotated[date, AfterValidator(_day)]
#: a local day or a timestamp (report periods, roster ranges)
DayOrTimestamp = Annotated[str, BeforeValidator(_day_or_timestamp)]


_LINKISH = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|\bwww\.|\b[\w-]+\.(?:com|net|org|id|co|io|info|biz|xyz|site|"
                      r"online|app|dev|link|click|top|icu|ru|cn)\b)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f<>@]")


def _plain_name(value: object) -> str:
    """A person's or institution's name as the office's e-mails quote it: plain text, no link, no address, no
    markup (a name is never a way to put an attacker's text and link into an official e-mail)."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    text = " ".join(value.split())
    if not 1 <= len(text) <= 200:
        raise ValueError("must be 1 to 200 characters")
    if _CONTROL.search(text) or _LINKISH.search(text):
        raise ValueError("must be plain text: no links, e-mail addresses or markup")
    return text


#: a name quoted in e-mails and documents: plain text, no URL, address or markup
PlainName = Annotated[str, BeforeValidator(_plain_name)]


def plain_or(value: object, fallback: str) -> str:
    """`value` as a plain name, or `fallback` when it is not one (e.g. an identity provider's display name)."""
    try:
        return _plain_name(value)
    except ValueError:
        return fallback

"""The audit verification's report."""

from __future__ import annotations

from typing import TypedDict


class BrokenLink(TypedDict):
    stream: str
    seq: int | None
    reason: str


class VerifyReport(TypedDict):
    streams: int
    records: int
    broken: list[BrokenLink]

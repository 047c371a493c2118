"""Data access for the report aggregates (table `stats`: per Jakarta month, one counter item per
day#dimension#value, with a list of samples where a distribution is reported)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, idem
from chalicelib.reports.models import StatRecord

JAKARTA = ZoneInfo("Asia/Jakarta")


def _day(iso: str) -> tuple[str, str]:
    d = clock.parse_iso(iso).astimezone(JAKARTA)
    return d.strftime("%Y-%m"), d.strftime("%Y-%m-%d")


def stat_update(iso: str, dim: str, value: str, n: int = 1, sample: float | None = None,
                total: int | None = None) -> tuple[StatRecord, list[Any]]:
    month, day = _day(iso)
    actions = [StatRecord.count.add(n)]
    if total is not None:
        actions.append(StatRecord.total.add(total))
    if sample is not None:
        # `values | []` (if_not_exists): the first sample of a day creates the list instead of failing
        actions.append(StatRecord.values.set((StatRecord.values | []).prepend([round(sample, 4)])))
    return StatRecord(month=month, stat_key=f"{day}#{dim}#{value}"), actions


def add(iso: str, dim: str, value: str, n: int = 1, sample: float | None = None) -> None:
    item, actions = stat_update(iso, dim, value, n, sample)
    item.update(actions=actions)


def tx_part(updates: list[tuple[StatRecord, list[Any]]], claim: str | None = None) -> Callable[[TransactWrite], None]:
    marker = idem.record(claim) if claim else None

    def add(tx: TransactWrite) -> None:
        for item, actions in updates:
            tx.update(item, actions=actions)
        if marker is not None:
            tx.save(marker)  # the same marker `idem.claim` sets: any later writer for this request skips
    return add


def stats(month: str, lo: str, hi: str) -> list[StatRecord]:
    """The aggregates of the days lo..hi (YYYY-MM-DD) of one month."""
    return list(StatRecord.query(month, StatRecord.stat_key.between(f"{lo}#", f"{hi}#~")))

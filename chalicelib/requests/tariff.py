"""The PNBP tariff of custom work (issue 19): service type, unit and unit price, read from a data file
(`tariff.json` next to this module, or the file named by the setting `tariff_file`), cached per container and
served read-only to staff (GET /ops/tariff). `price` turns an operator's quote lines into priced lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest

BUILT_IN = Path(__file__).with_name("tariff.json")


@dataclass(frozen=True)
class TariffItem:
    code: str
    service: str
    unit: str
    unit_price_idr: int
    description: str = ""


@dataclass(frozen=True)
class Tariff:
    version: str
    basis: str
    items: tuple[TariffItem, ...]

    def by_code(self) -> dict[str, TariffItem]:
        return {i.code: i for i in self.items}


def parse(doc: dict[str, Any]) -> Tariff:
    """A tariff document; refuses what would make a wrong invoice (no items, duplicate codes, non-positive
    prices)."""
    items = tuple(TariffItem(str(i["code"]), str(i["service"]), str(i["unit"]), int(i["unit_price_idr"]),
                             str(i.get("description", ""))) for i in doc.get("items") or [])
    if not items:
        raise ValueError("the tariff has no items")
    if len({i.code for i in items}) != len(items):
        raise ValueError("duplicate tariff codes")
    if any(i.unit_price_idr <= 0 for i in items):
        raise ValueError("tariff prices must be positive rupiah")
    return Tariff(str(doc.get("version") or ""), str(doc.get("basis") or ""), items)


@lru_cache(maxsize=4)
def _load(path: str) -> Tariff:
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))


def current() -> Tariff:
    return _load(get_settings().tariff_file or str(BUILT_IN))


@dataclass(frozen=True)
class PricedLine:
    code: str
    service: str
    unit: str
    unit_price_idr: int
    quantity: int
    amount_idr: int


def price(tariff: Tariff, lines: list[tuple[str, int]]) -> tuple[list[PricedLine], int]:
    """(code, quantity) lines → priced lines (the same code twice is added up) and their total."""
    known = tariff.by_code()
    unknown = sorted({c for c, _ in lines if c not in known})
    if unknown:
        raise BadRequest("unknown tariff codes", code="unknown_tariff", details={"unknown": unknown})
    qty: dict[str, int] = {}
    for code, n in lines:
        if int(n) <= 0:
            raise BadRequest("quantities must be positive")
        qty[code] = qty.get(code, 0) + int(n)
    out = [PricedLine(code, known[code].service, known[code].unit, known[code].unit_price_idr, n,
                      known[code].unit_price_idr * n) for code, n in qty.items()]
    return out, sum(ln.amount_idr for ln in out)

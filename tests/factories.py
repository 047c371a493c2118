"""Seed helpers for tests: catalog items, operators on duty."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.core import clock


def put_catalog(items: list[dict[str, Any]]) -> None:
    from chalicelib.catalog.models import CatalogRecord

    for it in items:
        data = {"type": "table_static", "title": "Tabel", "subject": "Kependudukan", "region_code": "0000",
                "region": "Indonesia", "level": "nasional", "year": 2024, "format": "xlsx", "size_bytes": 1000,
                "price_idr": 0, "access": "open", "release_date": "2024-06-01", **it}
        data["release_month"] = data["release_date"][:7]
        CatalogRecord(**data).save()


def standard_catalog() -> None:
    put_catalog([
        {"id": "TS-FREE1", "title": "Jumlah Penduduk Menurut Provinsi 2024"},
        {"id": "TS-PAID1", "title": "Indeks Harga Konsumen Kota Medan 2024", "access": "paid", "price_idr": 150000},
        {"id": "MP-PAID2", "type": "map", "title": "Peta Wilkerstat Kecamatan Menteng", "access": "paid",
         "price_idr": 250000, "format": "shp"},
        {"id": "MD-SUS1", "type": "microdata", "title": "Susenas Maret 2024 Kor", "access": "restricted",
         "price_idr": 500000, "format": "sav"},
    ])


def put_operator(operator_id: str, quota: int = 5, load: int = 0, active: bool = True,
                 services: list[str] | None = None, on_duty: bool = True, name: str = "") -> None:
    from chalicelib.delegation.models import OperatorRecord, ShiftRecord
    from chalicelib.delegation.service import local_day

    OperatorRecord(operator_id=operator_id, name=name or operator_id, email=f"{operator_id}@bps.example.id",
                   quota=quota, load=load, active=active, services=services or []).save()
    if on_duty:
        now = clock.now()
        start = now - timedelta(hours=1)
        ShiftRecord(day=local_day(start), slot=f"{clock.iso(start)}#{operator_id}", operator_id=operator_id,
                    start=clock.iso(start), end=clock.iso(now + timedelta(hours=8))).save()


def future_monday() -> datetime:
    """09:00 WIB on a Monday at least a week ahead (the billing simulator runs on real time) whose two
    weeks are all working days (no holidays)."""
    from chalicelib.requests.sla import calendar

    cal = calendar()
    d = date.today() + timedelta(days=7)
    d += timedelta(days=(7 - d.weekday()) % 7)
    while not all(cal.is_working_day(d + timedelta(days=i)) for i in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)):
        d += timedelta(days=7)
    return datetime(d.year, d.month, d.day, 2, 0, tzinfo=UTC)

"""Demo data for the local stack: user profiles, operators on duty, a catalog with its search index."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

log = logging.getLogger("silastik.seed")


def seed_users() -> int:
    from chalicelib.core import clock
    from chalicelib.users.models import UserRecord
    from local.sso import DEMO_USERS

    now = clock.iso()
    for username, u in DEMO_USERS.items():
        data = dict(u)
        UserRecord(user_id=username, name=data.get("name", username), email=data.get("email", "").lower() or None,
                   phone=data.get("phone"), institution=data.get("institution"), category=data.get("category"),
                   roles=list(data.get("roles", [])), created_at=now, updated_at=now).save()
    return len(DEMO_USERS)


DEMO_OPERATORS = ("operator1", "operator2", "operator3", "supervisor1")
DEMO_PRODUCERS = ("producer1",)
DEMO_QUOTA = 5
DEMO_DAYS = 7


def _identity(user: str) -> tuple[str, str]:
    from local.sso import DEMO_USERS

    u = DEMO_USERS.get(user)
    return (u["name"], u["email"]) if u else (user, f"{user}@bps.example.id")


def seed_demo(now: datetime) -> int:
    """Demo operators and roster: operator1..3 and supervisor1 with quota 5, on duty all day (00:00-24:00
    Asia/Jakarta) today and the next 6 days, so there is always someone on duty now; the demo producer in every
    producer unit. Idempotent: re-running never resets an existing operator's load or settings, and shifts have
    deterministic keys. Returns the number of operators."""
    from pynamodb.exceptions import PutError

    from chalicelib.core import clock
    from chalicelib.delegation.models import OperatorRecord, ShiftRecord
    from chalicelib.delegation.service import JAKARTA
    from chalicelib.escalation.service import UNITS, add_member

    stamp = clock.iso(now)
    for op in DEMO_OPERATORS:
        name, email = _identity(op)
        try:
            OperatorRecord(operator_id=op, name=name, email=email, quota=DEMO_QUOTA, load=0, active=True,
                           services=[], updated_at=stamp).save(condition=OperatorRecord.operator_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    today = now.astimezone(JAKARTA).date()
    with ShiftRecord.batch_write() as batch:
        for i in range(DEMO_DAYS):
            day = today + timedelta(days=i)
            start = datetime.combine(day, time(0), tzinfo=JAKARTA)
            s, e = clock.iso(start), clock.iso(start + timedelta(days=1))
            for op in DEMO_OPERATORS:
                batch.save(ShiftRecord(day=day.isoformat(), slot=f"{s}#{op}", operator_id=op, start=s, end=e,
                                       updated_by="seed"))
    for producer in DEMO_PRODUCERS:
        for unit in UNITS:
            add_member(unit, producer, _identity(producer)[0])
    return len(DEMO_OPERATORS)


def seed_operators() -> int:
    from chalicelib.core import clock

    return seed_demo(clock.now())


def release_items(today: date | None = None) -> list[dict]:
    """The release calendar of the demo (issue 12): monthly inflation and CPI releases of three series on the
    first days of this month (published) and of the next three months (planned), a few planned publications
    and microdata, and one planned release due today (the first tick publishes it)."""
    from chalicelib.catalog.releases import today as local_today
    from chalicelib.core.fmt import MONTHS_ID

    today = today or local_today()
    series = [
        ("INFLASI-BULANAN-0000", "Inflasi Bulanan (m-to-m) Menurut Kelompok Pengeluaran, Indonesia, {p}", "0000",
         "Indonesia", "nasional", 0),
        ("INFLASI-BULANAN-31", "Inflasi Bulanan (m-to-m) Menurut Kelompok Pengeluaran, Provinsi DKI Jakarta, {p}",
         "31", "DKI Jakarta", "provinsi", 25000),
        ("IHK-BULANAN-1275", "Indeks Harga Konsumen Kota Medan {p}", "1275", "Kota Medan", "kabupaten_kota", 50000),
    ]
    out: list[dict] = []
    for offset in range(4):
        y, m = today.year + (today.month - 1 + offset) // 12, (today.month - 1 + offset) % 12 + 1
        py, pm = (y, m - 1) if m > 1 else (y - 1, 12)
        period = f"{MONTHS_ID[pm - 1]} {py}"
        day = date(y, m, 2 if offset else 1)
        for n, (sid, title, code, region, level, price) in enumerate(series):
            out.append({"id": f"RL-{sid}-{py}{pm:02d}", "type": "table_static", "title": title.format(p=period),
                        "abstract": f"Rilis bulanan {title.format(p=period)} dari Survei Harga Konsumen.",
                        "subject": "Inflasi", "region_code": code, "region": region, "level": level, "year": py,
                        "period": period, "format": "xlsx", "size_bytes": 48_000, "price_idr": price,
                        "access": "paid" if price else "open", "release_date": (day + timedelta(days=n % 2)).isoformat(),
                        "series_id": sid, "status": "published" if offset == 0 else "planned"})
    nxt = date(today.year + today.month // 12, today.month % 12 + 1, 15)
    out += [
        {"id": "RL-SUSENAS-KOR-2026", "type": "microdata", "title": "Survei Sosial Ekonomi Nasional (Susenas) Maret 2026 Kor",
         "abstract": "Mikrodata Susenas Maret 2026 modul Kor: karakteristik rumah tangga dan individu.",
         "subject": "Kemiskinan", "region_code": "0000", "region": "Indonesia", "level": "nasional", "year": 2026,
         "period": "Maret 2026", "format": "sav", "size_bytes": 850_000_000, "price_idr": 500_000,
         "access": "restricted", "release_date": nxt.isoformat(), "series_id": "SUSENAS-KOR-0000", "status": "planned"},
        {"id": "RL-STATISTIK-INDONESIA-2027", "type": "publication", "title": "Statistik Indonesia 2027",
         "abstract": "Publikasi tahunan yang menyajikan data statistik di semua bidang.", "subject": "Statistik Umum",
         "region_code": "0000", "region": "Indonesia", "level": "nasional", "year": 2027, "period": "2027",
         "format": "pdf", "size_bytes": 40_000_000, "price_idr": 0, "access": "open",
         "release_date": (nxt + timedelta(days=45)).isoformat(), "series_id": "STATISTIK-INDONESIA-0000",
         "status": "planned"},
        {"id": "RL-IHK-KOTA-MEDAN-HARIAN", "type": "table_dynamic",
         "title": "Indeks Harga Konsumen Kota Medan Menurut Kelompok Pengeluaran (tabel dinamis, pembaruan)",
         "abstract": "Pembaruan tabel dinamis IHK Kota Medan.", "subject": "Inflasi", "region_code": "1275",
         "region": "Kota Medan", "level": "kabupaten_kota", "year": today.year, "period": str(today.year),
         "format": "csv", "size_bytes": 90_000, "price_idr": 0, "access": "open", "release_date": today.isoformat(),
         "series_id": "IHK-BULANAN-DINAMIS-1275", "status": "planned"},
    ]
    return out


def seed_catalog(n: int = 3000) -> int:
    from chalicelib.catalog import service
    from chalicelib.catalog.models import CatalogRecord
    from local.catalog_files_seed import demo_items
    from local.catalog_generator import generate_items

    items = list(generate_items(n, seed=7)) + demo_items()  # + the demo items with data files (issue 19)
    releases = release_items()
    with CatalogRecord.batch_write() as batch:
        for it in items + releases:
            data = {k: v for k, v in it.items() if k in CatalogRecord.get_attributes()}
            data["release_month"] = str(it.get("release_date", ""))[:7]
            batch.save(CatalogRecord(**data))
    service.rebuild_index(items + [r for r in releases if r["status"] == "published"])
    return len(items) + len(releases)


def seed_all(catalog_items: int = 3000) -> dict[str, int]:
    out = {"users": seed_users(), "operators": seed_operators()}
    from local.staff_seed import seed_demo as seed_staff  # the demo staff directory (issue 18)

    out["staff"] = seed_staff()
    try:
        out["catalog"] = seed_catalog(catalog_items)
        from local.catalog_files_seed import seed_files

        out["catalog_files"] = seed_files()
    except ImportError as exc:
        log.warning("catalog not seeded: %s", exc)
    return out

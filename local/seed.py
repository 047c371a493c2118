"""Demo data for the local stack: user profiles, operators on duty, a catalog with its search index."""

from __future__ import annotations

import logging
from datetime import timedelta

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


def seed_operators() -> int:
    try:
        from chalicelib.delegation.seed import seed_demo
    except ImportError:
        seed_demo = None
    from chalicelib.core import clock

    if seed_demo is not None:
        return seed_demo(clock.now())
    from chalicelib.delegation.models import OperatorRecord, ShiftRecord
    from chalicelib.delegation.service import local_day
    from local.sso import DEMO_USERS

    now = clock.now()
    ops = [u for u, d in DEMO_USERS.items() if "operator" in d.get("roles", [])]
    for op in ops:
        d = DEMO_USERS[op]
        OperatorRecord(operator_id=op, name=d.get("name", op), email=d.get("email"), quota=5, load=0,
                       active=True).save()
        for day in range(-1, 7):
            start = (now + timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0)
            ShiftRecord(day=local_day(start), slot=f"{clock.iso(start)}#{op}", operator_id=op,
                        start=clock.iso(start), end=clock.iso(start + timedelta(days=1))).save()
    return len(ops)


def seed_catalog(n: int = 3000) -> int:
    from chalicelib.catalog import service
    from chalicelib.catalog.generator import generate_items
    from chalicelib.catalog.models import CatalogRecord

    items = list(generate_items(n, seed=7))
    with CatalogRecord.batch_write() as batch:
        for it in items:
            data = {k: v for k, v in it.items() if k in CatalogRecord.get_attributes()}
            data["release_month"] = str(it.get("release_date", ""))[:7]
            batch.save(CatalogRecord(**data))
    service.rebuild_index(items)
    return len(items)


def seed_all(catalog_items: int = 3000) -> dict[str, int]:
    out = {"users": seed_users(), "operators": seed_operators()}
    try:
        out["catalog"] = seed_catalog(catalog_items)
    except ImportError as exc:
        log.warning("catalog not seeded: %s", exc)
    return out

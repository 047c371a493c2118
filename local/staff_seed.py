"""Demo staff directory for the seeded local stack (`make dev`): an entry for every demo user holding a staff
role in the local SSO, with the same roles, so the admin page's "Petugas & unit" lists the demo desk and admins
can change it. Runs after the operators' seed (operators keep its quota); producers get every built-in unit.
Idempotent: an existing entry is left as is. A fresh stack (`make dev SEED=0`) has no entries. Local only (not
deployed), like the rest of local/seed.py."""

from __future__ import annotations


def seed_demo() -> int:
    from chalicelib.escalation.service import UNITS
    from chalicelib.staff.models import STAFF_ROLES
    from chalicelib.staff.schemas import StaffIn
    from chalicelib.staff.service import StaffService
    from local.sso import DEMO_USERS

    svc = StaffService(drain=lambda: None)  # nothing is queued yet
    n = 0
    for user, d in DEMO_USERS.items():
        roles = [r for r in d["roles"] if r in STAFF_ROLES]
        if not roles or svc.repo.get(user, consistent=True) is not None:
            continue
        svc.create("seed", StaffIn(user_id=user, name=d["name"], email=d.get("email") or None, roles=roles,
                                   units=sorted(UNITS) if "producer" in roles else []))
        n += 1
    return n

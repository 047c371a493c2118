"""Demo operators and roster for the local stack (`make dev`): operator1..3 and supervisor1 with quota 5, on
duty all day (00:00–24:00 Asia/Jakarta) today and the next 6 days, so there is always someone on duty now.
Also registers the demo producer in every producer unit. Idempotent: re-running never resets an existing
operator's load or settings, and shifts have deterministic keys."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from pynamodb.exceptions import PutError

DEMO_OPERATORS = ("operator1", "operator2", "operator3", "supervisor1")
DEMO_PRODUCERS = ("producer1",)
DEMO_QUOTA = 5
DEMO_DAYS = 7

_FALLBACK = {  # used when local/ is not importable (it is not deployed)
    "operator1": ("Agus Setiawan", "operator1@bps.example.id"),
    "operator2": ("Rina Wulandari", "operator2@bps.example.id"),
    "operator3": ("Hendra Gunawan", "operator3@bps.example.id"),
    "supervisor1": ("Yuliana Hartati", "supervisor1@bps.example.id"),
    "producer1": ("Bambang Prasetyo", "producer1@bps.example.id"),
}


def _identity(user: str) -> tuple[str, str]:
    try:
        from local.sso import DEMO_USERS
    except ImportError:
        return _FALLBACK.get(user, (user, f"{user}@bps.example.id"))
    u = DEMO_USERS.get(user)
    return (u["name"], u["email"]) if u else _FALLBACK.get(user, (user, f"{user}@bps.example.id"))


def seed_demo(now: datetime) -> int:
    """Create the demo operators (if missing) and their all-day shifts; returns the number of operators."""
    from chalicelib.core import clock
    from chalicelib.delegation.models import OperatorRecord, ShiftRecord
    from chalicelib.delegation.service import JAKARTA

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
    from chalicelib.escalation.service import UNITS, add_member

    for producer in DEMO_PRODUCERS:
        for unit in UNITS:
            add_member(unit, producer, _identity(producer)[0])
    return len(DEMO_OPERATORS)

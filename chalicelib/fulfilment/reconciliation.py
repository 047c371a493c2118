"""The daily provider-vs-ledger reconciliation (issue 16 §3, SPEC §8 "Money"): the tick's `daily_reconciliation`
step reports once per local day on the previous local day (`payment_ops.reconciliation_for`, the report of
GET /ops/reports/reconciliation), `reconciliation_report_after_min` minutes after local midnight so that the day's
late webhooks and the minute-by-minute reconciliation have landed.

- Once per day: the run claims `reconciliation_report#<day>` (idempotency table); a provider that cannot be asked
  leaves the claim `failed`, so the next tick tries again (each failure counts `ReconciliationErrors`, alarmed).
- A discrepancy (a provider payment missing from the ledger or recorded twice, a different amount or NTPN, a ledger
  row the provider does not know) emits `ReconciliationDiscrepancies` (how many entries; alarmed in
  infra/operations.json) and notifies finance (`finance_recipients`, else the supervisors) once per day and
  recipient, with the counts and a link to the admin page's payments view.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict

DISCREPANCIES = obs.RECONCILIATION_DISCREPANCIES
EVENT = "reconciliation_discrepancy"
#: the lists of the report that are discrepancies
KINDS = ("missing_in_ledger", "duplicated_in_ledger", "different", "not_at_provider")


def due_day() -> str | None:
    """The local day to report on now, or None before the day's run time."""
    from chalicelib.billing.service import JAKARTA

    local = clock.now().astimezone(JAKARTA)
    if local.hour * 60 + local.minute < get_settings().reconciliation_report_after_min:
        return None
    return (local.date() - timedelta(days=1)).isoformat()


def finance() -> list[tuple[str | None, str | None]]:
    """(user_id, email) of whoever receives the discrepancies: `finance_recipients`, else the supervisors."""
    from chalicelib.fulfilment.reminders import recipients

    return recipients(get_settings().finance_recipients)


def run() -> dict[str, Any] | str:
    """The tick's step: the previous day's report, once (see the module's docstring)."""
    from chalicelib.fulfilment.payment_ops import reconciliation_for

    day = due_day()
    if day is None:
        return "not yet"
    key = f"reconciliation_report#{day}"
    if not idem.claim(key, status="running", retry_if="failed", ttl_days=40):
        return "done today"
    try:
        report = reconciliation_for(day)
        counts = {k: len(report[k]) for k in KINDS}
        found = sum(counts.values())
        if found:
            _notify(day, report, counts)  # deduplicated per day and recipient: a retried run sends nothing twice
    except Conflict:  # the provider's list is unavailable (counted as ReconciliationErrors): the next tick again
        idem.set_status(key, "failed")
        return "provider_unavailable"
    except Exception:
        idem.set_status(key, "failed")
        raise
    if found:
        obs.count(DISCREPANCIES, found)
        obs.logger().warning("daily reconciliation found discrepancies", extra={"day": day, **counts})
    idem.set_status(key, "done")
    return {"day": day, "ok": report["ok"], "discrepancies": found, **counts}


def _notify(day: str, report: dict[str, Any], counts: dict[str, int]) -> None:
    from chalicelib.core.fmt import format_idr
    from chalicelib.notify.outbox import enqueue

    url = f"{get_settings().admin_url.rstrip('/')}/#/pembayaran"
    ctx = {"day": day, "request_url": url, "audience": "admin",
           "provider_payments": report["provider_payments"], "ledger_rows": report["ledger_rows"],
           "provider_total_text": format_idr(report["provider_total_idr"]),
           "ledger_total_text": format_idr(report["ledger_total_idr"]), **counts}
    for uid, email in finance():
        who = uid or hashlib.sha256((email or "").encode()).hexdigest()[:16]
        enqueue(EVENT, key=f"{EVENT}#{day}#{who}", to_user=uid, to_email=email, ctx=ctx, strict=True)

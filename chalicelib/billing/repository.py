"""Data access for billings (table `billings`) and the PNBP ledger (table `ledger`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.billing.models import BillingRecord, LedgerRecord


def get_billing(code: str) -> BillingRecord | None:
    try:
        return BillingRecord.get(code, consistent_read=True)
    except DoesNotExist:
        return None


def open_billings(created_before: str, limit: int) -> list[BillingRecord]:
    return list(BillingRecord.by_status.query("unpaid", BillingRecord.created_at <= created_before, limit=limit))


def mark_expired(code: str) -> bool:
    """unpaid -> expired; False if the billing is not unpaid any more (paid in the meantime: the payment wins)."""
    from pynamodb.exceptions import UpdateError

    try:
        BillingRecord(billing_code=code).update(actions=[BillingRecord.status.set("expired")],
                                                condition=BillingRecord.status == "unpaid")
        return True
    except UpdateError:
        return False


def flag_mismatch(b: BillingRecord, detail: dict) -> None:
    b.update(actions=[BillingRecord.flagged.set("amount_mismatch"), BillingRecord.flagged_detail.set(detail)])


def ledger_month(month: str) -> list[LedgerRecord]:
    return list(LedgerRecord.query(month))

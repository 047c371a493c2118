"""Billings (one per paid order), the PNBP ledger, and idempotency keys (webhook events, notifications,
reminders).

Access patterns: billing by code (key), by request (GSI by_request), open billings by age for
reconciliation and expiry reminders (GSI by_status: status, created_at); ledger by month and time."""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class BillingByRequest(GlobalSecondaryIndex):
    Meta = index_meta("by_request")

    request_id = UnicodeAttribute(hash_key=True)


class BillingByStatus(GlobalSecondaryIndex):
    Meta = index_meta("by_status")

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class BillingRecord(Model):
    Meta = meta("billings")

    billing_code = UnicodeAttribute(hash_key=True)
    request_id = UnicodeAttribute()
    amount_idr = NumberAttribute()
    status = UnicodeAttribute(default="unpaid")  # unpaid | paid | expired
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    payment_instructions = JSONAttribute(default=dict)
    ntpn = UnicodeAttribute(null=True)
    paid_at = UnicodeAttribute(null=True)
    paid_event_id = UnicodeAttribute(null=True)
    flagged = UnicodeAttribute(null=True)
    flagged_detail = JSONAttribute(null=True)
    reminded_at = UnicodeAttribute(null=True)

    by_request = BillingByRequest()
    by_status = BillingByStatus()


class LedgerRecord(Model):
    """PNBP ledger: every paid and zero-rupiah transaction, for audit."""

    Meta = meta("ledger")

    month = UnicodeAttribute(hash_key=True)  # YYYY-MM (Asia/Jakarta)
    entry_key = UnicodeAttribute(range_key=True)  # "<at>#<request_id>"
    request_id = UnicodeAttribute()
    consumer_id = UnicodeAttribute()
    consumer_name = UnicodeAttribute(default="")
    transaction_type = UnicodeAttribute()
    amount_idr = NumberAttribute()
    billing_code = UnicodeAttribute(null=True)
    ntpn = UnicodeAttribute(null=True)
    at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    items = JSONAttribute(default=list)

"""Billings (one per paid order), the PNBP ledger, payment work items and reconciliation cursors.

Access patterns: billing by code (key), by request (GSI by_request), open billings by age for
reconciliation and expiry reminders (GSI by_status: status, created_at); ledger by month and time.

The `billings` table also holds two other kinds of rows, told apart by their key prefix so no query of
billings ever sees them:
- payment work items (`work#<kind>.<ref>`): money a supervisor must look at (a payment after the request was
  closed, an amount mismatch, an unknown billing, a paid request nobody could advance, a billing the provider
  kept refusing). Their `status` is `work:open` / `work:done`, so the same GSI by_status lists the open ones
  (oldest first) and billings' own statuses (`unpaid`, `paid`, `expired`) never mix with them. No `request_id`
  attribute (`for_request` instead): the sparse GSI by_request stays billings only.
- cursors (`cursor#<name>`): where the rotating reconciliation continues next tick (no GSI attributes)."""

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
    status = UnicodeAttribute(default="unpaid")  # unpaid | paid | expired (also: cancelled at the provider)
    created_at = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    payment_instructions = JSONAttribute(default=dict)
    ntpn = UnicodeAttribute(null=True)
    paid_at = UnicodeAttribute(null=True)
    paid_event_id = UnicodeAttribute(null=True)
    flagged = UnicodeAttribute(null=True)
    flagged_detail = JSONAttribute(null=True)
    reminded_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)  # when it stopped being payable here (cancel, expiry)
    closed_reason = UnicodeAttribute(null=True)  # cancelled | expired
    provider_cancelled_at = UnicodeAttribute(null=True)  # the provider confirmed the cancellation

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


WORK_OPEN = "work:open"
WORK_DONE = "work:done"


class WorkByStatus(GlobalSecondaryIndex):
    Meta = index_meta("by_status")

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class WorkItemRecord(Model):
    """A payment a supervisor must look at (row `work#<kind>.<ref>` of the billings table)."""

    Meta = meta("billings")

    billing_code = UnicodeAttribute(hash_key=True)  # the row key: work#<kind>.<ref>
    status = UnicodeAttribute(default=WORK_OPEN)  # work:open | work:done
    created_at = UnicodeAttribute()
    kind = UnicodeAttribute()  # paid_after_close | amount_mismatch | unknown_billing | stuck_paid | billing_unavailable
    code = UnicodeAttribute(null=True)  # the billing code concerned
    for_request = UnicodeAttribute(null=True)
    amount_idr = NumberAttribute(default=0)
    evidence = JSONAttribute(default=dict)  # what arrived (event, NTPN, amounts, request status...)
    resolution = JSONAttribute(null=True)  # {"action", "by", "at", "reference"?, "note"?, "follow_up"?}
    updated_at = UnicodeAttribute(null=True)

    by_status = WorkByStatus()

    @property
    def item_id(self) -> str:
        return self.billing_code.removeprefix("work#")


class CursorRecord(Model):
    """Where a rotating scan continues (row `cursor#<name>` of the billings table)."""

    Meta = meta("billings")

    billing_code = UnicodeAttribute(hash_key=True)
    value = JSONAttribute(null=True)
    at = UnicodeAttribute(null=True)

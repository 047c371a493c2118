"""Data access for billings (table `billings`), the PNBP ledger (table `ledger`), payment work items and the
reconciliation cursors (rows of `billings`, see billing.models)."""

from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.billing.models import (
    WORK_DONE,
    WORK_OPEN,
    BillingRecord,
    CursorRecord,
    LedgerRecord,
    WorkItemRecord,
)
from chalicelib.core import clock
from chalicelib.core.db import decode_cursor, encode_cursor


def get_billing(code: str) -> BillingRecord | None:
    try:
        return BillingRecord.get(code, consistent_read=True)
    except DoesNotExist:
        return None


def open_billings(created_before: str, limit: int) -> list[BillingRecord]:
    """The oldest unpaid billings (the soonest to expire: every billing lives the same configured time)."""
    return list(BillingRecord.by_status.query("unpaid", BillingRecord.created_at <= created_before, limit=limit))


def _get_cursor(name: str) -> dict[str, Any] | None:
    try:
        return CursorRecord.get(f"cursor#{name}").value
    except DoesNotExist:
        return None


def _set_cursor(name: str, value: dict[str, Any] | None) -> None:
    CursorRecord(billing_code=f"cursor#{name}", value=value, at=clock.iso()).save()


def rotating(name: str, status: str, created_from: str | None, created_to: str,
             limit: int) -> tuple[list[BillingRecord], bool]:
    """The next `limit` billings of `status` created in [created_from, created_to], continuing where the
    previous call stopped (cursor `name`) and starting over at the end: over successive ticks every billing
    is read, however many there are. Returns (billings, wrapped)."""
    cond = (BillingRecord.created_at.between(created_from, created_to) if created_from
            else BillingRecord.created_at <= created_to)
    start = _get_cursor(name)
    it = BillingRecord.by_status.query(status, cond, limit=limit, last_evaluated_key=start)
    items = []
    for b in it:
        items.append(b)
        if len(items) >= limit:
            break
    lek = it.last_evaluated_key if len(items) >= limit else None
    _set_cursor(name, lek)
    return items, lek is None


def mark_expired(code: str, reason: str = "expired") -> bool:
    """unpaid -> expired; False if the billing is not unpaid any more (paid in the meantime: the payment wins)."""
    try:
        BillingRecord(billing_code=code).update(
            actions=[BillingRecord.status.set("expired"), BillingRecord.closed_at.set(clock.iso()),
                     BillingRecord.closed_reason.set(reason)],
            condition=BillingRecord.status == "unpaid")
        return True
    except UpdateError:
        return False


def close_in(code: str, reason: str) -> Any:
    """The billing stops being payable here (unpaid -> expired) as a part of another transaction."""
    def add(tx: Any) -> None:
        tx.update(BillingRecord(billing_code=code),
                  actions=[BillingRecord.status.set("expired"), BillingRecord.closed_at.set(clock.iso()),
                           BillingRecord.closed_reason.set(reason)],
                  condition=BillingRecord.status == "unpaid")
    return add


def mark_provider_cancelled(code: str) -> None:
    BillingRecord(billing_code=code).update(actions=[BillingRecord.provider_cancelled_at.set(clock.iso())],
                                            condition=BillingRecord.billing_code.exists())


def flag_mismatch(b: BillingRecord, detail: dict) -> None:
    b.update(actions=[BillingRecord.flagged.set("amount_mismatch"), BillingRecord.flagged_detail.set(detail)])


def ledger_month(month: str) -> list[LedgerRecord]:
    return list(LedgerRecord.query(month))


# --- payment work items ------------------------------------------------------------------------------------
def work_key(kind: str, ref: str) -> str:
    """`work#<kind>.<ref>`; the item's id (in URLs) is `<kind>.<ref>` (letters, digits, `_`, `-`, `.`)."""
    return f"work#{kind}.{re.sub(r'[^A-Za-z0-9_.-]', '-', ref)}"


def new_work_item(kind: str, ref: str, *, code: str | None, request_id: str | None, amount_idr: int,
                  evidence: dict[str, Any]) -> WorkItemRecord:
    return WorkItemRecord(billing_code=work_key(kind, ref), status=WORK_OPEN, created_at=clock.iso(), kind=kind,
                          code=code, for_request=request_id, amount_idr=int(amount_idr or 0), evidence=evidence)


def work_item_in(item: WorkItemRecord) -> Any:
    """Open the work item in another transaction (once: a second delivery of the same payment adds nothing)."""
    def add(tx: Any) -> None:
        tx.save(item, condition=WorkItemRecord.billing_code.does_not_exist())
    return add


def open_work_item(item: WorkItemRecord) -> bool:
    """Open the work item on its own; False if it exists already (the evidence of the first one is kept)."""
    from pynamodb.exceptions import PutError

    try:
        item.save(condition=WorkItemRecord.billing_code.does_not_exist())
        return True
    except PutError:
        return False


def get_work_item(item_id: str) -> WorkItemRecord | None:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,200}", item_id or ""):
        return None
    try:
        return WorkItemRecord.get(f"work#{item_id}", consistent_read=True)
    except DoesNotExist:
        return None


def update_work_item(item: WorkItemRecord, evidence: dict[str, Any]) -> None:
    item.update(actions=[WorkItemRecord.evidence.set(evidence), WorkItemRecord.updated_at.set(clock.iso())])


def resolve_in(item: WorkItemRecord, resolution: dict[str, Any]) -> Any:
    """Close the work item (conditional on it being open) as a part of another transaction."""
    def add(tx: Any) -> None:
        tx.update(item, actions=[WorkItemRecord.status.set(WORK_DONE), WorkItemRecord.resolution.set(resolution),
                                 WorkItemRecord.updated_at.set(clock.iso())],
                  condition=WorkItemRecord.status == WORK_OPEN)
    return add


def work_items(status: str, limit: int = 50, cursor: str | None = None,
               created_from: str | None = None) -> tuple[list[WorkItemRecord], str | None]:
    """Work items of a status (work:open / work:done), oldest first: one Query of the GSI by_status."""
    cond = WorkItemRecord.created_at >= created_from if created_from else None
    it = WorkItemRecord.by_status.query(status, cond, limit=limit, last_evaluated_key=decode_cursor(cursor))
    items = []
    for w in it:
        items.append(w)
        if len(items) >= limit:
            break
    return items, encode_cursor(it.last_evaluated_key) if len(items) >= limit else None

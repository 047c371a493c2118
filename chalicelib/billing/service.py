"""Billing and payment: create the SIMPONI billing for a paid order, apply payments exactly once
(webhook or reconciliation), expire unpaid billings, keep the PNBP ledger, render invoice/receipt."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.billing.models import BillingRecord, LedgerRecord
from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import STALE, BadRequest, Conflict, NotFound, Unauthorized, retry_stale
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository, connection

JAKARTA = ZoneInfo("Asia/Jakarta")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    event_id: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
    billing_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{15}$")]
    status: Literal["paid"]
    amount_idr: int = Field(ge=0)
    paid_at: str
    ntpn: Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]


class BillingOut(BaseModel):
    billing_code: str
    amount_idr: int
    expires_at: str
    status: Literal["unpaid", "paid", "expired"]
    ntpn: str | None = None
    paid_at: str | None = None
    payment_instructions: dict[str, Any] = Field(default_factory=dict)


@lru_cache(maxsize=4)
def _provider(kind: str, base_url: str, api_key: str) -> Any:
    from chalicelib.billing.provider import make_provider

    return make_provider(kind, base_url, api_key or None)


def provider() -> Any:
    from chalicelib.core.secrets import billing_api_key

    s = get_settings()
    return _provider(s.billing_provider, s.billing_base_url, billing_api_key())


def to_out(b: BillingRecord) -> BillingOut:
    return BillingOut(billing_code=b.billing_code, amount_idr=int(b.amount_idr), expires_at=b.expires_at,
                      status=b.status, ntpn=b.ntpn, paid_at=b.paid_at,
                      payment_instructions=b.payment_instructions or {})


def get_billing(code: str) -> BillingRecord | None:
    try:
        return BillingRecord.get(code, consistent_read=True)
    except DoesNotExist:
        return None


def month_of(iso: str) -> str:
    return clock.parse_iso(iso).astimezone(JAKARTA).strftime("%Y-%m")


# --- creation ----------------------------------------------------------------------------------------
def create_for_request(rec: RequestRecord) -> int:
    """Create (or find) the billing of a paid order, move it to awaiting_payment; returns the seconds left
    until the billing expires (the state machine's payment-wait timeout). Idempotent on the request."""
    repo = RequestRepository()
    now = clock.now()
    if rec.billing_code:
        b = get_billing(rec.billing_code)
        if b is not None:
            if rec.status in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
                repo.transition(rec, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}")
            return max(1, int((clock.parse_iso(b.expires_at) - now).total_seconds()))
    s = get_settings()
    expires = now + (timedelta(seconds=s.billing_expiry_s) if s.billing_expiry_s > 0
                     else timedelta(days=s.billing_expiry_days))
    items = ", ".join(i.title for i in rec.items or [])[:200]
    try:
        info = provider().create_billing(
            request_id=rec.request_id, amount_idr=int(rec.total_idr), payer_name=rec.consumer.name,
            payer_email=rec.consumer.email, description=f"PNBP layanan data BPS {rec.request_id}: {items}",
            expires_at=expires)
    except Exception:
        if rec.problem != "billing_unavailable":
            repo.update_fields(rec, {"problem": "billing_unavailable"})
        raise
    expires_iso = clock.iso(info.expires_at)
    b = BillingRecord(billing_code=info.billing_code, request_id=rec.request_id, amount_idr=int(info.amount_idr),
                      status="unpaid", created_at=clock.iso(now), expires_at=expires_iso,
                      payment_instructions=info.payment_instructions or {})
    if int(info.amount_idr) != int(rec.total_idr):
        raise Conflict("provider billed a different amount", code="amount_mismatch")
    try:
        b.save(condition=BillingRecord.billing_code.does_not_exist())
    except Exception:  # noqa: BLE001 - already stored by an earlier delivery of this task
        b = get_billing(info.billing_code) or b
    if rec.status in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
        rec = repo.transition(rec, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}",
                              set_={"billing_code": b.billing_code}, remove=["problem"], action="billing.created",
                              audit_data={"billing_code": b.billing_code, "amount_idr": int(b.amount_idr)})
    elif not rec.billing_code:
        repo.update_fields(rec, {"billing_code": b.billing_code}, remove=["problem"])
    from chalicelib.notify import outbox

    outbox.enqueue("billing_issued", key=f"billing_issued#{b.billing_code}", to_user=rec.consumer_id,
                   to_email=rec.consumer.email,
                   ctx={"recipient_name": rec.consumer.name, "request_id": rec.request_id, "kind": rec.kind,
                        "billing_code": b.billing_code, "amount_idr": int(b.amount_idr), "expires_at": b.expires_at,
                        "portal": True})
    obs.count("BillingCreated")
    return max(1, int((clock.parse_iso(b.expires_at) - now).total_seconds()))


# --- payment -----------------------------------------------------------------------------------------
def verify_webhook(raw_body: bytes, headers: Any) -> WebhookIn:
    from chalicelib.billing.signature import SignatureError, verify
    from chalicelib.core.secrets import webhook_secrets

    s = get_settings()
    accepted = [x.encode() for x in webhook_secrets()]  # current + previous while rotating
    if not accepted:
        raise Unauthorized("webhook secret not configured", code="invalid_signature")
    header = headers.get("x-signature") or headers.get("X-Signature")
    try:
        verify(accepted, header, raw_body, int(clock.now().timestamp()),
               tolerance=s.billing_webhook_tolerance_s)
    except SignatureError as exc:
        obs.count("WebhookRejected")
        raise Unauthorized("invalid signature", code="invalid_signature") from exc
    try:
        data = json.loads(raw_body)
        return WebhookIn.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise BadRequest("invalid webhook body") from exc


def handle_webhook(raw_body: bytes, headers: Any) -> dict[str, Any]:
    ev = verify_webhook(raw_body, headers)
    return apply_payment(ev.billing_code, ev.amount_idr, ev.ntpn, ev.paid_at, f"webhook#{ev.event_id}", "provider")


@retry_stale
def apply_payment(code: str, amount: int, ntpn: str, paid_at: str, event_key: str, actor: str) -> dict[str, Any]:
    """Record a payment exactly once. Replays (same event or an already-paid billing) change nothing."""
    if idem.seen(event_key):
        return {"result": "duplicate"}
    b = get_billing(code)
    if b is None:
        raise NotFound("unknown billing")
    if b.status == "paid":
        idem.claim(event_key)
        return {"result": "already_paid"}
    if int(amount) != int(b.amount_idr):
        b.update(actions=[BillingRecord.flagged.set("amount_mismatch"),
                          BillingRecord.flagged_detail.set({"received_idr": int(amount), "ntpn": ntpn,
                                                            "event": event_key, "at": clock.iso()})])
        obs.count("PaymentAmountMismatch")
        obs.logger().warning("payment amount mismatch flagged for review", extra={"billing_code": code})
        raise Conflict("amount does not match the billing; flagged for review", code="amount_mismatch")
    try:
        paid_iso = clock.iso(clock.parse_iso(paid_at))
    except ValueError as exc:
        raise BadRequest("paid_at must be ISO-8601") from exc
    repo = RequestRepository()
    rec = repo.find(b.request_id)
    ledger = LedgerRecord(month=month_of(paid_iso), entry_key=f"{paid_iso}#{b.request_id}", request_id=b.request_id,
                          consumer_id=rec.consumer_id if rec else "", consumer_name=rec.consumer.name if rec else "",
                          transaction_type="paid", amount_idr=int(amount), billing_code=code, ntpn=ntpn, at=paid_iso,
                          recorded_by=actor, items=[i.catalog_id for i in (rec.items if rec else [])])
    event = idem.record(event_key, data={"billing_code": code})

    def billing_parts(tx: TransactWrite) -> None:
        tx.save(event, condition=type(event).id.does_not_exist())
        tx.update(b, actions=[BillingRecord.status.set("paid"), BillingRecord.ntpn.set(ntpn),
                              BillingRecord.paid_at.set(paid_iso), BillingRecord.paid_event_id.set(event_key)],
                  condition=BillingRecord.status == "unpaid")
        tx.save(ledger, condition=LedgerRecord.entry_key.does_not_exist())

    from chalicelib.requests import workflow

    ans = workflow.Answer.success(rec, "payment", {"paid": True}) if rec is not None else None
    try:
        if ans is not None and rec is not None and rec.status == lc.AWAITING_PAYMENT and not rec.paid_at:
            repo.transition(rec, lc.AWAITING_PAYMENT, actor, f"pembayaran diterima, NTPN {ntpn}",
                            set_={"paid_at": paid_iso, **ans.sets}, remove=ans.removes, action="payment.received",
                            audit_data={"billing_code": code, "amount_idr": int(amount), "ntpn": ntpn},
                            also=billing_parts)
        else:
            ans = None
            with TransactWrite(connection=connection()) as tx:
                billing_parts(tx)
            if rec is not None:
                repo.update_fields(rec, {"problem": "paid_after_close"} if rec.status in lc.TERMINAL else
                                   {"paid_at": paid_iso})
    except (TransactWriteError, Conflict) as exc:
        # a concurrent delivery won (answer as a replay), or the workflow stored its task token in between
        # (@retry_stale reads everything again, so the token we answer is the one just stored)
        fresh = get_billing(code)
        if fresh is not None and fresh.status == "paid":
            return {"result": "already_paid"}
        raise Conflict("the request was changed concurrently; retry", code=STALE) from exc
    obs.count("PaymentApplied")
    if ans is not None:
        ans.send()
    if rec is not None:
        from chalicelib.notify import outbox

        outbox.enqueue("payment_received", key=f"payment_received#{code}", to_user=rec.consumer_id,
                       to_email=rec.consumer.email,
                       ctx={"recipient_name": rec.consumer.name, "request_id": rec.request_id, "kind": rec.kind,
                            "billing_code": code, "amount_idr": int(amount), "ntpn": ntpn, "paid_at": paid_iso,
                            "portal": True})
    return {"result": "applied"}


def zero_rupiah_ledger_in(rec: RequestRecord, actor: str) -> Any:
    """The approval of a zero-rupiah order is recorded as a Rp 0 PNBP transaction, in the same transaction."""
    at = clock.iso()
    entry = LedgerRecord(month=month_of(at), entry_key=f"{at}#{rec.request_id}", request_id=rec.request_id,
                         consumer_id=rec.consumer_id, consumer_name=rec.consumer.name, transaction_type="zero_rupiah",
                         amount_idr=0, at=at, recorded_by=actor, items=[i.catalog_id for i in rec.items or []])

    def add(tx: TransactWrite) -> None:
        tx.save(entry, condition=LedgerRecord.entry_key.does_not_exist())
    return add


# --- reconciliation and expiry -----------------------------------------------------------------------
def reconcile(limit: int = 100) -> dict[str, int]:
    """Ask the provider about open billings older than a few minutes; apply payments whose webhook was lost."""
    s = get_settings()
    cutoff = clock.iso(clock.now() - timedelta(seconds=s.reconcile_after_s))
    counts = {"checked": 0, "applied": 0, "expired": 0, "errors": 0}
    for b in BillingRecord.by_status.query("unpaid", BillingRecord.created_at <= cutoff, limit=limit):
        counts["checked"] += 1
        try:
            st = provider().get_status(b.billing_code)
        except Exception:  # noqa: BLE001
            counts["errors"] += 1
            continue
        if st.status == "paid" and st.ntpn:
            try:
                res = apply_payment(b.billing_code, int(st.amount_idr), st.ntpn, clock.iso(st.paid_at or clock.now()),
                                    f"reconcile#{b.billing_code}", "reconciliation")
                counts["applied"] += res["result"] == "applied"
            except Conflict:
                counts["errors"] += 1
        elif st.status == "expired" or b.expires_at < clock.iso():
            counts["expired"] += 1
    if counts["applied"]:
        obs.count("PaymentsReconciled", counts["applied"])
    return counts


def expire_request(rec: RequestRecord) -> None:
    from chalicelib.notify import outbox

    if rec.paid_at or rec.status != lc.AWAITING_PAYMENT:
        return
    if rec.billing_code:
        try:
            BillingRecord(billing_code=rec.billing_code).update(
                actions=[BillingRecord.status.set("expired")], condition=BillingRecord.status == "unpaid")
        except Exception:  # noqa: BLE001 - paid in the meantime: the payment wins
            b = get_billing(rec.billing_code)
            if b is not None and b.status == "paid":
                return
    RequestRepository().transition(rec, lc.EXPIRED, "system", "batas waktu pembayaran terlewati",
                                   set_={"closed_reason": "billing_expired"}, remove=["task"])
    outbox.enqueue("request_expired", key=f"expired#{rec.request_id}", to_user=rec.consumer_id,
                   to_email=rec.consumer.email, ctx={"recipient_name": rec.consumer.name, "request_id": rec.request_id,
                                                     "kind": rec.kind, "portal": True})


def on_request_closed(rec: RequestRecord) -> None:
    if rec.billing_code:
        try:
            BillingRecord(billing_code=rec.billing_code).update(
                actions=[BillingRecord.status.set("expired")], condition=BillingRecord.status == "unpaid")
        except Exception:  # noqa: BLE001
            obs.logger().info("billing not closed (already paid or expired)")


# --- documents ---------------------------------------------------------------------------------------
def _doc_data(rec: RequestRecord, b: BillingRecord) -> dict[str, Any]:
    return {
        "request_id": rec.request_id,
        "consumer": {"name": rec.consumer.name, "email": rec.consumer.email, "institution": rec.consumer.institution},
        "items": [{"catalog_id": i.catalog_id, "title": i.title, "price_idr": int(i.price_idr or 0)} for i in rec.items],
        "total_idr": int(b.amount_idr),
        "billing_code": b.billing_code,
        "expires_at": clock.parse_iso(b.expires_at),
        "issued_at": clock.parse_iso(b.created_at),
        "payment_instructions": b.payment_instructions or {},
        "ntpn": b.ntpn,
        "paid_at": clock.parse_iso(b.paid_at) if b.paid_at else None,
    }


def billing_for(rec: RequestRecord) -> BillingRecord:
    if not rec.billing_code:
        raise NotFound("this request has no billing")
    b = get_billing(rec.billing_code)
    if b is None:
        raise NotFound("this request has no billing")
    return b


def invoice_pdf(rec: RequestRecord) -> bytes:
    from chalicelib.billing.pdf import render_invoice

    return render_invoice(_doc_data(rec, billing_for(rec)))


def receipt_pdf(rec: RequestRecord) -> bytes:
    from chalicelib.billing.pdf import render_receipt

    b = billing_for(rec)
    if b.status != "paid":
        raise Conflict("the billing is not paid yet", code="not_paid")
    return render_receipt(_doc_data(rec, b))


def ledger_rows(frm: str, to: str) -> list[LedgerRecord]:
    start = clock.parse_iso(frm).astimezone(JAKARTA)
    end = clock.parse_iso(to).astimezone(JAKARTA)
    if end < start or (end - start).days > 400:
        raise BadRequest("the period must be at most 400 days, from before to")
    months = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    out: list[LedgerRecord] = []
    lo, hi = clock.iso(start), clock.iso(end)
    for month in months:
        out.extend(r for r in LedgerRecord.query(month) if lo <= r.at <= hi)
    return out


def ledger_csv(frm: str, to: str) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["at", "request_id", "transaction_type", "amount_idr", "billing_code", "ntpn", "consumer_name",
                "recorded_by", "items"])
    for r in ledger_rows(frm, to):
        w.writerow([r.at, r.request_id, r.transaction_type, int(r.amount_idr), r.billing_code or "", r.ntpn or "",
                    r.consumer_name, r.recorded_by, " ".join(r.items or [])])
    return buf.getvalue()

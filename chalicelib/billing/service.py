"""Billing's own side: the SIMPONI billing of a paid order (`issue`), the signed webhook, the payment as a
transaction part (`paid_parts`: event claim, billing paid, PNBP ledger), the zero-rupiah ledger entry, the
invoice/receipt and the ledger CSV. Applying a payment to a request, reconciliation and expiry compose this
with the request: chalicelib.fulfilment.payment."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pynamodb.transactions import TransactWrite

from chalicelib.billing.models import BillingRecord, LedgerRecord
from chalicelib.billing.repository import flag_mismatch, get_billing, ledger_month, mark_expired
from chalicelib.billing.schemas import AfterCloseOut, BillingOut, WebhookIn
from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, NotFound, Unauthorized
from chalicelib.requests.models import RequestRecord

__all__ = ["BillingOut", "WebhookIn", "flag_mismatch", "get_billing"]

JAKARTA = ZoneInfo("Asia/Jakarta")


@lru_cache(maxsize=4)
def _provider(kind: str, base_url: str, api_key: str, auth: str = "key", token_url: str = "", client_id: str = "",
              scope: str = "") -> Any:
    """One client per configuration and container (so an OAuth2 token is cached across invocations)."""
    from chalicelib.billing.provider import make_provider, with_oauth2

    if auth == "oauth2":
        p = make_provider(kind, base_url, None, auth=object())
        return with_oauth2(p, token_url, client_id, api_key, scope)
    return make_provider(kind, base_url, api_key or None)


def provider() -> Any:
    from chalicelib.core.secrets import billing_api_key

    s = get_settings()
    return _provider(s.billing_provider, s.billing_base_url, billing_api_key(), s.billing_auth,
                     s.billing_oauth_token_url, s.billing_oauth_client_id, s.billing_oauth_scope)


def to_out(b: BillingRecord, rec: RequestRecord | None = None) -> BillingOut:
    """The billing as its payer sees it; with the request (the consumer's route) also `after_close`."""
    return BillingOut(billing_code=b.billing_code, amount_idr=int(b.amount_idr), expires_at=b.expires_at,
                      status=b.status, ntpn=b.ntpn, paid_at=b.paid_at,
                      payment_instructions=b.payment_instructions or {}, closed_reason=b.closed_reason,
                      after_close=after_close(b, rec) if rec is not None else None)


def after_close(b: BillingRecord, rec: RequestRecord) -> AfterCloseOut | None:
    """A payment recorded after its request closed (fulfilment.payment: the request's `problem` is
    `paid_after_close`, the supervisors' work item `paid_after_close.<code>`): the consumer's view of it — the
    decision pending (due in LATE_PAYMENT_DECISION_DAYS working days), the follow-up request once resumed, the
    refund's date once refunded. Who decided, notes, references and the evidence stay staff-only. One GetItem,
    only for such a request."""
    if b.status != "paid" or rec.problem != "paid_after_close":
        return None
    from chalicelib.billing.repository import get_work_item
    from chalicelib.requests.sla import calendar

    w = get_work_item(f"paid_after_close.{b.billing_code}")
    received = (w.created_at if w is not None else None) or rec.paid_at or b.paid_at or clock.iso()
    due = calendar().add_working_days(clock.parse_iso(received), get_settings().late_payment_decision_days)
    r = (w.resolution or {}) if w is not None else {}
    action = r.get("action")
    state = {"resume": "resumed", "refund": "refunded"}.get(action or "", "pending")
    return AfterCloseOut(state=state, received_at=received, decide_by=clock.iso(due),
                         decided_at=r.get("at") if state != "pending" else None,
                         follow_up_request_id=r.get("follow_up") if state == "resumed" else None,
                         refunded_at=r.get("refunded_at") if state == "refunded" else None)


def month_of(iso: str) -> str:
    return clock.parse_iso(iso).astimezone(JAKARTA).strftime("%Y-%m")


# --- creation ----------------------------------------------------------------------------------------
def expiry(now: Any) -> Any:
    s = get_settings()
    return now + (timedelta(seconds=s.billing_expiry_s) if s.billing_expiry_s > 0
                  else timedelta(days=s.billing_expiry_days))


def lifetime_s() -> int:
    s = get_settings()
    return s.billing_expiry_s if s.billing_expiry_s > 0 else s.billing_expiry_days * 86400


def tariff_items(rec: RequestRecord) -> tuple[Any, ...]:
    """The billing's lines: one tariff item per priced catalog item, with the revenue account of its type
    (settings `simponi_revenue_accounts`), plus the rest of the total (a quoted custom request) as one line."""
    from chalicelib.billing import simponi

    accounts = simponi.accounts(get_settings().simponi_revenue_accounts)
    default = accounts.get("default", "425411")
    out = []
    for i in rec.items or []:
        if int(i.price_idr or 0) > 0:
            kind = getattr(i, "type", None) or ""
            out.append(simponi.TariffItem(i.catalog_id, i.title or i.catalog_id, int(i.price_idr),
                                          accounts.get(kind, default)))
    q = getattr(rec, "quote", None)
    if q is not None and q.status == "accepted":  # consumer loop: an accepted price quote, one line per tariff line
        for ln in q.lines or []:
            out.append(simponi.TariffItem(f"{q.quote_id}-{ln.code}", f"{ln.service} ({int(ln.quantity)} {ln.unit})",
                                          int(ln.amount_idr), default))
    total = int(rec.total_idr or 0)
    rest = total - sum(t.amount_idr for t in out)
    if rest < 0 or not out:  # the lines do not explain the total: one line for all of it
        out = [simponi.TariffItem(rec.request_id, "Layanan data BPS", total, default)]
    elif rest > 0:  # a quoted custom request on top of the catalog items
        out.append(simponi.TariffItem(f"{rec.request_id}-custom", "Layanan data (permintaan khusus)", rest, default))
    return tuple(out)


def billing_request_parts(rec: RequestRecord) -> dict[str, Any]:
    """Payer identity and the office's codes for the provider (docs/simponi.md)."""
    from chalicelib.billing import simponi

    s = get_settings()
    c = rec.consumer
    npwp = getattr(c, "npwp", None) or None
    nik = getattr(c, "nik", None) or None
    return {"payer": simponi.Payer(c.name or "-", c.email or "", npwp, nik), "items": tariff_items(rec),
            "codes": simponi.Codes(s.simponi_ministry_code, s.simponi_echelon1_code, s.simponi_work_unit_code)}


def issue(rec: RequestRecord, now: Any) -> BillingRecord:
    """Ask the provider for the billing of a paid order (idempotent: the provider answers the same billing for the
    same request). Raises on provider errors. The billing is returned unsaved: it is stored with the request's change
    (`store_in`), so it never exists without it."""
    items = ", ".join(i.title for i in rec.items or [])[:200]
    info = provider().create_billing(
        request_id=rec.request_id, amount_idr=int(rec.total_idr), payer_name=rec.consumer.name,
        payer_email=rec.consumer.email, description=f"PNBP layanan data BPS {rec.request_id}: {items}",
        expires_at=expiry(now), **billing_request_parts(rec))
    b = BillingRecord(billing_code=info.billing_code, request_id=rec.request_id, amount_idr=int(info.amount_idr),
                      status="unpaid", created_at=clock.iso(now), expires_at=clock.iso(info.expires_at),
                      payment_instructions=info.payment_instructions or {})
    if int(info.amount_idr) != int(rec.total_idr):
        raise Conflict("provider billed a different amount", code="amount_mismatch")
    return b


def store_in(b: BillingRecord) -> Callable[[TransactWrite], None]:
    """The issued billing as a part of the request's transaction (conditional: not stored yet), so a request
    awaiting payment always has its billing stored, and the billing never exists without the request's change."""
    def add(tx: TransactWrite) -> None:
        tx.save(b, condition=BillingRecord.billing_code.does_not_exist())
    return add


def seconds_left(b: BillingRecord, now: Any) -> int:
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


def ledger_entry(b: BillingRecord, rec: RequestRecord | None, amount: int, ntpn: str, paid_iso: str,
                 actor: str) -> LedgerRecord:
    return LedgerRecord(month=month_of(paid_iso), entry_key=f"{paid_iso}#{b.request_id}", request_id=b.request_id,
                        consumer_id=rec.consumer_id if rec else "", consumer_name=rec.consumer.name if rec else "",
                        transaction_type="paid", amount_idr=int(amount), billing_code=b.billing_code, ntpn=ntpn,
                        at=paid_iso, recorded_by=actor, items=[i.catalog_id for i in (rec.items if rec else [])])


def paid_parts(b: BillingRecord, ledger: LedgerRecord, ntpn: str, paid_iso: str,
               event_key: str) -> Callable[[TransactWrite], None]:
    """The payment's billing side as one transaction part: the event claim (exactly once), the billing paid
    (conditional on not paid yet: an unpaid billing, or one closed here by a cancel or an expiry whose payment
    the provider accepted anyway) and its PNBP ledger row."""
    event = idem.record(event_key, data={"billing_code": b.billing_code})

    def add(tx: TransactWrite) -> None:
        tx.save(event, condition=type(event).id.does_not_exist())
        tx.update(b, actions=[BillingRecord.status.set("paid"), BillingRecord.ntpn.set(ntpn),
                              BillingRecord.paid_at.set(paid_iso), BillingRecord.paid_event_id.set(event_key)],
                  condition=BillingRecord.status.is_in("unpaid", "expired"))
        tx.save(ledger, condition=LedgerRecord.entry_key.does_not_exist())
    return add


def commit(part: Callable[[TransactWrite], None]) -> None:
    """A billing-only transaction (a payment that changes no request)."""
    from chalicelib.core.db import connection

    with TransactWrite(connection=connection()) as tx:
        part(tx)


def zero_rupiah_ledger_in(rec: RequestRecord, actor: str) -> Any:
    """The approval of a zero-rupiah order is recorded as a Rp 0 PNBP transaction, in the same transaction."""
    at = clock.iso()
    entry = LedgerRecord(month=month_of(at), entry_key=f"{at}#{rec.request_id}", request_id=rec.request_id,
                         consumer_id=rec.consumer_id, consumer_name=rec.consumer.name, transaction_type="zero_rupiah",
                         amount_idr=0, at=at, recorded_by=actor, items=[i.catalog_id for i in rec.items or []])

    def add(tx: TransactWrite) -> None:
        tx.save(entry, condition=LedgerRecord.entry_key.does_not_exist())
    return add


def close_billing(code: str | None) -> None:
    """A closed request's open billing expires (a paid one stays paid)."""
    if code and not mark_expired(code):
        obs.logger().info("billing not closed (already paid or expired)")


def close_parts(code: str | None, reason: str) -> tuple[Any, Any]:
    """What closing a request brings for its open billing, for the closing transaction: the billing stops being
    payable here (unpaid -> expired, if it is unpaid as read now) and the provider is asked to cancel it after
    the commit (a jobs-queue message through the outbox). (None, None) when there is nothing to close."""
    from chalicelib.billing.repository import close_in
    from chalicelib.core import queues
    from chalicelib.core.outbox import Message

    b = get_billing(code) if code else None
    if b is None or b.status != "unpaid":
        return None, None
    return close_in(b.billing_code, reason), Message(queues.JOBS, f"cancel_billing#{b.billing_code}",
                                                    {"job": "cancel_billing", "billing_code": b.billing_code})


def late_payments(frm: str, to: str) -> dict[str, Any]:
    """Payments recorded after their request closed (work items `paid_after_close` opened in [frm, to]): how many,
    how much, and how they were resolved (resumed, refunded, still open). Queries of the work items' GSI."""
    from chalicelib.billing.models import WORK_DONE, WORK_OPEN
    from chalicelib.billing.repository import work_items

    out = {"count": 0, "amount_idr": 0, "open": 0, "resumed": 0, "refunded": 0}
    for status in (WORK_OPEN, WORK_DONE):
        cursor = None
        while True:
            items, cursor = work_items(status, 200, cursor, created_from=frm)
            for w in items:
                if w.kind != "paid_after_close" or w.created_at > to:
                    continue
                out["count"] += 1
                out["amount_idr"] += int(w.amount_idr or 0)
                action = (w.resolution or {}).get("action")
                out[{"resume": "resumed", "refund": "refunded"}.get(action or "", "open")] += 1
            if not cursor:
                break
    return out


# --- documents ---------------------------------------------------------------------------------------
def _doc_data(rec: RequestRecord, b: BillingRecord) -> dict[str, Any]:
    return {
        "request_id": rec.request_id,
        "consumer": {"name": rec.consumer.name, "email": rec.consumer.email, "institution": rec.consumer.institution},
        "items": [{"catalog_id": i.catalog_id, "title": i.title, "price_idr": int(i.price_idr or 0)} for i in rec.items]
        + quote_lines(rec),
        "total_idr": int(b.amount_idr),
        "billing_code": b.billing_code,
        "expires_at": clock.parse_iso(b.expires_at),
        "issued_at": clock.parse_iso(b.created_at),
        "payment_instructions": b.payment_instructions or {},
        "ntpn": b.ntpn,
        "paid_at": clock.parse_iso(b.paid_at) if b.paid_at else None,
        "agreement_version": rec.agreement_version,  # microdata: the data-use agreement accepted
        "agreement_accepted_at": clock.parse_iso(rec.agreement_accepted_at) if rec.agreement_accepted_at else None,
    }


def quote_lines(rec: RequestRecord) -> list[dict[str, Any]]:
    """consumer loop: the lines of the accepted price quote, as invoice/receipt rows."""
    from chalicelib.core.fmt import format_idr

    q = getattr(rec, "quote", None)
    if q is None or q.status != "accepted":
        return []
    return [{"catalog_id": ln.code, "price_idr": int(ln.amount_idr),
             "title": f"{ln.service}: {int(ln.quantity)} {ln.unit} x {format_idr(int(ln.unit_price_idr))}"}
            for ln in q.lines or []]


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
    months = clock.months_between(start, end)
    out: list[LedgerRecord] = []
    lo, hi = clock.iso(start), clock.iso(end)
    for month in months:
        out.extend(r for r in ledger_month(month) if lo <= r.at <= hi)
    return out


def ledger_csv(frm: str, to: str) -> str:
    import io

    from chalicelib.core import csvsafe

    buf = io.StringIO()
    w = csvsafe.writer(buf)  # a consumer name like =HYPERLINK(...) stays text (OWASP CSV injection)
    w.writerow(["at", "request_id", "transaction_type", "amount_idr", "billing_code", "ntpn", "consumer_name",
                "recorded_by", "items"])
    for r in ledger_rows(frm, to):
        w.writerow([r.at, r.request_id, r.transaction_type, int(r.amount_idr), r.billing_code or "", r.ntpn or "",
                    r.consumer_name, r.recorded_by, " ".join(r.items or [])])
    return buf.getvalue()

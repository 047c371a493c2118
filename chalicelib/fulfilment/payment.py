"""Billing on the request's path: issuing the billing of a paid order, applying a payment exactly once (webhook
or reconciliation) with the request's transition, the workflow's answer and the `payment_received` e-mail in
one transaction (the e-mail through the outbox), and expiring unpaid requests."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.billing import repository as billings
from chalicelib.billing import service as billing
from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import STALE, BadRequest, Conflict, NotFound, retry_stale
from chalicelib.fulfilment import notices
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository


def create_for_request(rec: RequestRecord) -> int:
    """Create (or find) the billing of a paid order, move it to awaiting_payment; returns the seconds left
    until the billing expires (the state machine's payment-wait timeout). Idempotent on the request."""
    repo = RequestRepository()
    now = clock.now()
    if rec.billing_code:
        b = billings.get_billing(rec.billing_code)
        if b is not None:
            if rec.status in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
                repo.transition(rec, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}")
            return billing.seconds_left(b, now)
    try:
        b = billing.issue(rec, now)
    except Conflict:
        raise
    except Exception:
        if rec.problem != "billing_unavailable":
            repo.update_fields(rec, {"problem": "billing_unavailable"})
        raise
    issued = notices.to_consumer("billing_issued", rec, f"billing_issued#{b.billing_code}",
                                 billing_code=b.billing_code, amount_idr=int(b.amount_idr), expires_at=b.expires_at)
    if rec.status in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
        repo.transition(rec, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}",
                        set_={"billing_code": b.billing_code}, remove=["problem"], action="billing.created",
                        audit_data={"billing_code": b.billing_code, "amount_idr": int(b.amount_idr)},
                        effects=Effects.of(messages=[issued]))
    else:
        if not rec.billing_code:
            repo.update_fields(rec, {"billing_code": b.billing_code}, remove=["problem"])
        notices.send(issued)
    return billing.seconds_left(b, now)


def handle_webhook(raw_body: bytes, headers: Any) -> dict[str, Any]:
    ev = billing.verify_webhook(raw_body, headers)
    return apply_payment(ev.billing_code, ev.amount_idr, ev.ntpn, ev.paid_at, f"webhook#{ev.event_id}", "provider")


@retry_stale
def apply_payment(code: str, amount: int, ntpn: str, paid_at: str, event_key: str, actor: str) -> dict[str, Any]:
    """Record a payment exactly once. Replays (same event or an already-paid billing) change nothing."""
    if idem.seen(event_key):
        return {"result": "duplicate"}
    b = billings.get_billing(code)
    if b is None:
        raise NotFound("unknown billing")
    if b.status == "paid":
        idem.claim(event_key)
        return {"result": "already_paid"}
    if int(amount) != int(b.amount_idr):
        billings.flag_mismatch(b, {"received_idr": int(amount), "ntpn": ntpn, "event": event_key, "at": clock.iso()})
        obs.count("PaymentAmountMismatch")
        obs.logger().warning("payment amount mismatch flagged for review", extra={"billing_code": code})
        raise Conflict("amount does not match the billing; flagged for review", code="amount_mismatch")
    try:
        paid_iso = clock.iso(clock.parse_iso(paid_at))
    except ValueError as exc:
        raise BadRequest("paid_at must be ISO-8601") from exc
    repo = RequestRepository()
    rec = repo.find(b.request_id)
    parts = billing.paid_parts(b, billing.ledger_entry(b, rec, amount, ntpn, paid_iso, actor), ntpn, paid_iso,
                               event_key)
    received = notices.to_consumer("payment_received", rec, f"payment_received#{code}", billing_code=code,
                                   amount_idr=int(amount), ntpn=ntpn, paid_at=paid_iso) if rec else None
    try:
        if rec is not None and rec.status == lc.AWAITING_PAYMENT and not rec.paid_at:
            repo.transition(rec, lc.AWAITING_PAYMENT, actor, f"pembayaran diterima, NTPN {ntpn}",
                            set_={"paid_at": paid_iso}, action="payment.received",
                            audit_data={"billing_code": code, "amount_idr": int(amount), "ntpn": ntpn},
                            effects=Effects.of(workflow.Answer.success(rec, "payment", {"paid": True}), [parts],
                                               [received]))
        else:
            billing.commit(parts)
            if rec is not None:
                repo.update_fields(rec, {"problem": "paid_after_close"} if rec.status in lc.TERMINAL else
                                   {"paid_at": paid_iso})
                notices.send(received)
    except (TransactWriteError, Conflict) as exc:
        # a concurrent delivery won (answer as a replay), or the workflow stored its task token in between
        # (@retry_stale reads everything again, so the token we answer is the one just stored)
        fresh = billings.get_billing(code)
        if fresh is not None and fresh.status == "paid":
            return {"result": "already_paid"}
        raise Conflict("the request was changed concurrently; retry", code=STALE) from exc
    obs.count("PaymentApplied")
    return {"result": "applied"}


def reconcile(limit: int = 100) -> dict[str, int]:
    """Ask the provider about open billings older than a few minutes; apply payments whose webhook was lost."""
    from datetime import timedelta

    cutoff = clock.iso(clock.now() - timedelta(seconds=get_settings().reconcile_after_s))
    counts = {"checked": 0, "applied": 0, "expired": 0, "errors": 0}
    for b in billings.open_billings(cutoff, limit):
        counts["checked"] += 1
        try:
            st = billing.provider().get_status(b.billing_code)
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
    """The payment wait timed out: the billing expires and so does the request (unless paid in the meantime)."""
    if rec.paid_at or rec.status != lc.AWAITING_PAYMENT:
        return
    if rec.billing_code and not billings.mark_expired(rec.billing_code):
        b = billings.get_billing(rec.billing_code)
        if b is not None and b.status == "paid":
            return
    RequestRepository().transition(rec, lc.EXPIRED, "system", "batas waktu pembayaran terlewati",
                                   set_={"closed_reason": "billing_expired"}, remove=["task"],
                                   effects=Effects.of(messages=[
                                       notices.to_consumer("request_expired", rec, f"expired#{rec.request_id}")]))

"""Billing on the request's path: issuing the billing of a paid order, applying a payment exactly once (webhook
or reconciliation) with the request's transition, the workflow's answer and the `payment_received` e-mail in
one transaction (the e-mail through the outbox), and expiring unpaid requests."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.billing import repository as billings
from chalicelib.billing import service as billing
from chalicelib.billing import simponi
from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import STALE, BadRequest, Conflict, NotFound, retry_stale
from chalicelib.fulfilment import notices
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository


def create_for_request(rec: RequestRecord, parts: tuple[Any, ...] = ()) -> int:
    """Create (or find) the billing of a paid order, move it to awaiting_payment; returns the seconds left
    until the billing expires (the state machine's payment-wait timeout). Idempotent on the request.
    The new billing is stored in the transaction of the request's move (with `parts`, e.g. the work item the
    billing resolves): the request's read, the provider's billing, ONE TransactWrite."""
    repo = RequestRepository()
    now = clock.now()
    if rec.billing_code:
        b = billings.get_billing(rec.billing_code)
        if b is not None:
            if rec.status in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
                repo.transition(rec, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}",
                                effects=Effects.of(parts=parts))
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
        def move(r: RequestRecord, store: bool) -> None:
            repo.transition(r, lc.AWAITING_PAYMENT, "system", f"kode billing {b.billing_code}",
                            set_={"billing_code": b.billing_code}, remove=["problem"], action="billing.created",
                            audit_data={"billing_code": b.billing_code, "amount_idr": int(b.amount_idr)},
                            effects=Effects.of(parts=[billing.store_in(b) if store else None, *parts],
                                               messages=[issued]))
        try:
            move(rec, True)
        except Conflict:
            # refused: the request changed (the caller reads it again), or this billing was stored already (by a
            # delivery of this task before billings were stored with the move): then the move goes on without it
            stored = billings.get_billing(b.billing_code)
            if stored is None:
                raise
            b = stored
            fresh = repo.get(rec.request_id)
            if fresh.status not in (lc.SUBMITTED, lc.AWAITING_APPROVAL):
                raise
            move(fresh, False)
            rec.status, rec.billing_code = fresh.status, fresh.billing_code
        else:
            obs.count("BillingCreated")
    else:
        # the request awaits payment already (an accepted quote goes back to billing): the billing, the request's
        # code and the consumer's notice in ONE transaction, as for a move; the billing stored means all of it was
        try:
            repo.append_audit(rec, "system", "billing.created",
                              {"billing_code": b.billing_code, "amount_idr": int(b.amount_idr)},
                              also=billing.store_in(b),
                              actions=[RequestRecord.billing_code.set(b.billing_code), RequestRecord.problem.remove()],
                              effects=Effects.of(parts=parts, messages=[issued]))
        except Conflict:
            stored = billings.get_billing(b.billing_code)
            if stored is None:
                raise  # the request changed meanwhile: the task is redelivered
            b = stored  # stored by an earlier delivery of this task, with the request's code and the notice
        else:
            rec.billing_code, rec.problem = b.billing_code, None
            obs.count("BillingCreated")
    return billing.seconds_left(b, now)


def handle_webhook(raw_body: bytes, headers: Any) -> dict[str, Any]:
    ev = billing.verify_webhook(raw_body, headers)
    # idempotency per billing AND event: a provider reusing an event id for another billing never drops a payment
    return apply_payment(ev.billing_code, ev.amount_idr, ev.ntpn, ev.paid_at,
                         f"webhook#{ev.billing_code}#{ev.event_id}", "provider",
                         evidence={"event_id": ev.event_id, "ntb": ev.ntb})


LATE = "paid_after_close"


def _evidence(code: str, amount: int, ntpn: str, paid_at: str, event_key: str, actor: str,
              extra: dict[str, Any] | None) -> dict[str, Any]:
    return {"billing_code": code, "amount_idr": int(amount), "ntpn": ntpn, "paid_at": paid_at, "event": event_key,
            "source": actor, "received_at": clock.iso(), **{k: v for k, v in (extra or {}).items() if v is not None}}


@retry_stale
def apply_payment(code: str, amount: int, ntpn: str, paid_at: str, event_key: str, actor: str,
                  evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a payment exactly once. Replays (same event or an already-paid billing) change nothing.

    - the request waits for it: billing paid + ledger row + the request's payment event + the workflow's answer
      + the e-mail, one transaction;
    - the request was closed (cancelled, expired) and the provider accepted the payment anyway: billing paid +
      ledger row + a `paid_after_close` work item for a supervisor (resume or refund) + the request marked, one
      transaction; answered 200, never an endless retry;
    - an unknown billing or a wrong amount: refused, and a work item keeps the evidence."""
    # no read of the event id before the billing: an event is claimed only in the transaction that marks its
    # billing paid (billing.paid_parts) or on the already-paid path below, so a claimed event always finds its
    # billing paid — the replay check costs a call only there, and a first delivery makes 3 DynamoDB calls
    # (billing, request, ONE TransactWrite)
    b = billings.get_billing(code)
    ev = _evidence(code, amount, ntpn, paid_at, event_key, actor, evidence)
    if b is None:
        billings.open_work_item(billings.new_work_item("unknown_billing", code, code=code, request_id=None,
                                                       amount_idr=amount, evidence=ev))
        obs.count("PaymentUnknownBilling")
        obs.logger().warning("payment for an unknown billing flagged for review")
        raise NotFound("unknown billing")
    if b.status == "paid":
        if idem.seen(event_key):
            return {"result": "duplicate"}
        idem.claim(event_key)
        return {"result": "already_paid"}
    if int(amount) != int(b.amount_idr):
        billings.flag_mismatch(b, {"received_idr": int(amount), "ntpn": ntpn, "event": event_key, "at": clock.iso()})
        billings.open_work_item(billings.new_work_item(
            "amount_mismatch", f"{code}-{int(amount)}", code=code, request_id=b.request_id, amount_idr=amount,
            evidence={**ev, "billed_idr": int(b.amount_idr)}))
        obs.count("PaymentAmountMismatch")
        obs.logger().warning("payment amount mismatch flagged for review", extra={"billing_code": code})
        raise Conflict("amount does not match the billing; flagged for review", code="amount_mismatch")
    try:
        simponi.ntpn(ntpn)
        simponi.ntb((evidence or {}).get("ntb"))
    except ValueError as exc:
        billings.open_work_item(billings.new_work_item("invalid_receipt", f"{code}-{event_key}", code=code,
                                                       request_id=b.request_id, amount_idr=amount,
                                                       evidence={**ev, "reason": str(exc)}))
        obs.count("PaymentInvalidReceipt")
        raise BadRequest(str(exc), code="invalid_receipt") from exc
    try:
        paid_iso = clock.iso(clock.parse_iso(paid_at))
    except ValueError as exc:
        raise BadRequest("paid_at must be ISO-8601") from exc
    repo = RequestRepository()
    rec = repo.find(b.request_id)
    parts = billing.paid_parts(b, billing.ledger_entry(b, rec, amount, ntpn, paid_iso, actor), ntpn, paid_iso,
                               event_key)
    # after close the consumer is told the money is recorded and what happens next (not "passed on to the desk")
    event = "payment_after_close" if rec is not None and rec.status in lc.TERMINAL else "payment_received"
    received = notices.to_consumer(event, rec, f"payment_received#{code}", billing_code=code,
                                   amount_idr=int(amount), ntpn=ntpn, paid_at=paid_iso) if rec else None
    audit = {"billing_code": code, "amount_idr": int(amount), "ntpn": ntpn}
    result = "applied"
    try:
        if rec is not None and rec.status == lc.AWAITING_PAYMENT and not rec.paid_at:
            repo.transition(rec, lc.AWAITING_PAYMENT, actor, f"pembayaran diterima, NTPN {ntpn}",
                            set_={"paid_at": paid_iso}, action="payment.received", audit_data=audit,
                            effects=Effects.of(workflow.Answer.success(rec, "payment", {"paid": True}), [parts],
                                               [received]))
        elif rec is None:
            item = billings.new_work_item(LATE, code, code=code, request_id=b.request_id, amount_idr=amount,
                                          evidence={**ev, "request_status": None})
            billing.commit(lambda tx: (parts(tx), billings.work_item_in(item)(tx)))
            result = LATE
        elif rec.status in lc.TERMINAL:
            item = billings.new_work_item(LATE, code, code=code, request_id=rec.request_id, amount_idr=amount,
                                          evidence={**ev, "request_status": rec.status,
                                                    "closed_reason": rec.closed_reason})
            repo.append_audit(rec, actor, "payment.after_close", {**audit, "work_item": item.item_id},
                              actions=[RequestRecord.problem.set(LATE), RequestRecord.paid_at.set(paid_iso)],
                              effects=Effects.of(parts=[parts, billings.work_item_in(item)], messages=[received]))
            result = LATE
        else:  # not waiting for it yet (billing issued, the request still `submitted`) or already past it
            repo.append_audit(rec, actor, "payment.received", audit,
                              actions=[RequestRecord.paid_at.set(paid_iso)],
                              effects=Effects.of(parts=[parts], messages=[received]))
    except (TransactWriteError, Conflict) as exc:
        # a concurrent delivery won (answer as a replay), or the workflow stored its task token / the consumer
        # cancelled in between (@retry_stale reads everything again and takes the right path)
        fresh = billings.get_billing(code)
        if fresh is not None and fresh.status == "paid":
            return {"result": "already_paid"}
        raise Conflict("the request was changed concurrently; retry", code=STALE) from exc
    if result == LATE:
        obs.count("PaymentAfterClose")
        obs.logger().warning("payment after the request was closed: work item for a supervisor",
                             extra={"billing_code": code})
    obs.count("PaymentApplied")
    return {"result": result}


def _check(b: Any, counts: dict[str, int], now_iso: str) -> None:
    """Ask the provider about one billing and act on the answer (payment applied, billing closed)."""
    try:
        st = billing.provider().get_status(b.billing_code)
    except Exception:  # noqa: BLE001 - one billing's error must not stop the others
        counts["errors"] += 1
        return
    if st.status == "paid" and st.ntpn:
        try:
            res = apply_payment(b.billing_code, int(st.amount_idr), st.ntpn, clock.iso(st.paid_at or clock.now()),
                                f"reconcile#{b.billing_code}", "reconciliation", evidence={"ntb": st.ntb})
        except (Conflict, BadRequest, NotFound):
            counts["errors"] += 1
            return
        counts["applied"] += res["result"] in ("applied", LATE)
        counts["late"] += res["result"] == LATE
    elif st.status != "paid" and (st.status in ("expired", "cancelled") or b.expires_at < now_iso):
        # an expired billing whose request still waits: the billing was closed here, and the process died before
        # the request's transition (mark_expired and the transition are two writes): expire the request now
        if b.status != "unpaid" and b.closed_reason != "expired":
            return
        if b.status == "unpaid" and billings.mark_expired(b.billing_code,
                                                          st.status if st.status == "cancelled" else "expired"):
            counts["expired"] += 1
        rec = RequestRepository().find(b.request_id)
        if rec is not None and rec.status == lc.AWAITING_PAYMENT and not rec.paid_at:
            try:
                expire_request(rec)
            except Conflict:
                counts["errors"] += 1


def reconcile(limit: int = 100, head: int = 20, closed_limit: int = 20) -> dict[str, Any]:
    """Ask the provider about open billings the webhook may have missed, fairly: each tick the `head` oldest
    unpaid billings (the soonest to expire) and then the next ones of a rotating cursor, so every open billing
    is looked at within ceil(open / (limit - head)) ticks however many stale ones there are; billings past their
    expiry are marked expired (and their request, if it still waits). Closed billings (cancelled, expired) keep
    being asked about for a grace period (rotating too): a payment the provider accepted in flight is found and
    recorded as paid after close. Returns what it did; errors are counted as the alarmed metric."""
    s = get_settings()
    now = clock.now()
    now_iso = clock.iso(now)
    cutoff = clock.iso(now - timedelta(seconds=s.reconcile_after_s))
    counts = {"checked": 0, "applied": 0, "late": 0, "expired": 0, "errors": 0, "closed_checked": 0,
              "wrapped": 0}
    picked: dict[str, Any] = {b.billing_code: b for b in billings.open_billings(cutoff, head)}
    rest, wrapped = billings.rotating("reconcile-open", "unpaid", None, cutoff, max(1, limit - len(picked)))
    counts["wrapped"] += wrapped
    for b in rest:
        picked.setdefault(b.billing_code, b)
    for b in picked.values():
        counts["checked"] += 1
        _check(b, counts, now_iso)
    grace_from = clock.iso(now - timedelta(seconds=billing.lifetime_s() + s.reconcile_grace_s))
    closed, _ = billings.rotating("reconcile-closed", "expired", grace_from, now_iso, closed_limit)
    for b in closed:
        if b.closed_at and b.closed_at < clock.iso(now - timedelta(seconds=s.reconcile_grace_s)):
            continue
        counts["closed_checked"] += 1
        _check(b, counts, now_iso)
    if counts["applied"]:
        obs.count("PaymentsReconciled", counts["applied"])
    if counts["errors"]:
        obs.count(obs.RECONCILIATION_ERRORS, counts["errors"])
    return counts


def expire_request(rec: RequestRecord) -> None:
    """The payment wait timed out: the billing expires and so does the request (unless paid in the meantime).
    The workflow, should it still wait on the payment, is answered `Closed` in the same change."""
    if rec.paid_at or rec.status != lc.AWAITING_PAYMENT:
        return
    if rec.billing_code and not billings.mark_expired(rec.billing_code):
        b = billings.get_billing(rec.billing_code)
        if b is not None and b.status == "paid":
            return
    RequestRepository().transition(rec, lc.EXPIRED, "system", "batas waktu pembayaran terlewati",
                                   set_={"closed_reason": "billing_expired"},
                                   effects=Effects.of(workflow.Answer.failure(rec, "payment", workflow.CLOSED,
                                                                              "billing expired"), messages=[
                                       notices.to_consumer("request_expired", rec, f"expired#{rec.request_id}")]))


def cancel_at_provider(code: str) -> str:
    """The jobs-queue job after a request closed: cancel its billing at the provider, so the bank refuses it.
    A billing the provider reports paid (the payment was in flight) is recorded at once as paid after close."""
    from chalicelib.billing.provider import BillingNotFound, ProviderRejected

    b = billings.get_billing(code)
    if b is None or b.status == "paid" or b.provider_cancelled_at:
        return "skipped"
    prov = billing.provider()
    try:
        prov.cancel_billing(code)
    except BillingNotFound:
        return "unknown"
    except ProviderRejected as exc:
        if exc.code not in ("already_paid", "not_cancellable"):
            raise
        st = prov.get_status(code)
        if st.status == "paid" and st.ntpn:
            apply_payment(code, int(st.amount_idr), st.ntpn, clock.iso(st.paid_at or clock.now()),
                          f"reconcile#{code}", "reconciliation", evidence={"ntb": st.ntb})
            return "paid_in_flight"
        return "not_cancellable"
    billings.mark_provider_cancelled(code)
    return "cancelled"


# --- nothing paid waits unnoticed ---------------------------------------------------------------------------
def _advance(rec: RequestRecord) -> None:
    """A paid request whose workflow did not move on: on to delegation now (queued, then drained); a workflow
    that catches up later finds it past the payment and goes on from there (its tasks are idempotent)."""
    from chalicelib.fulfilment import assign

    RequestRepository().transition(rec, lc.QUEUED, "system", "pembayaran diterima; diteruskan ke operator",
                                   action="payment.advanced", audit_data={"billing_code": rec.billing_code},
                                   effects=Effects.of(workflow.Answer.success(rec, "payment", {"paid": True}),
                                                      messages=[assign.drain_message(f"paid#{rec.request_id}")]))


def unstick(limit: int = 200) -> dict[str, int]:
    """Paid requests still `awaiting_payment` a few minutes after the payment: the workflow's answer is sent
    again if it is still pending; then, if the request is still waiting, it is advanced to delegation. A request
    that cannot be advanced is flagged `stuck_paid` with a work item and counted in the alarmed metric."""
    s = get_settings()
    cutoff = clock.iso(clock.now() - timedelta(seconds=s.stuck_paid_after_s))
    repo = RequestRepository()
    out = {"resent": 0, "advanced": 0, "stuck": 0}
    cursor = None
    seen = 0
    while seen < limit:
        items, cursor = repo.by_status(lc.AWAITING_PAYMENT, min(100, limit - seen), cursor)
        seen += len(items)
        for rec in items:
            if not rec.paid_at or max(rec.paid_at, rec.updated_at or "") > cutoff:
                continue  # not paid, or recorded too recently (the provider's paid_at may be days old)
            t = rec.task
            if (t is not None and t.answered_at and rec.answer_pending
                    and workflow.send_answer(t.token, json.loads(t.answer or "{}")) == workflow.SENT):
                out["resent"] += 1
                continue  # the execution got its answer now; looked at again next tick
            try:
                _advance(repo.get(rec.request_id))
                out["advanced"] += 1
            except Conflict:
                continue  # it moved meanwhile (the workflow woke up): looked at again next tick if still here
            except Exception as exc:  # noqa: BLE001 - flagged, counted, alarmed
                out["stuck"] += 1
                billings.open_work_item(billings.new_work_item(
                    "stuck_paid", rec.request_id, code=rec.billing_code, request_id=rec.request_id,
                    amount_idr=int(rec.total_idr or 0), evidence={"paid_at": rec.paid_at, "error": type(exc).__name__}))
                if rec.problem != "stuck_paid":
                    repo.update_fields(rec, {"problem": "stuck_paid"})
        if not cursor:
            break
    if out["stuck"]:
        obs.count(obs.STUCK_PAID, out["stuck"])
    if out["advanced"]:
        obs.count("PaidRequestsAdvanced", out["advanced"])
    return out


# --- orders stranded by a provider outage -------------------------------------------------------------------
UNAVAILABLE = ("billing_unavailable", "BillingUnavailable")


def retry_billing(rec: RequestRecord, actor: str = "system") -> str:
    """Issue the billing of an order the provider could not bill (now): awaiting_payment on success; on failure
    the next automatic attempt is scheduled with exponential backoff (1, 2, 4 ... 60 minutes)."""
    if rec.status not in (lc.SUBMITTED, lc.AWAITING_APPROVAL) or not rec.needs_billing or rec.paid_at:
        raise Conflict(f"a request in status {rec.status} needs no billing retry", code="illegal_transition")
    key = ("billing_unavailable", rec.request_id)
    item = billings.get_work_item(f"{key[0]}.{key[1]}")
    attempts = int((item.evidence or {}).get("attempts", 0)) if item else 0
    # the work item asking for the billing closes in the transaction that stores it and moves the request
    close = (billings.resolve_in(item, {"action": "billed", "by": actor, "at": clock.iso()})
             if item is not None and item.status == "work:open" else None)
    try:
        create_for_request(rec, (close,))
    except Exception as exc:  # noqa: BLE001 - recorded on the work item, retried later
        attempts += 1
        delay = min(3600, 60 * 2 ** min(attempts - 1, 6))
        ev = {"attempts": attempts, "last_error": type(exc).__name__, "last_at": clock.iso(), "by": actor,
              "next_at": clock.iso(clock.now() + timedelta(seconds=delay))}
        if item is None:
            billings.open_work_item(billings.new_work_item(*key, code=None, request_id=rec.request_id,
                                                           amount_idr=int(rec.total_idr or 0), evidence=ev))
        else:
            billings.update_work_item(item, {**(item.evidence or {}), **ev})
        return "failed"
    return "billed"


def retry_stranded(limit: int = 50) -> dict[str, int]:
    """The tick's step: orders the workflow gave up billing (problem BillingUnavailable) are retried when their
    backoff has passed."""
    repo = RequestRepository()
    out = {"billed": 0, "failed": 0, "waiting": 0}
    items, _ = repo.by_status(lc.SUBMITTED, limit)
    now_iso = clock.iso()
    for rec in items:
        if rec.problem not in UNAVAILABLE or not rec.needs_billing:
            continue
        item = billings.get_work_item(f"billing_unavailable.{rec.request_id}")
        if item is None and rec.problem != "BillingUnavailable":
            continue  # the workflow is still retrying it (its own backoff)
        if item is not None and (item.evidence or {}).get("next_at", "") > now_iso:
            out["waiting"] += 1
            continue
        out[retry_billing(rec)] += 1
    return out

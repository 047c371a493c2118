"""The consumer loop of SPEC §3 (issue 19): the desk asks the consumer a question or sends a price quote, the request
waits on the consumer (`awaiting_consumer`, SLA clock paused), and the consumer answers, accepts or declines.

- question: `in_progress → awaiting_consumer`; the consumer's next message in the conversation is the answer and
  resumes the request (`→ in_progress`, the due date pushed by the paused working days, sla.pause_changes).
- quote (custom requests): lines from the tariff (chalicelib/requests/tariff.py); accept → `awaiting_payment` and
  the workflow's fulfilment wait is answered `{"quote": true}`, so the state machine goes back to CreateBilling →
  AwaitPayment (the same SIMPONI flow as a catalog order, the quote lines on the billing and the invoice) → Delegate
  (the operator who quoted first, if they have room) → AwaitFulfilment: the operator completes and delivers as
  before. Decline → `cancelled` (closed_reason `quote_declined`): the office does not do tariffed work unpaid.
- no answer within `consumer_answer_days` working days → `expired` with notice; a reminder
  `consumer_reminder_days` working days before (`sweep`, a tick step).

While it waits the request stays with its operator (awaiting_consumer counts in their load), so the answer comes back
to whoever asked; leaving the loop for awaiting_payment, expired or cancelled frees the load in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from typing import Any

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict, retry_stale
from chalicelib.delegation import service as delegation
from chalicelib.fulfilment import assign, notices
from chalicelib.notify.outbox import notice
from chalicelib.requests import access, tariff, workflow
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import ConsumerWait, MessageRecord, Quote, QuoteLine, RequestRecord
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.schemas import MessageOut
from chalicelib.requests.service import RequestService
from chalicelib.requests.sla import calendar

QUESTION, QUOTE = "question", "quote"
WAIT_LABELS = {QUESTION: "pertanyaan petugas", QUOTE: "penawaran harga"}


def _when(iso: str | None) -> str | None:
    from chalicelib.core.fmt import format_date_id

    return format_date_id(clock.parse_iso(iso), with_time=True, with_weekday=True) if iso else None


# --- pure rules ---------------------------------------------------------------------------------------------
def deadlines(now_iso: str, cal: Any = None, answer_days: int | None = None,
              reminder_days: int | None = None) -> tuple[str, str | None]:
    """(answer_by, remind_at) for a wait starting now: working days on the office calendar."""
    s = get_settings()
    cal = cal or calendar()
    days = s.consumer_answer_days if answer_days is None else answer_days
    before = s.consumer_reminder_days if reminder_days is None else reminder_days
    now = clock.parse_iso(now_iso)
    answer_by = clock.iso(cal.add_working_days(now, max(1, int(days))))
    remind = int(days) - int(before)
    remind_at = clock.iso(cal.add_working_days(now, remind)) if 0 < remind < int(days) and before > 0 else None
    return answer_by, remind_at


def can_quote(rec: RequestRecord) -> str | None:
    """Why `rec` cannot be quoted, or None. Quotes price the custom part of a data order not billed yet."""
    if rec.kind != "data_order" or not rec.custom_request:
        return "only a data order with a custom request can be quoted"
    if rec.transaction_type in ("internal", "zero_rupiah"):
        return f"a {rec.transaction_type} order is not billed"
    if rec.billing_code or rec.paid_at:
        return "the order already has a billing"
    return None


def _msg(rec: RequestRecord, p: Principal, body: str, role: str) -> MessageRecord:
    stamp = clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return MessageRecord(request_id=rec.request_id, msg_id=f"{stamp}#{secrets.token_hex(4)}", at=clock.iso(),
                         author=p.sub, author_name=p.name or p.sub, author_role=role, body=body, internal=False)


def _save_in(msg: MessageRecord) -> Any:
    def part(tx: Any) -> None:
        tx.save(msg, condition=MessageRecord.msg_id.does_not_exist())
    return part


def _to_operator(event: str, rec: RequestRecord, key: str, **ctx: Any) -> Any:
    if not rec.assignee:
        return None
    return notice(event, key=key, to_user=rec.assignee, ctx={"request_id": rec.request_id, "kind": rec.kind, **ctx})


def _left(rec: RequestRecord) -> list[Any]:
    """Parts and messages of leaving the loop for a status outside the operator's load."""
    if rec.assignee and rec.status in lc.IN_PROCESS:
        return [delegation.release_in(rec.assignee)]
    return []


class ConsumerLoop:
    def __init__(self, requests: RequestService | None = None) -> None:
        self.requests = requests or RequestService()
        self.repo = self.requests.repo

    # --- the desk ---------------------------------------------------------------------------------------
    @retry_stale
    def ask(self, p: Principal, request_id: str, question: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.HANDLE)
        if rec.status != lc.IN_PROGRESS:
            raise Conflict(f"a question is asked while the request is in progress, not {rec.status}",
                           code="illegal_transition", details={"from": rec.status, "to": lc.AWAITING_CONSUMER})
        now = clock.iso()
        answer_by, remind_at = deadlines(now)
        wait = ConsumerWait(kind=QUESTION, text=question, by=p.sub, at=now, answer_by=answer_by, remind_at=remind_at)
        msg = _msg(rec, p, question, "staff")
        told = notices.to_consumer("consumer_question", rec, f"question#{rec.request_id}#{now}",
                                   message_excerpt=question[:200], answer_by=answer_by,
                                   answer_by_text=_when(answer_by))
        return self.repo.transition(rec, lc.AWAITING_CONSUMER, p.sub, "pertanyaan kepada pemohon",
                                    set_={"consumer_wait": wait}, action="request.question",
                                    audit_data={"answer_by": answer_by},
                                    effects=Effects.of(parts=[_save_in(msg)], messages=[told]))

    @retry_stale
    def send_quote(self, p: Principal, request_id: str, lines: list[tuple[str, int]], note: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.HANDLE)
        why = can_quote(rec)
        if why:
            raise Conflict(why, code="not_quotable")
        if rec.status != lc.IN_PROGRESS:
            raise Conflict(f"a quote is sent while the request is in progress, not {rec.status}",
                           code="illegal_transition", details={"from": rec.status, "to": lc.AWAITING_CONSUMER})
        t = tariff.current()
        priced, total = tariff.price(t, lines)
        now = clock.iso()
        answer_by, remind_at = deadlines(now)
        quote = Quote(quote_id=f"Q{secrets.token_hex(4).upper()}", by=p.sub, at=now, status="sent", note=note or "",
                      total_idr=total, lines=[QuoteLine(code=ln.code, service=ln.service, unit=ln.unit,
                                                        unit_price_idr=ln.unit_price_idr, quantity=ln.quantity,
                                                        amount_idr=ln.amount_idr) for ln in priced])
        wait = ConsumerWait(kind=QUOTE, text=note or "", by=p.sub, at=now, answer_by=answer_by, remind_at=remind_at)
        told = notices.to_consumer("quote_sent", rec, f"quote#{quote.quote_id}", amount_idr=total,
                                   answer_by=answer_by, answer_by_text=_when(answer_by),
                                   message_excerpt=(note or "")[:200] or None)
        return self.repo.transition(rec, lc.AWAITING_CONSUMER, p.sub, f"penawaran harga {quote.quote_id} dikirim",
                                    set_={"consumer_wait": wait, "quote": quote}, action="request.quote_sent",
                                    audit_data={"quote_id": quote.quote_id, "total_idr": total,
                                                "tariff_version": t.version},
                                    effects=Effects.of(messages=[told]))

    # --- the consumer -----------------------------------------------------------------------------------
    def post_message(self, p: Principal, request_id: str, body: str, attempt: int = 0) -> MessageOut:
        """The consumer's message; while a question waits, it is the answer: the message, the request back
        `in_progress` (the due date pushed by the pause) and the operator's notice, one transaction."""
        rec = self.requests.get_own(p, request_id)
        w = rec.consumer_wait
        if rec.status != lc.AWAITING_CONSUMER or w is None or w.kind != QUESTION:
            return self.requests.post_message(p, request_id, body, False, staff_view=False, rec=rec)
        msg = _msg(rec, p, body, "consumer")
        told = _to_operator("new_message", rec, f"msg#{msg.msg_id}#{rec.request_id}", message_excerpt=body[:200])
        try:
            self.repo.transition(rec, lc.IN_PROGRESS, p.sub, "pemohon menjawab; dilanjutkan", remove=["consumer_wait"],
                                 action="request.answered",
                                 effects=Effects.of(parts=[_save_in(msg)], messages=[told]))
        except Conflict:
            if attempt >= 2:
                raise
            return self.post_message(p, request_id, body, attempt + 1)  # changed meanwhile: read again
        return MessageOut(msg_id=msg.msg_id, at=msg.at, author=msg.author, author_name=msg.author_name,
                          author_role="consumer", body=body, internal=False)

    @retry_stale
    def accept(self, p: Principal, request_id: str) -> RequestRecord:
        rec = self._quoted(p, request_id)
        q = rec.quote
        now = clock.iso()
        q.status, q.decided_at = "accepted", now
        items_total = sum(int(i.price_idr or 0) for i in rec.items or [])
        total = items_total + int(q.total_idr)
        ans = workflow.Answer.success(rec, "fulfilment", {"quote": True})
        effects = Effects.of(ans, _left(rec), [
            assign.drain_message(f"{rec.request_id}#{rec.audit_seq}"),
            _to_operator("quote_accepted", rec, f"quote_accepted#{q.quote_id}", amount_idr=total)])
        obs.count("QuoteAccepted")
        return self.repo.transition(rec, lc.AWAITING_PAYMENT, p.sub, f"penawaran {q.quote_id} disetujui; menunggu "
                                    "tagihan", set_={"quote": q, "transaction_type": "paid", "needs_billing": True,
                                                     "total_idr": total},
                                    remove=["consumer_wait"], action="request.quote_accepted",
                                    audit_data={"quote_id": q.quote_id, "total_idr": total}, effects=effects)

    @retry_stale
    def decline(self, p: Principal, request_id: str, reason: str) -> RequestRecord:
        rec = self._quoted(p, request_id)
        q = rec.quote
        q.status, q.decided_at, q.reason = "declined", clock.iso(), reason or None
        effects = Effects.of(workflow.Answer.failure(rec, None, "Cancelled", "quote declined"), _left(rec), [
            assign.drain_message(f"{rec.request_id}#{rec.audit_seq}"),
            _to_operator("quote_declined", rec, f"quote_declined#{q.quote_id}", reason=reason or None)])
        obs.count("QuoteDeclined")
        return self.repo.transition(rec, lc.CANCELLED, p.sub, "penawaran ditolak pemohon"
                                    + (f": {reason}" if reason else ""),
                                    set_={"quote": q, "closed_reason": "quote_declined"}, remove=["consumer_wait"],
                                    action="request.quote_declined", audit_data={"quote_id": q.quote_id},
                                    effects=effects)

    def _quoted(self, p: Principal, request_id: str) -> RequestRecord:
        rec = self.requests.get_own(p, request_id)
        w, q = rec.consumer_wait, rec.quote
        if rec.status != lc.AWAITING_CONSUMER or w is None or w.kind != QUOTE or q is None or q.status != "sent":
            raise Conflict("no price quote waits for your decision", code="no_open_quote")
        return rec


# --- the tick: reminders and expiry of unanswered waits --------------------------------------------------
def _expire(rec: RequestRecord) -> None:
    q = rec.quote
    sets: dict[str, Any] = {"closed_reason": "no_answer"}
    if q is not None and q.status == "sent" and (rec.consumer_wait and rec.consumer_wait.kind == QUOTE):
        q.status, q.decided_at = "expired", clock.iso()
        sets["quote"] = q
    reason = "pemohon tidak menanggapi dalam batas waktu"
    effects = Effects.of(workflow.Answer.failure(rec, None, workflow.CLOSED, "no answer from the consumer"),
                         _left(rec), [notices.to_consumer("request_expired", rec, f"expired#{rec.request_id}",
                                                          reason="Tidak ada tanggapan dari pemohon sampai batas "
                                                                 "waktu."),
                                      assign.drain_message(f"{rec.request_id}#{rec.audit_seq}") if rec.assignee
                                      else None])
    RequestRepository().transition(rec, lc.EXPIRED, "system", reason, set_=sets, remove=["consumer_wait"],
                                   action="request.no_answer", effects=effects)


def _remind(rec: RequestRecord, now: str) -> None:
    """One reminder per wait: the wait marked reminded and its notice (an outbox row) in one write, so a lost send
    is relayed again and a reminder is never marked sent without being sent."""
    w = rec.consumer_wait
    m = notices.to_consumer("consumer_reminder", rec, f"consumer_reminder#{rec.request_id}#{w.at}",
                            answer_by=w.answer_by, answer_by_text=_when(w.answer_by),
                            wait_label=WAIT_LABELS.get(w.kind, "pertanyaan petugas"))
    w.reminded_at = now
    try:
        RequestRepository().append_audit(rec, "system", "request.consumer_reminded", {"wait": w.kind},
                                         actions=[RequestRecord.consumer_wait.set(w)],
                                         condition=RequestRecord.status == lc.AWAITING_CONSUMER,
                                         effects=Effects.of(messages=[m]))
    except Conflict:
        pass  # answered (or changed) meanwhile: the next sweep looks again


def sweep(limit: int = 500) -> dict[str, int]:
    """Requests waiting on the consumer (GSI by_status, one Query per page): past `answer_by` → expired with
    notice; past `remind_at` → one reminder (key per wait)."""
    repo = RequestRepository()
    now = clock.iso()
    out = {"reminded": 0, "expired": 0}
    cursor, seen = None, 0
    while seen < limit:
        items, cursor = repo.by_status(lc.AWAITING_CONSUMER, min(100, limit - seen), cursor)
        seen += len(items)
        for rec in items:
            w = rec.consumer_wait
            if w is None or not w.answer_by:
                continue
            try:
                if w.answer_by <= now:
                    _expire(rec)
                    out["expired"] += 1
                elif w.remind_at and w.remind_at <= now and not w.reminded_at:
                    _remind(rec, now)
                    out["reminded"] += 1
            except Conflict:
                continue  # answered or changed meanwhile: looked at again next tick
        if not cursor:
            break
    if out["expired"]:
        obs.count("ConsumerWaitExpired", out["expired"])
    return out


def tariff_out() -> dict[str, Any]:
    t = tariff.current()
    return {"version": t.version, "basis": t.basis,
            "items": [{"code": i.code, "service": i.service, "unit": i.unit, "unit_price_idr": i.unit_price_idr,
                       "description": i.description} for i in t.items]}

"""Scheduled reminders (SPEC §2.10). `run()` is called every tick by `chalicelib.fulfilment.tick`.

Every reminder is found through an index Query (never a Scan) and sent at most once per threshold: the
job claims the idempotency key ``reminder#<request_id>#<threshold>`` and then puts the notification on
the notify queue (whose worker is idempotent per notification key too). If the enqueue fails, the key is
marked ``failed`` and the next tick tries again.

The rules
---------
* **Due soon** (assignee, event ``due_soon``) — thresholds ``settings.reminder_thresholds_h`` (default
  ``[24, 0]``) are *working-day aware*: a threshold of H hours means H/24 of a **working day of office
  time** before the due moment, because due dates themselves are counted in working days. So "24 h
  before" a request due Monday 10:00 WIB fires Friday 10:00 WIB (one working day before), not on
  Sunday; "12 h" would be half an office day (4 office hours) before. The e-mail states the real time
  left and the due date. When several thresholds are reached at once (a due date moved closer, a late
  tick) only the most urgent is sent, the others are marked as passed.
* **Overdue** (threshold 0, "at due"): the assignee gets ``overdue`` and the supervisor(s)
  ``overdue_supervisor`` when the due moment passes, and again after every further full working day while
  the request stays open (day 0, 1, 2, … counted in working days; weekends/holidays add nothing). This
  escalation is always on, whether or not 0 is among the thresholds. A request without an assignee
  (queued) escalates to the supervisor only. Supervisors: ``settings.supervisor_email`` (a comma-separated
  list is accepted), or when empty every operator whose profile has the ``supervisor`` role.
* Paused requests (``awaiting_approval``/``awaiting_payment``: the SLA clock is stopped) get no due-date
  reminders and no overdue escalation; delivered/closed requests leave the due-date index altogether.
* Threshold keys include the due date (``due-24h@<due_at>``, ``overdue-<n>@<due_at>``): when a supervisor
  moves the due date, or a pause pushes it, the reminders re-arm for the new date.
* **Billing expiring** (consumer, ``billing_expiring``): ``settings.billing_reminder_h`` (24) real hours
  before an unpaid billing expires (billings GSI ``by_status`` = ``unpaid``), only while the request is
  still awaiting payment. Billing expiry is a real-time deadline, so this one is not working-day based.
* **Rating prompt** (consumer, ``rating_prompt``): ``settings.rating_prompt_after_h`` real hours after
  delivery, if not rated yet (requests GSI ``by_delivered``).
* **Auto-completion**: a delivered request still unrated ``settings.auto_complete_after_days`` calendar
  days after delivery moves to ``completed`` with actor ``system``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.requests import lifecycle as lc

#: upper bound of requests/billings examined per tick and rule (logged when reached)
MAX_PER_TICK = 1000
_EPS = 1e-6


# --- once-per-threshold bookkeeping ----------------------------------------------------------------------
def reminder_key(request_id: str, threshold: str) -> str:
    return f"reminder#{request_id}#{threshold}"


def _already(key: str) -> bool:
    """Cheap read first (most ticks find the reminder already sent); a `failed` one may be retried."""
    try:
        return idem.IdempotencyRecord.get(key).status != "failed"
    except idem.IdempotencyRecord.DoesNotExist:
        return False


def _once(key: str, send: Callable[[], None]) -> bool:
    """Claim `key` and run `send`; True if this call sent it. A failing send re-arms the key."""
    if _already(key) or not idem.claim(key, retry_if="failed"):
        return False
    try:
        send()
    except Exception:
        idem.set_status(key, "failed")
        raise
    return True


def _enqueue(event: str, key: str, *, to_user: str | None, to_email: str | None, ctx: dict[str, Any]) -> None:
    from chalicelib.notify import outbox

    outbox.enqueue(event, key=key, to_user=to_user, to_email=to_email, ctx=ctx, strict=True)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


# --- recipients ----------------------------------------------------------------------------------------
def supervisors() -> list[tuple[str | None, str | None]]:
    """(user_id, email) of every supervisor to escalate to; user_id lets it appear in their in-app list."""
    from chalicelib.users.models import UserRecord

    emails = [e.strip().lower() for e in (get_settings().supervisor_email or "").split(",") if e.strip()]
    if emails:
        out: list[tuple[str | None, str | None]] = []
        for email in emails:
            uid = next((u.user_id for u in UserRecord.by_email.query(email, limit=1)), None)
            out.append((uid, email))
        return out
    from chalicelib.delegation.models import OperatorRecord

    ids = [o.operator_id for o in OperatorRecord.all_operators.query("OP")]
    if not ids:
        return []
    profiles = UserRecord.batch_get(ids)
    return [(p.user_id, None) for p in profiles if "supervisor" in (p.roles or [])]


def supervisor_notices(event: str, key: str, ctx: dict[str, Any]) -> list[Any]:
    """One outbox notice per supervisor (for a change that commits: fulfilment.assign's absence flag)."""
    from chalicelib.notify.outbox import notice

    return [notice(event, key=f"{key}#{uid or _digest(email or '')}", to_user=uid, to_email=email, ctx=ctx)
            for uid, email in supervisors()]


def service_heads() -> list[tuple[str | None, str | None]]:
    """The head(s) of the service unit (``settings.service_head``: user ids or e-mails), else the supervisors."""
    return recipients(get_settings().service_head)


def recipients(setting: str | None) -> list[tuple[str | None, str | None]]:
    """(user_id, email) of a setting's comma-separated user ids or e-mails (an e-mail's user looked up), else the
    supervisors."""
    from chalicelib.users.models import UserRecord

    out: list[tuple[str | None, str | None]] = []
    for entry in [e.strip() for e in (setting or "").split(",") if e.strip()]:
        if "@" in entry:
            uid = next((u.user_id for u in UserRecord.by_email.query(entry.lower(), limit=1)), None)
            out.append((uid, entry.lower()))
        else:
            out.append((entry, None))
    return out or supervisors()


def approval_due(rec: Any, cal: Any) -> str | None:
    """The approval's due date: stored when the request started waiting (tasks.triage); for a request that
    started waiting before that, counted from its `awaiting_approval` timeline entry."""
    if rec.approval_due_at:
        return str(rec.approval_due_at)
    entered = next((t.at for t in reversed(rec.timeline or []) if t.status == lc.AWAITING_APPROVAL), None)
    if not entered:
        return None
    return clock.iso(cal.add_working_days(clock.parse_iso(entered), int(get_settings().sla_days_approval)))


def approval_label(rec: Any) -> str:
    return ("pembebasan tarif (transaksi Rp 0) beserta dokumen justifikasinya" if rec.transaction_type == "zero_rupiah"
            else "abstraksi penggunaan mikrodata (data-use abstract)")


def _operator_name(operator_id: str | None) -> str:
    if not operator_id:
        return "belum ditugaskan"
    from chalicelib.delegation.models import OperatorRecord

    try:
        return OperatorRecord.get(operator_id).name or operator_id
    except OperatorRecord.DoesNotExist:
        return operator_id


# --- the rules -----------------------------------------------------------------------------------------
class _Run:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.now_iso = clock.iso(now)
        self.counts: dict[str, int] = {"due_soon": 0, "overdue": 0, "overdue_supervisor": 0,
                                       "billing_expiring": 0, "rating_prompt": 0, "auto_completed": 0,
                                       "approval_due_soon": 0, "approval_overdue": 0, "approval_overdue_head": 0,
                                       "escalation_due_soon": 0, "escalation_overdue": 0,
                                       "escalation_overdue_head": 0, "errors": 0}
        self._supervisors: list[tuple[str | None, str | None]] | None = None
        self._on_duty: list[str] | None = None
        self._members: dict[str, list[tuple[str | None, str | None]]] = {}

    def supervisors(self) -> list[tuple[str | None, str | None]]:
        if self._supervisors is None:
            self._supervisors = supervisors()
        return self._supervisors

    def guarded(self, what: str, request_id: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # noqa: BLE001 - one bad item must not stop the others
            self.counts["errors"] += 1
            obs.logger().exception("reminder failed", extra={"rule": what, "request_id": request_id})

    # -- due dates ------------------------------------------------------------------------------------
    def due_dates(self) -> None:
        from chalicelib.requests.repository import RequestRepository
        from chalicelib.requests.sla import calendar

        cal = calendar()
        positive = sorted({int(h) for h in get_settings().reminder_thresholds_h if int(h) > 0}, reverse=True)
        reach = max(positive, default=0) / 24 * cal.office_seconds_per_day
        horizon = cal.add_office_time(self.now, timedelta(seconds=reach)) + timedelta(minutes=1)
        recs = RequestRepository().open_due_before(clock.iso(horizon), limit=MAX_PER_TICK)
        if len(recs) >= MAX_PER_TICK:
            obs.logger().warning("due-date reminder window truncated", extra={"limit": MAX_PER_TICK})
        for rec in recs:
            if rec.status in lc.PAUSED or rec.status not in lc.OPEN or not rec.due_at:
                continue
            self.guarded("due", rec.request_id, lambda rec=rec: self._due_one(cal, rec, positive))

    def _due_one(self, cal: Any, rec: Any, positive: list[int]) -> None:
        due = clock.parse_iso(rec.due_at)
        if due <= self.now:
            self._overdue_one(cal, rec, due)
            return
        if not rec.assignee:
            return  # nobody to remind yet; the overdue escalation covers a queue that stays stuck
        left_days = cal.working_days_between(self.now, due)
        reached = [h for h in positive if left_days <= h / 24 + _EPS]
        if not reached:
            return
        for h in reached[:-1]:  # passed without being sent (a late tick, a moved due date): mark only
            if not _already(reminder_key(rec.request_id, f"due-{h}h@{rec.due_at}")):
                idem.claim(reminder_key(rec.request_id, f"due-{h}h@{rec.due_at}"), status="skipped")
        h = reached[-1]
        hours_left = round((due - self.now).total_seconds() / 3600, 1)
        ctx = {"request_id": rec.request_id, "kind": rec.kind, "status": rec.status, "due_at": rec.due_at,
               "hours_left": hours_left, "threshold_h": h, "audience": "admin"}
        if _once(reminder_key(rec.request_id, f"due-{h}h@{rec.due_at}"),
                 lambda: _enqueue("due_soon", f"due_soon#{rec.request_id}#{h}h@{rec.due_at}",
                                  to_user=rec.assignee, to_email=None, ctx=ctx)):
            self.counts["due_soon"] += 1

    def _overdue_one(self, cal: Any, rec: Any, due: datetime) -> None:
        day = int(cal.working_days_between(due, self.now) + _EPS)
        label = f"overdue-{day}@{rec.due_at}"
        key = reminder_key(rec.request_id, label)
        if _already(key):
            return
        base = {"request_id": rec.request_id, "kind": rec.kind, "status": rec.status, "due_at": rec.due_at,
                "overdue_day": day, "audience": "admin"}
        sups = self.supervisors()
        sent = {"overdue": 0, "overdue_supervisor": 0}

        def send() -> None:
            if rec.assignee:
                _enqueue("overdue", f"overdue#{rec.request_id}#{label}", to_user=rec.assignee, to_email=None,
                         ctx=base)
                sent["overdue"] = 1
            ctx = {**base, "operator_name": _operator_name(rec.assignee)}
            for uid, email in sups:
                who = uid or _digest(email or "")
                _enqueue("overdue_supervisor", f"overdue_supervisor#{rec.request_id}#{label}#{who}", to_user=uid,
                         to_email=email, ctx=ctx)
            sent["overdue_supervisor"] = len(sups)

        if _once(key, send):
            self.counts["overdue"] += sent["overdue"]
            self.counts["overdue_supervisor"] += sent["overdue_supervisor"]
            if not sups:
                obs.logger().warning("overdue request but no supervisor configured",
                                     extra={"request_id": rec.request_id})

    # -- approvals and producer escalations: their own SLAs (issue 20) ---------------------------------
    def _positive(self) -> list[int]:
        return sorted({int(h) for h in get_settings().reminder_thresholds_h if int(h) > 0}, reverse=True)

    def _threshold(self, cal: Any, due: datetime, positive: list[int], key_of: Callable[[int], str]) -> int | None:
        """The most urgent before-due threshold reached and not yet passed (earlier ones are marked passed)."""
        left_days = cal.working_days_between(self.now, due)
        reached = [h for h in positive if left_days <= h / 24 + _EPS]
        if not reached:
            return None
        for h in reached[:-1]:
            if not _already(key_of(h)):
                idem.claim(key_of(h), status="skipped")
        return reached[-1]

    def _send_all(self, event: str, key: str, recipients: list[tuple[str | None, str | None]],
                  ctx: dict[str, Any]) -> int:
        seen: set[str] = set()
        for uid, email in recipients:
            who = uid or _digest(email or "")
            if who in seen:
                continue
            seen.add(who)
            _enqueue(event, f"{event}#{key}#{who}", to_user=uid, to_email=email, ctx=ctx)
        return len(seen)

    def approvers(self, rec: Any) -> list[tuple[str | None, str | None]]:
        """Who decides: a zero-rupiah waiver the supervisors; a microdata abstract the operators on duty now
        (not the request's own consumer), or the supervisors when nobody is on duty."""
        if rec.transaction_type == "zero_rupiah":
            return self.supervisors()
        if self._on_duty is None:
            from chalicelib.delegation import service as delegation

            self._on_duty = sorted(c.operator_id for c in delegation.candidates() if c.active)
        ops = [(o, None) for o in self._on_duty if o != rec.consumer_id]
        return ops or self.supervisors()

    def approvals(self) -> None:
        from chalicelib.requests.repository import RequestRepository
        from chalicelib.requests.sla import calendar

        cal = calendar()
        positive = self._positive()
        recs, _ = RequestRepository().by_status(lc.AWAITING_APPROVAL, MAX_PER_TICK)
        if len(recs) >= MAX_PER_TICK:
            obs.logger().warning("approval reminder window truncated", extra={"limit": MAX_PER_TICK})
        for rec in recs:
            if rec.status == lc.AWAITING_APPROVAL and rec.approval is None:
                self.guarded("approval", rec.request_id, lambda rec=rec: self._approval_one(cal, rec, positive))

    def _approval_one(self, cal: Any, rec: Any, positive: list[int]) -> None:
        due_iso = approval_due(rec, cal)
        if not due_iso:
            return
        due = clock.parse_iso(due_iso)
        rid = rec.request_id
        ctx = {"request_id": rid, "kind": rec.kind, "status": rec.status, "due_at": due_iso,
               "expires_at": rec.approval_expires_at, "approval_label": approval_label(rec), "audience": "admin"}
        if due > self.now:
            h = self._threshold(cal, due, positive, lambda h: reminder_key(rid, f"approval-{h}h@{due_iso}"))
            if h is None:
                return
            hours = round((due - self.now).total_seconds() / 3600, 1)
            sent = {"n": 0}
            if _once(reminder_key(rid, f"approval-{h}h@{due_iso}"), lambda: sent.update(n=self._send_all(
                    "approval_due_soon", f"{rid}#{h}h@{due_iso}", self.approvers(rec), {**ctx, "hours_left": hours}))):
                self.counts["approval_due_soon"] += sent["n"]
            return
        day = int(cal.working_days_between(due, self.now) + _EPS)
        sent = {"n": 0}
        if _once(reminder_key(rid, f"approval-overdue@{due_iso}"), lambda: sent.update(n=self._send_all(
                "approval_overdue", f"{rid}@{due_iso}", self.approvers(rec), ctx))):
            self.counts["approval_overdue"] += sent["n"]
        if day >= int(get_settings().approval_head_after_days):
            who = ("supervisor layanan" if rec.transaction_type == "zero_rupiah"
                   else "operator yang bertugas (reviu abstraksi)")
            heads = service_heads()
            if _once(reminder_key(rid, f"approval-head@{due_iso}"), lambda: sent.update(n=self._send_all(
                    "approval_overdue_head", f"{rid}@{due_iso}", heads, {**ctx, "approvers_text": who}))):
                self.counts["approval_overdue_head"] += sent["n"]

    def unit_members(self, unit: str) -> list[tuple[str | None, str | None]]:
        if unit not in self._members:
            from chalicelib.escalation import service as escalation

            self._members[unit] = [(m.user_id, None) for m in escalation.members(unit)]
        return self._members[unit]

    def escalations(self) -> None:
        from chalicelib.escalation import service as escalation
        from chalicelib.requests.sla import calendar

        cal = calendar()
        positive = self._positive()
        reach = max(positive, default=0) / 24 * cal.office_seconds_per_day
        horizon = cal.add_office_time(self.now, timedelta(seconds=reach)) + timedelta(minutes=1)
        found = escalation.open_due_before(clock.iso(horizon), limit=MAX_PER_TICK)
        if len(found) >= MAX_PER_TICK:
            obs.logger().warning("escalation reminder window truncated", extra={"limit": MAX_PER_TICK})
        for e in found:
            if e.status == "open":
                self.guarded("escalation", e.request_id, lambda e=e: self._escalation_one(cal, e, positive))

    def _escalation_one(self, cal: Any, e: Any, positive: list[int]) -> None:
        from chalicelib.escalation import service as escalation

        due = clock.parse_iso(e.due_at)
        eid = e.escalation_id
        ctx = {"request_id": e.request_id, "kind": e.request_kind or None, "due_at": e.due_at, "unit": e.unit,
               "unit_name": escalation.unit_name(e.unit), "message_excerpt": e.question, "escalation_id": eid,
               "operator_name": e.asked_by_name or e.asked_by, "audience": "admin",
               "request_url": f"{get_settings().admin_url.rstrip('/')}/#/eskalasi/{eid}"}
        members = self.unit_members(e.unit)
        sent = {"n": 0}
        if due > self.now:
            h = self._threshold(cal, due, positive, lambda h: reminder_key(eid, f"due-{h}h@{e.due_at}"))
            if h is None:
                return
            hours = round((due - self.now).total_seconds() / 3600, 1)
            if _once(reminder_key(eid, f"due-{h}h@{e.due_at}"), lambda: sent.update(n=self._send_all(
                    "escalation_due_soon", f"{eid}#{h}h", members, {**ctx, "hours_left": hours}))):
                self.counts["escalation_due_soon"] += sent["n"]
            return
        # overdue: the unit's producers every working day it stays open; its head and the supervisors once
        day = int(cal.working_days_between(due, self.now) + _EPS)
        if _once(reminder_key(eid, f"overdue-{day}@{e.due_at}"), lambda: sent.update(n=self._send_all(
                "escalation_overdue", f"{eid}#{day}", members, ctx))):
            self.counts["escalation_overdue"] += sent["n"]
        head = escalation.unit_head(e.unit)
        bosses = [*([(head, None)] if head else []), *self.supervisors()]
        if _once(reminder_key(eid, f"overdue-head@{e.due_at}"), lambda: sent.update(n=self._send_all(
                "escalation_overdue_head", eid, bosses, ctx))):
            self.counts["escalation_overdue_head"] += sent["n"]

    # -- billings -------------------------------------------------------------------------------------
    def billings(self) -> None:
        from chalicelib.billing.models import BillingRecord

        h = int(get_settings().billing_reminder_h)
        if h <= 0:
            return
        window_end = self.now + timedelta(hours=h)
        unpaid = BillingRecord.by_status.query("unpaid", BillingRecord.created_at <= self.now_iso)
        for n, b in enumerate(unpaid, start=1):
            if n > MAX_PER_TICK:
                obs.logger().warning("billing reminder window truncated", extra={"limit": MAX_PER_TICK})
                break
            expires = clock.parse_iso(b.expires_at)
            if self.now < expires <= window_end:
                self.guarded("billing", b.request_id, lambda b=b, expires=expires: self._billing_one(b, expires, h))

    def _billing_one(self, b: Any, expires: datetime, h: int) -> None:
        from chalicelib.requests.repository import RequestRepository

        key = reminder_key(b.request_id, f"billing-{h}h@{b.billing_code}")
        if _already(key):
            return
        rec = RequestRepository().find(b.request_id)
        if rec is None or rec.status != lc.AWAITING_PAYMENT or rec.paid_at:
            return
        ctx = {"recipient_name": rec.consumer.name if rec.consumer else "", "request_id": rec.request_id,
               "kind": rec.kind, "billing_code": b.billing_code, "amount_idr": int(b.amount_idr),
               "expires_at": b.expires_at, "hours_left": round((expires - self.now).total_seconds() / 3600, 1),
               "portal": True}
        if _once(key, lambda: _enqueue("billing_expiring", f"billing_expiring#{b.billing_code}#{h}h",
                                       to_user=rec.consumer_id,
                                       to_email=rec.consumer.mail_to if rec.consumer else None, ctx=ctx)):
            self.counts["billing_expiring"] += 1
            from chalicelib.billing.models import BillingRecord

            try:
                b.update(actions=[BillingRecord.reminded_at.set(self.now_iso)])
            except Exception:  # noqa: BLE001 - informative only
                obs.logger().info("could not record reminded_at", extra={"request_id": rec.request_id})

    # -- delivered: rating prompt, auto-completion ------------------------------------------------------
    def delivered(self) -> None:
        from chalicelib.requests.repository import RequestRepository

        s = get_settings()
        rating_cutoff = clock.iso(self.now - timedelta(hours=s.rating_prompt_after_h))
        auto_cutoff = clock.iso(self.now - timedelta(days=s.auto_complete_after_days))
        recs = RequestRepository().delivered_before(max(rating_cutoff, auto_cutoff), limit=MAX_PER_TICK)
        for rec in recs:
            if rec.status != lc.DELIVERED or not rec.delivered_at:
                continue
            if rec.delivered_at <= auto_cutoff:
                self.guarded("auto_complete", rec.request_id, lambda rec=rec: self._auto_complete(rec))
            elif rec.delivered_at <= rating_cutoff and rec.rating is None:
                self.guarded("rating", rec.request_id, lambda rec=rec: self._rating_prompt(rec))

    def _rating_prompt(self, rec: Any) -> None:
        ctx = {"recipient_name": rec.consumer.name if rec.consumer else "", "request_id": rec.request_id,
               "kind": rec.kind, "portal": True}
        if _once(reminder_key(rec.request_id, "rating"),
                 lambda: _enqueue("rating_prompt", f"rating_prompt#{rec.request_id}", to_user=rec.consumer_id,
                                  to_email=rec.consumer.mail_to if rec.consumer else None, ctx=ctx)):
            self.counts["rating_prompt"] += 1

    def _auto_complete(self, rec: Any) -> None:
        from chalicelib.core.errors import Conflict
        from chalicelib.requests.repository import RequestRepository

        repo = RequestRepository()
        fresh = repo.find(rec.request_id)  # the index copy may be stale
        if fresh is None or fresh.status != lc.DELIVERED or fresh.rating is not None:
            return
        days = get_settings().auto_complete_after_days
        try:
            repo.transition(fresh, lc.COMPLETED, "system", f"selesai otomatis {days} hari setelah hasil dikirim",
                            set_={"completed_at": self.now_iso}, action="request.auto_completed")
        except Conflict:
            return  # rated or changed concurrently; the consumer's action wins
        self.counts["auto_completed"] += 1


def run() -> dict[str, int]:
    """One pass of every reminder rule; returns counts (for the tick's log line)."""
    r = _Run(clock.now())
    for name, step in (("due_dates", r.due_dates), ("billings", r.billings), ("delivered", r.delivered),
                       ("approvals", r.approvals), ("escalations", r.escalations)):
        try:
            step()
        except Exception:  # noqa: BLE001 - one rule failing must not starve the others
            r.counts["errors"] += 1
            obs.logger().exception("reminder rule failed", extra={"rule": name})
    for name, value in r.counts.items():
        if value and name != "errors":
            obs.count(f"Reminder_{name}", value)
    return r.counts

"""Privacy (issue 12): the caller's data export (`GET /me/export`), erasure by anonymization (`DELETE /me`),
and the retention policy's scheduled step.

Erasure keeps what the law requires and removes the rest
--------------------------------------------------------
* removed: the profile's name, email, phone and institution (the name becomes a pseudonym
  ``Pengguna-XXXXXXXX`` derived from the user id); the consumer contact on every request (pseudonym, no email,
  phone, institution); the texts the user wrote in conversations (consultation question, complaint text,
  rating comment, their message bodies); their in-app notifications and subscriptions.
* kept (state finance and archive rules): billings, the PNBP ledger rows (the payer name replaced by the
  pseudonym), the order contents (items, purpose, data-use abstract, zero-rupiah justification: the basis of a
  financial or data-access decision), the download log (who received which file), and the audit hash chains.
  Audit records are never rewritten: each anonymized request gets a ``privacy.anonymized`` event appended to its
  own chain (in the same transaction as the change), and the user's stream ``user#<id>`` one for the whole act.
* refused (409) while a request still needs the contact: any open request (submitted … escalated, e.g.
  awaiting payment or in progress). Delivered and closed requests do not block.
Erasure is idempotent: a repeated call finds nothing left to change and answers the same summary.

Retention (RETENTION_DAYS_MESSAGES): once a day the tick redacts the conversation bodies of closed requests
created more than that many days ago, walking the `all_requests` GSI from a stored watermark (Queries, a bounded
batch per day). In-app notifications carry a DynamoDB TTL (RETENTION_DAYS_NOTIFICATIONS).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from chalicelib.core import clock, idem, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict
from chalicelib.privacy import repository
from chalicelib.privacy.models import ERASED_TEXT, RETENTION_TEXT
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import Contact, MessageRecord, RequestRecord


def pseudonym(user_id: str) -> str:
    return "Pengguna-" + hashlib.sha256(f"silastik|{user_id}".encode()).hexdigest()[:8].upper()


def _requests_of(user_id: str) -> list[RequestRecord]:
    return repository.requests_of(user_id)


# --- export --------------------------------------------------------------------------------------------------
def _billing(code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    from chalicelib.billing.service import get_billing

    b = get_billing(code)
    if b is None:
        return None
    return {"billing_code": b.billing_code, "amount_idr": int(b.amount_idr), "status": b.status,
            "expires_at": b.expires_at, "ntpn": b.ntpn, "paid_at": b.paid_at}


def export(p: Principal) -> dict[str, Any]:
    """Everything the system holds about the caller as a person (their staff-facing internal notes are the
    office's work records and are not included; see README "Privacy")."""
    from chalicelib.delivery.models import DownloadRecord
    from chalicelib.notify import repository as notify_repository
    from chalicelib.notify import service as notify
    from chalicelib.requests.repository import RequestRepository
    from chalicelib.requests.service import to_out
    from chalicelib.subscriptions import service as subscriptions
    from chalicelib.users.service import UserService
    from chalicelib.users.service import to_out as profile_out

    profile = UserService().find(p.sub)
    repo = RequestRepository()
    requests, downloads = [], []
    for rec in _requests_of(p.sub):
        data = to_out(rec).model_dump(mode="json")
        data["consumer"] = {"name": rec.consumer.name, "email": rec.consumer.email, "phone": rec.consumer.phone,
                            "institution": rec.consumer.institution, "category": rec.consumer.category}
        data["purpose"], data["abstract"] = rec.purpose, rec.abstract
        data["zero_rupiah_justification"] = rec.zero_rupiah_justification
        data["messages"] = [{"msg_id": m.msg_id, "at": m.at, "author": m.author, "author_name": m.author_name,
                             "author_role": m.author_role, "body": m.body}
                            for m in repo.messages(rec.request_id, include_internal=False, limit=1000)]
        data["billing"] = _billing(rec.billing_code)
        requests.append(data)
        downloads += [{"request_id": rec.request_id, "at": d.at or d.at_id.split("#", 1)[0],
                       "deliverable_id": d.deliverable_id, "filename": d.filename, "expires_at": d.expires_at}
                      for d in DownloadRecord.query(rec.request_id) if d.user_id == p.sub]
    notifications = [notify.to_out(n) for n in notify_repository.all_for(p.sub)]
    s = get_settings()
    return {
        "exported_at": clock.iso(),
        "user_id": p.sub,
        "profile": profile_out(profile).model_dump(mode="json") if profile else None,
        "anonymized_at": profile.anonymized_at if profile else None,
        "requests": requests,
        "notifications": notifications,
        "subscriptions": subscriptions.list_for(p.sub),
        "downloads": downloads,
        "retention": {"messages_days": s.retention_days_messages,
                      "notifications_days": s.retention_days_notifications},
    }


# --- erasure -------------------------------------------------------------------------------------------------
def _ledger_rows(rec: RequestRecord) -> list[Any]:
    """The request's PNBP ledger rows: keyed by (month, "<at>#<request_id>"), `at` being the payment time
    (paid) or the approval time (zero rupiah) — a Query on that month around that time."""
    from chalicelib.billing.models import LedgerRecord
    from chalicelib.billing.service import month_of

    found: dict[tuple[str, str], Any] = {}
    for at in {s for s in (rec.paid_at, rec.approval.at if rec.approval else None) if s}:
        t = clock.parse_iso(at)
        lo, hi = clock.iso(t - timedelta(seconds=30)), clock.iso(t + timedelta(seconds=30)) + "~"
        for month in {month_of(lo), month_of(clock.iso(t + timedelta(seconds=30)))}:
            for row in LedgerRecord.query(month, LedgerRecord.entry_key.between(lo, hi),
                                          filter_condition=LedgerRecord.request_id == rec.request_id):
                found[(row.month, row.entry_key)] = row
    return list(found.values())


def _anonymize_request(rec: RequestRecord, user_id: str, name: str) -> bool:
    from chalicelib.requests.repository import RequestRepository

    c = rec.consumer
    changes: dict[str, Any] = {}
    if c is None or c.name != name or c.email or c.phone or c.institution:
        changes["consumer"] = Contact(name=name, email="", category=c.category if c else None)
    if rec.question and rec.question != ERASED_TEXT:
        changes["question"] = ERASED_TEXT
    if rec.message and rec.message != ERASED_TEXT:
        changes["message"] = ERASED_TEXT
    if rec.rating is not None and rec.rating.comment:
        rating = rec.rating
        rating.comment = ""
        changes["rating"] = rating
    if not changes:
        return False
    attrs = RequestRecord.get_attributes()
    RequestRepository().append_audit(
        rec, user_id, "privacy.anonymized", {"fields": sorted(changes)},
        condition=RequestRecord.status == rec.status, actions=[attrs[k].set(v) for k, v in changes.items()])
    return True


def _record_user_event(user_id: str, data: dict[str, Any]) -> None:
    from chalicelib.audit.models import AuditRecord, make_record

    stream = f"user#{user_id}"
    last = next(iter(AuditRecord.query(stream, scan_index_forward=False, limit=1)), None)
    seq = int(last.seq) + 1 if last else 1
    rec = make_record(stream, seq, last.hash if last else "", clock.iso(), user_id, "privacy.anonymized", data)
    rec.save(condition=AuditRecord.seq.does_not_exist())


def anonymize(p: Principal) -> dict[str, Any]:
    from chalicelib.notify.models import NotificationRecord
    from chalicelib.subscriptions import service as subscriptions
    from chalicelib.users.models import UserRecord

    requests = _requests_of(p.sub)
    blocking = sorted(r.request_id for r in requests if r.status in lc.OPEN)
    if blocking:
        raise Conflict("some of your requests are still in progress and need your contact details; cancel them "
                       "or wait until they are finished", code="requests_in_progress",
                       details={"request_ids": blocking[:50]})
    name = pseudonym(p.sub)
    out = {"requests": 0, "messages": 0, "ledger_rows": 0, "notifications": 0, "subscriptions": 0}
    for rec in requests:
        out["requests"] += _anonymize_request(rec, p.sub, name)
        out["attachments"] = out.get("attachments", 0) + _purge_attachments(rec, p.sub, "erasure")
        for m in MessageRecord.query(rec.request_id):
            if m.author == p.sub and (m.body != ERASED_TEXT or m.author_name != name):
                m.update(actions=[MessageRecord.body.set(ERASED_TEXT), MessageRecord.author_name.set(name),
                                  MessageRecord.redacted_at.set(clock.iso())])
                out["messages"] += 1
        for row in _ledger_rows(rec):
            if row.consumer_name != name:
                row.update(actions=[type(row).consumer_name.set(name)])
                out["ledger_rows"] += 1
    with NotificationRecord.batch_write() as batch:
        for n in NotificationRecord.query(p.sub):
            batch.delete(n)
            out["notifications"] += 1
    out["subscriptions"] = subscriptions.delete_all(p.sub)
    now = clock.iso()
    try:
        profile = UserRecord.get(p.sub)
    except UserRecord.DoesNotExist:
        profile = UserRecord(user_id=p.sub, roles=sorted(p.roles), created_at=now, updated_at=now)
    first = not profile.anonymized_at
    profile.name = name
    profile.email = profile.phone = profile.institution = None
    profile.anonymized_at = profile.anonymized_at or now
    profile.updated_at = now
    profile.save()
    if first or any(out.values()):
        _record_user_event(p.sub, dict(out))
    obs.count("UserAnonymized")
    obs.logger().info("user anonymized", extra={"counts": out})
    return {"user_id": p.sub, "pseudonym": name, "anonymized_at": profile.anonymized_at, **out}


def _purge_attachments(rec: RequestRecord, actor: str, reason: str) -> int:
    """The consumer's documents (scans of letters, IDs) go with the conversation: objects deleted, entries marked."""
    if not any(a.status != "deleted" for a in rec.attachments or []):
        return 0
    from chalicelib.attachments.service import AttachmentService

    return AttachmentService().purge(rec, actor, reason)


# --- retention -----------------------------------------------------------------------------------------------
def retention_tick() -> dict[str, Any] | str:
    """Once per local day (the first tick claims the day)."""
    from chalicelib.catalog.releases import today

    if not idem.claim(f"retention#{today().isoformat()}", ttl_days=7):
        return "done today"
    return apply_retention()


def apply_retention(limit: int | None = None) -> dict[str, Any]:
    """Redact the conversation bodies of closed requests created before the retention cutoff, oldest first
    from the stored watermark (`all_requests` GSI Query, bounded batch). Stops at the first still-open request
    so that none is skipped."""
    s = get_settings()
    limit = limit or s.retention_batch
    cutoff = clock.iso(clock.now() - timedelta(days=s.retention_days_messages))
    mark = repository.watermark()
    wm = (str(mark.get("created_at") or ""), str(mark.get("request_id") or ""))
    out = {"examined": 0, "requests": 0, "messages": 0, "waiting_on": None}
    new_wm = wm
    for rec in RequestRecord.all_requests.query("REQ", RequestRecord.created_at.between(wm[0] or "0", cutoff),
                                                limit=limit + 1):
        if (rec.created_at, rec.request_id) <= wm:
            continue
        if out["examined"] >= limit:
            break
        out["examined"] += 1
        if rec.status not in lc.TERMINAL:
            out["waiting_on"] = rec.request_id
            break
        n = 0
        for m in MessageRecord.query(rec.request_id):
            if not m.redacted_at:
                m.update(actions=[MessageRecord.body.set(RETENTION_TEXT), MessageRecord.redacted_at.set(clock.iso())])
                n += 1
        out["messages"] += n
        gone = _purge_attachments(rec, "system:retention", "retention")
        out["attachments"] = out.get("attachments", 0) + gone
        out["requests"] += bool(n or gone)
        new_wm = (rec.created_at, rec.request_id)
    if new_wm != wm:
        repository.save_watermark(new_wm[0], new_wm[1])
    return out

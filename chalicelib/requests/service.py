"""Request use cases: submission, intake, pricing, reading, the conversation and the due date. The actions
that move a request along its workflow (cancel, rate, start, complete, approve, reassign) compose other
capabilities and live in chalicelib.fulfilment.actions. AWS access stays in the repositories and adapters."""

from __future__ import annotations

import secrets
from datetime import UTC
from typing import Any

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
)
from chalicelib.core.types import plain_or
from chalicelib.requests import access
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import Contact, MessageRecord, OrderItem, Project, RequestRecord
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.schemas import (
    ComplaintIn,
    ConsultationIn,
    DataOrderIn,
    MessageOut,
    OpsListQuery,
    OpsRequestOut,
    RequestOut,
)
from chalicelib.requests.sla import calendar, sla_days
from chalicelib.users.service import token_email

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_request_id() -> str:
    now = clock.now()
    return f"R{now:%y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


def to_out(rec: RequestRecord) -> RequestOut:
    return RequestOut(**_common(rec))


def survey_of(rating: Any) -> dict[str, int] | None:
    """The IKM answers stored with a rating ({element: 1..4}), or None."""
    raw = getattr(rating, "survey", None)
    if raw is None:
        return None
    values = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return {str(k): int(v) for k, v in values.items()} or None


def _common(rec: RequestRecord) -> dict[str, Any]:
    return dict(
        request_id=rec.request_id, kind=rec.kind, status=rec.status, channel=rec.channel,
        transaction_type=rec.transaction_type, total_idr=int(rec.total_idr or 0), created_at=rec.created_at,
        updated_at=rec.updated_at, due_at=rec.due_at, assignee=rec.assignee, topic=rec.topic,
        subject=rec.subject, question=rec.question, message=rec.message, about_request_id=rec.about_request_id,
        items=[{"catalog_id": i.catalog_id, "title": i.title, "type": i.type, "access": i.access,
                "price_idr": int(i.price_idr or 0)} for i in (rec.items or [])],
        purpose=rec.purpose, custom_request=rec.custom_request, needs_approval=bool(rec.needs_approval),
        billing_code=rec.billing_code, paid_at=rec.paid_at, delivered_at=rec.delivered_at,
        completed_at=rec.completed_at, closed_reason=rec.closed_reason, merged_into=rec.merged_into,
        merged=list(rec.merged or []),
        rating=({"score": int(rec.rating.score), "comment": rec.rating.comment, "at": rec.rating.at,
                 "survey": survey_of(rec.rating)} if rec.rating else None),
        abstract=rec.abstract, agreement_version=rec.agreement_version, agreement_accepted_at=rec.agreement_accepted_at,
        project=rec.project.as_dict() if rec.project else None,
        review=({"comment": rec.review.comment, "by": rec.review.by, "at": rec.review.at,
                 "revision": int(rec.review.revision or 1), "resubmitted_at": rec.review.resubmitted_at}
                if rec.review else None),
        timeline=[{"at": t.at, "status": t.status, "actor": t.actor, "note": t.note or ""} for t in rec.timeline or []],
        awaiting=_awaiting(rec), quote=_quote(rec),
        billing_delayed=rec.status == lc.SUBMITTED and rec.problem in BILLING_DELAYED,
    )


#: the request's `problem` while the billing provider could not issue its billing (fulfilment.payment)
BILLING_DELAYED = frozenset({"billing_unavailable", "BillingUnavailable"})


def _awaiting(rec: RequestRecord) -> dict[str, Any] | None:
    """consumer loop (issue 19): what the desk waits for, while the request waits on the consumer."""
    w = rec.consumer_wait
    if w is None or rec.status != lc.AWAITING_CONSUMER:
        return None
    return {"kind": w.kind, "text": w.text or "", "by": w.by, "at": w.at, "answer_by": w.answer_by}


def _quote(rec: RequestRecord) -> dict[str, Any] | None:
    q = rec.quote
    if q is None:
        return None
    return {"quote_id": q.quote_id, "total_idr": int(q.total_idr or 0), "note": q.note or "", "by": q.by,
            "at": q.at, "status": q.status, "decided_at": q.decided_at, "reason": q.reason,
            "lines": [{"code": ln.code, "service": ln.service, "unit": ln.unit,
                       "unit_price_idr": int(ln.unit_price_idr), "quantity": int(ln.quantity),
                       "amount_idr": int(ln.amount_idr)} for ln in q.lines or []]}


def to_ops_out(rec: RequestRecord) -> OpsRequestOut:
    now = clock.iso()
    overdue = bool(rec.due_at and rec.status in lc.OPEN and rec.status not in lc.PAUSED and rec.due_at < now)
    c = rec.consumer
    return OpsRequestOut(
        **_common(rec), consumer_id=rec.consumer_id,
        consumer={"name": c.name, "email": c.email, "phone": c.phone, "institution": c.institution,
                  "category": c.category, "nik": c.nik_masked, "handover_desk": c.desk} if c else {},
        zero_rupiah_justification=rec.zero_rupiah_justification,
        approval=({"decision": rec.approval.decision, "by": rec.approval.by, "at": rec.approval.at,
                   "reason": rec.approval.reason} if rec.approval else None),
        overdue=overdue, problem=rec.problem, sla_days=int(rec.sla_days or 0), legacy_id=rec.legacy_id,
        approval_due_at=rec.approval_due_at, approval_expires_at=rec.approval_expires_at, attention=rec.attention,
    )


def accepted_agreement(version: str | None) -> str:
    """The data-use agreement version a consumer accepts: the one in effect (an older one is 409, so they read the
    new text first; an unknown one 400). None = the version in effect (clients that send agreement_accepted)."""
    from chalicelib.requests import agreement

    current = agreement.current()
    if version is None or version == current.version:
        return current.version
    if agreement.get(version) is None:
        raise BadRequest("unknown data-use agreement version", code="unknown_agreement_version",
                         details={"current_version": current.version})
    raise Conflict("a newer data-use agreement is in effect; read and accept it", code="agreement_outdated",
                   details={"current_version": current.version})


class NoUnits:
    @staticmethod
    def of(p: Principal, rec: RequestRecord) -> access.Units:
        return access.Units()


class RequestService:
    """`repo`, `catalog` (CatalogRepository: get_many), `users` (UserService: find, link_by_email) and
    `start_workflow` (requests.workflow.start) can be replaced by in-memory fakes (tests/fakes.py); the defaults
    are the DynamoDB and Step Functions ones."""

    def __init__(self, repo: RequestRepository | None = None, catalog: Any = None, users: Any = None,
                 start_workflow: Any = None, units: Any = None) -> None:
        self.repo = repo or RequestRepository()
        self._catalog = catalog
        self._users = users
        self._start = start_workflow
        # producer units (`of(principal, rec) -> access.Units`): escalation sits above requests, so the entry
        # point that serves producers passes it in (app.py); without it a producer sees no request
        self.units = units or NoUnits()

    @property
    def catalog(self) -> Any:
        if self._catalog is None:
            from chalicelib.catalog.repository import CatalogRepository

            self._catalog = CatalogRepository()
        return self._catalog

    @property
    def users(self) -> Any:
        if self._users is None:
            from chalicelib.users.service import UserService

            self._users = UserService()
        return self._users

    # --- submission --------------------------------------------------------------------------------
    def submit(self, p: Principal, body: Any, *, request_id: str | None = None, channel: str = "portal",
               note: str = "") -> RequestRecord:
        """`request_id`/`channel`/`note`: for orders the system places for the consumer (a subscription's
        automatic order uses an id derived from the subscription and the item, so a retry cannot order twice)."""
        if request_id is None:  # the consumer's own submission (not an order the system places)
            self._check_open_cap(p.sub)
        profile = self.users.find(p.sub)
        email = (profile.email if profile else None) or token_email(p)  # verified addresses only
        contact = Contact(
            name=(profile.name if profile else "") or plain_or(p.name, p.sub),
            email=email or "", email_verified=bool(email),
            phone=profile.phone if profile else None,
            institution=profile.institution if profile else None,
            category=profile.category if profile else None,
        )
        internal = "staff" in p.roles
        return self._create(body, consumer_id=p.sub, contact=contact, channel=channel, actor=p.sub,
                            internal=internal, note=note, request_id=request_id)

    # --- profile and identity (SPEC §8: only verified addresses link records or get mail) ------------------
    def me(self, p: Principal) -> Any:
        rec, verified_now = self.users.sync(p)
        if verified_now:
            self.claim_offline(p, verified_now)
        return rec

    def update_profile(self, p: Principal, body: Any) -> Any:
        """PUT /me; a new e-mail address gets a code by e-mail (outbox, with the code), and counts only once
        confirmed."""
        import secrets

        from chalicelib.notify import outbox

        def code_mail(address: str, code: str) -> Any:
            # one mail per code: two codes issued within a second (a double submit, a typo corrected at once) share
            # the expiry, and the notify worker's de-duplication by key would drop the second — the valid — one
            return outbox.notice("email_verification", key=f"verify#{p.sub}#{secrets.token_hex(8)}", to_email=address,
                                 ctx={"code": code, "portal": True,
                                      "request_url": get_settings().portal_url.rstrip("/") + "/#/profil"})

        return self.users.update(p, body, code_mail)[0]

    def verify_email(self, p: Principal, code: str) -> Any:
        rec = self.users.verify_email(p, code)
        self.claim_offline(p, rec.email)
        return rec

    def claim_offline(self, p: Principal, email: str) -> int:
        """The requests the desk logged for this (now verified) address move to its owner's account."""
        offline = self.users.unclaimed_offline(email)
        if offline is None:
            return 0
        moved, cursor = 0, None
        while True:
            items, cursor = self.repo.by_consumer(offline.user_id, 100, cursor)
            for rec in items:
                contact = rec.consumer or Contact()
                contact.email, contact.email_verified = email, True
                self.repo.update_fields(rec, {"consumer_id": p.sub, "consumer": contact})
                moved += 1
            if not cursor:
                break
        self.users.mark_claimed(offline, p.sub)
        obs.logger().info("offline profile claimed", extra={"requests": moved})
        return moved

    def _check_open_cap(self, consumer_id: str) -> None:
        """One consumer may hold at most `max_open_requests` open requests (abuse limit: one account must not
        fill every operator's quota)."""
        cap = get_settings().max_open_requests
        if cap <= 0:
            return
        open_now = self.repo.count_open(consumer_id)
        if open_now >= cap:
            raise TooManyRequests(f"at most {cap} open requests at a time; wait until one is finished",
                                  code="too_many_open_requests", retry_after=600,
                                  details={"open_requests": open_now, "max_open_requests": cap})

    def intake(self, p: Principal, body: Any) -> RequestRecord:
        c = body.consumer
        if c.email:
            user, verified = self.users.link_by_email(c.name, str(c.email), c.phone, c.institution, c.category)
            contact = Contact(name=c.name, email=str(c.email).lower(), email_verified=verified, phone=c.phone,
                              institution=c.institution, category=c.category)
        else:  # a walk-in or caller without e-mail: tracked by the request number, notices to the desk
            from chalicelib.users.service import mask_nik

            user = self.users.link_offline(c.name, c.phone, c.nik, c.institution, c.category, desk=p.sub)
            contact = Contact(name=c.name, email="", email_verified=False, phone=c.phone,
                              institution=c.institution, category=c.category,
                              nik_masked=mask_nik(c.nik) if c.nik else None, desk=p.sub)
        return self._create(body.request, consumer_id=user.user_id, contact=contact, channel=body.channel,
                            actor=p.sub, internal=False, note=f"dicatat oleh {p.sub} via {body.channel}")

    def _create(self, body: Any, *, consumer_id: str, contact: Contact, channel: str, actor: str,
                internal: bool, note: str = "", request_id: str | None = None) -> RequestRecord:
        now = clock.now()
        kind = body.kind
        rec = RequestRecord(
            request_id=request_id or new_request_id(), kind=kind, channel=channel, status=lc.SUBMITTED,
            consumer_id=consumer_id, consumer=contact, created_by=actor, created_at=clock.iso(now),
            updated_at=clock.iso(now), sla_days=sla_days(kind), total_idr=0, transaction_type=None,
        )
        if isinstance(body, ConsultationIn):
            rec.topic, rec.subject, rec.question = body.topic, body.subject, body.question
            rec.transaction_type = "free"
        elif isinstance(body, ComplaintIn):
            rec.message, rec.about_request_id = body.message, body.about_request_id
            if body.about_request_id:
                about = self.repo.find(body.about_request_id)
                if about is None or about.consumer_id != consumer_id:
                    raise BadRequest("about_request_id does not name one of your requests")
            rec.transaction_type = "free"
        elif isinstance(body, DataOrderIn):
            self._price_order(rec, body, internal)
        else:  # pragma: no cover - the schema's discriminator makes this unreachable
            raise BadRequest("unknown kind")
        rec.due_at = clock.iso(calendar().add_working_days(now, int(rec.sla_days)))
        self.repo.create(rec, actor, note)
        obs.count("RequestSubmitted")
        if self._start is None:
            from chalicelib.requests import workflow

            self._start = workflow.start
        self._start(rec.request_id)
        return rec

    def _price_order(self, rec: RequestRecord, body: DataOrderIn, internal: bool) -> None:
        if not body.items and not body.custom_request:
            raise BadRequest("a data order needs catalog items or a custom_request")
        found = self.catalog.get_many([i.catalog_id for i in body.items])
        missing = [i.catalog_id for i in body.items if i.catalog_id not in found]
        if missing:
            raise BadRequest("unknown catalog items", details={"missing": missing})
        items = []
        total = 0
        microdata = False
        for i in body.items:
            c = found[i.catalog_id]
            if c.status != "published":
                raise BadRequest(f"catalog item {c.id} is not available for ordering")
            items.append(OrderItem(catalog_id=c.id, title=c.title, type=c.type, access=c.access,
                                   price_idr=int(c.price_idr or 0)))
            total += int(c.price_idr or 0)
            microdata = microdata or c.type == "microdata" or c.access == "restricted"
        rec.items = items
        rec.purpose = body.purpose
        rec.custom_request = body.custom_request
        rec.abstract = body.abstract
        rec.agreement_accepted = body.agreement_accepted
        if microdata:
            if not body.abstract:
                raise BadRequest("microdata orders need a data-use abstract (abstract)")
            if not body.agreement_accepted and body.agreement_version is None:
                raise BadRequest("microdata orders need the data-use agreement accepted (agreement_version)")
            rec.agreement_version = accepted_agreement(body.agreement_version)
            rec.agreement_accepted, rec.agreement_accepted_at = True, clock.iso()
            if body.project is not None:
                rec.project = Project(**body.project.model_dump())
        if internal:
            ttype = "internal"
        elif body.zero_rupiah_justification and total > 0:
            ttype = "zero_rupiah"
            rec.zero_rupiah_justification = body.zero_rupiah_justification
        elif total > 0:
            ttype = "paid"
        else:
            ttype = "free"
        rec.transaction_type = ttype
        rec.total_idr = total if ttype == "paid" else 0
        rec.needs_approval = microdata or ttype == "zero_rupiah"
        rec.needs_billing = ttype == "paid"

    # --- reading -----------------------------------------------------------------------------------
    def get_own(self, p: Principal, request_id: str) -> RequestRecord:
        """Consumer routes: only the owner; staff use /ops. Another's request is 404 (no existence leak)."""
        rec = self.repo.find(request_id)
        if rec is None or rec.consumer_id != p.sub:
            raise NotFound("request not found")
        return rec

    def list_mine(self, p: Principal, page_size: int, cursor: str | None) -> tuple[list[RequestRecord], str | None]:
        items, cursor = self.repo.by_consumer(p.sub, page_size, cursor)
        # desk: a duplicate merged into another request is shown as that one (its detail still points there)
        return [r for r in items if not r.merged_into], cursor

    def list_ops(self, p: Principal, q: OpsListQuery) -> tuple[list[RequestRecord], str | None]:
        assignee = q.assignee
        # operators see their own requests, plus the unassigned ones waiting for an operator's approval
        # (microdata abstracts); supervisors see all
        if not p.is_supervisor and not (q.status == lc.AWAITING_APPROVAL and "operator" in p.roles):
            if assignee and assignee != p.sub:
                raise Forbidden("operators see their own requests; supervisors see all")
            assignee = p.sub
        due_before = None
        if q.due_before:
            try:
                due_before = clock.iso(clock.parse_iso(q.due_before))
            except ValueError as exc:
                raise BadRequest("due_before must be an ISO-8601 timestamp") from exc
        if q.status:
            items, cursor = self.repo.by_status(q.status, q.page_size, q.cursor, due_before)
            if assignee:
                items = [r for r in items if r.assignee == assignee]
        elif assignee:
            items, cursor = self.repo.by_assignee(assignee, q.page_size, q.cursor)
            if due_before:
                items = [r for r in items if r.due_at and r.due_at < due_before]
        else:
            items, cursor = self.repo.all(q.page_size, q.cursor)
            if due_before:
                items = [r for r in items if r.due_at and r.due_at < due_before]
        if q.kind:
            items = [r for r in items if r.kind == q.kind]
        return items, cursor

    def my_queue(self, p: Principal) -> list[RequestRecord]:
        items = self.repo.active_for(p.sub)
        return sorted(items, key=lambda r: (r.due_at or "9999", r.created_at))

    def ops_get(self, p: Principal, request_id: str, need: str = access.READ) -> RequestRecord:
        """A request for a staff route, through the access policy (chalicelib/requests/access.py): outside it
        the request does not exist (404); acting on one's own request is refused (403). Every staff read of a
        request (which carries the consumer's personal data) is logged, without that data."""
        rec = self.repo.find(request_id)
        units = self.units.of(p, rec) if rec is not None and "producer" in p.roles else None
        if rec is None or not access.visible(p, rec, units):
            raise NotFound("request not found")
        if not access.separation_of_duties(p, rec, need):
            raise Forbidden("separation of duties: you cannot approve, handle or supervise your own request",
                            code="separation_of_duties")
        if not access.allowed(p, rec, need):
            raise Forbidden(f"not allowed to {need} this request")
        obs.logger().info("staff access to a request", extra={"request_id": rec.request_id, "staff": p.sub,
                                                               "need": need})
        return rec

    # --- conversation ------------------------------------------------------------------------------
    def messages(self, p: Principal, request_id: str, staff_view: bool) -> list[MessageOut]:
        rec = self.ops_get(p, request_id) if staff_view else self.get_own(p, request_id)
        msgs = self.repo.messages(rec.request_id, include_internal=staff_view)
        return [MessageOut(msg_id=m.msg_id, at=m.at, author=m.author, author_name=m.author_name,
                           author_role=m.author_role, body=m.body, internal=bool(m.internal),
                           attachments=[dict(a) for a in (m.attachments or []) if isinstance(a, dict)]) for m in msgs]

    def message_attachments(self, p: Principal, request_id: str, ids: list[str]) -> list[dict[str, str]]:
        """The attachments a consumer's message is to carry, checked before it is posted: each a verified
        attachment of this request that the caller uploaded (chalicelib/attachments). No ids, no read."""
        if not ids:
            return []
        rec = self.get_own(p, request_id)
        ready = {a.attachment_id: a for a in rec.attachments or [] if a.status == "ready" and a.uploaded_by == p.sub}
        missing = [i for i in ids if i not in ready]
        if missing:
            raise BadRequest("attach only your verified attachments of this request", code="attachment_not_ready",
                             details={"attachment_ids": missing})
        return [{"attachment_id": i, "filename": ready[i].filename} for i in dict.fromkeys(ids)]

    def attach_to_message(self, request_id: str, msg: MessageOut, files: list[dict[str, str]]) -> MessageOut:
        """Record on the message just posted which attachments it carries."""
        if not files:
            return msg
        MessageRecord(request_id=request_id, msg_id=msg.msg_id).update(
            actions=[MessageRecord.attachments.set(files)], condition=MessageRecord.msg_id.exists())
        return msg.model_copy(update={"attachments": files})

    def post_message(self, p: Principal, request_id: str, body: str, internal: bool, staff_view: bool,
                     rec: RequestRecord | None = None) -> MessageOut:
        """`rec`: the request, when the caller has just read it for the same principal (fulfilment/consumer.py)."""
        from chalicelib.notify import outbox

        if rec is None:
            rec = self.ops_get(p, request_id, access.HANDLE) if staff_view else self.get_own(p, request_id)
        if rec.status in lc.TERMINAL and rec.status != lc.COMPLETED:
            raise Conflict("the request is closed")
        if internal and not staff_view:
            raise Forbidden("only staff can write internal notes")
        now = clock.iso()
        role = "staff" if staff_view else "consumer"
        stamp = clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # sortable to the microsecond
        msg = MessageRecord(request_id=rec.request_id, msg_id=f"{stamp}#{secrets.token_hex(4)}", at=now,
                            author=p.sub, author_name=p.name or p.sub, author_role=role, body=body,
                            internal=internal)
        notices = []
        if not internal:  # the other side's notice, in the message's own transaction (the outbox relays it)
            excerpt = body[:200]
            if staff_view:
                notices.append(outbox.notice(
                    "new_message", key=f"msg#{msg.msg_id}#{rec.request_id}", to_user=rec.consumer_id,
                    to_email=rec.consumer.mail_to if rec.consumer else None,
                    ctx={"recipient_name": rec.consumer.name if rec.consumer else "", "request_id": rec.request_id,
                         "kind": rec.kind, "message_excerpt": excerpt, "portal": True}))
            elif rec.assignee:
                notices.append(outbox.notice(
                    "new_message", key=f"msg#{msg.msg_id}#{rec.request_id}", to_user=rec.assignee,
                    ctx={"request_id": rec.request_id, "kind": rec.kind, "message_excerpt": excerpt}))
        self.repo.add_message(msg, notices)
        if staff_view and not internal and not rec.first_response_at:
            self._first_response(rec, now)
        return MessageOut(msg_id=msg.msg_id, at=msg.at, author=msg.author, author_name=msg.author_name,
                          author_role=role, body=body, internal=internal)

    def _first_response(self, rec: RequestRecord, at: str) -> None:
        """Stamp the desk's first reply to the consumer once (the first-response time of the reports)."""
        for attempt in range(2):
            try:
                self.repo.update_fields(rec, {"first_response_at": at},
                                        condition=RequestRecord.first_response_at.does_not_exist())
                return
            except Conflict:
                rec = self.repo.get(rec.request_id)
                if rec.first_response_at or attempt:
                    return

    def change_due(self, rec: RequestRecord, actor: str, due: str, note: str) -> RequestRecord:
        if rec.status not in lc.OPEN:
            raise Conflict("the request is closed")
        return self.repo.transition(rec, rec.status, actor, note or f"tenggat diubah ke {due}",
                                    set_={"due_at": due}, action="request.due_changed", audit_data={"due_at": due})

    def escalate_status(self, rec: RequestRecord, actor: str, note: str, escalation_id: str,
                        also: Any = None) -> RequestRecord:
        return self.repo.transition(rec, lc.ESCALATED, actor, note, set_={"escalation_id": escalation_id},
                                    also=also)

    def resume_from_escalation(self, rec: RequestRecord, actor: str, note: str, also: Any = None) -> RequestRecord:
        return self.repo.transition(rec, lc.IN_PROGRESS, actor, note, remove=["escalation_id"], also=also)


"""Data access for requests: conditional, versioned transitions that append to the timeline and to the
audit hash chain in one DynamoDB transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.audit.models import make_record
from chalicelib.core import clock, outbox
from chalicelib.core.db import connection, decode_cursor, encode_cursor
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.outbox import Message
from chalicelib.requests import kpi, lifecycle
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import MessageRecord, RequestRecord, TimelineEntry
from chalicelib.requests.sla import pause_changes

NO_DUE = "9999-12-31T00:00:00+00:00"


def due_sort(due_at: str | None, created_at: str) -> str:
    return f"{due_at or NO_DUE}#{created_at}"


def derived(status: str, assignee: str | None, due_at: str | None, created_at: str) -> tuple[dict[str, Any], list[str]]:
    """Sparse GSI attributes follow the status; returns (set, remove)."""
    sets: dict[str, Any] = {"due_sort": due_sort(due_at, created_at)}
    removes: list[str] = []
    if status in lifecycle.OPEN and due_at:
        sets["open_shard"] = "OPEN"
    else:
        removes.append("open_shard")
    if status in lifecycle.IN_PROCESS and assignee:
        sets["active_assignee"] = assignee
    else:
        removes.append("active_assignee")
    if status == lifecycle.DELIVERED:
        sets["delivered_shard"] = "D"
    else:
        removes.append("delivered_shard")
    return sets, removes


class RequestRepository:
    def get(self, request_id: str, consistent: bool = True) -> RequestRecord:
        try:
            return RequestRecord.get(request_id, consistent_read=consistent)
        except DoesNotExist as exc:
            raise NotFound("request not found") from exc

    def find(self, request_id: str) -> RequestRecord | None:
        try:
            return RequestRecord.get(request_id, consistent_read=True)
        except DoesNotExist:
            return None

    def create(self, rec: RequestRecord, actor: str, note: str = "") -> RequestRecord:
        part = self.create_in(rec, actor, note)
        try:
            with TransactWrite(connection=connection()) as tx:
                part(tx)
        except TransactWriteError as exc:
            raise Conflict("request already exists", code="duplicate") from exc
        return rec

    @staticmethod
    def create_in(rec: RequestRecord, actor: str, note: str = "") -> Callable[[TransactWrite], None]:
        """The new request (conditional: it does not exist yet) and its first audit record as a part of another
        transaction (e.g. a follow-up request created with the change that closes the work item asking for it);
        `rec` gets its timeline and audit head at once."""
        now = rec.created_at
        rec.timeline = [TimelineEntry(at=now, status=rec.status, actor=actor, note=note)]
        sets, _ = derived(rec.status, rec.assignee, rec.due_at, rec.created_at)
        for k, v in sets.items():
            setattr(rec, k, v)
        audit = make_record(rec.request_id, 1, "", now, actor, "request.created",
                            {"status": rec.status, "kind": rec.kind, "total_idr": int(rec.total_idr or 0)})
        rec.audit_seq = 1
        rec.audit_head = audit.hash

        def add(tx: TransactWrite) -> None:
            tx.save(rec, condition=RequestRecord.request_id.does_not_exist())
            tx.save(audit, condition=type(audit).seq.does_not_exist())
        return add

    def transition(
        self,
        rec: RequestRecord,
        to: str,
        actor: str,
        note: str = "",
        *,
        set_: dict[str, Any] | None = None,
        remove: Iterable[str] = (),
        action: str | None = None,
        audit_data: dict[str, Any] | None = None,
        also: Callable[[TransactWrite], None] | None = None,
        effects: Effects | None = None,
    ) -> RequestRecord:
        """Move `rec` to status `to` (or, with to == rec.status, record an event without a status change).
        Conditional on the status and version we read: a concurrent actor gets 409, never a lost update.
        `effects`: the workflow answer, further transaction parts and the after-commit messages (outbox), all
        committed with the change; the answer is sent after the commit."""
        effects = effects or Effects()
        frm = rec.status
        set_ = {**(set_ or {}), **effects.sets}
        remove = [r for r in [*remove, *effects.removes] if r not in set_]
        actions, condition, audit, set_, remove, entry = self._changes(rec, to, actor, note, set_, remove, action,
                                                                       audit_data)
        self._commit(rec, actions, condition, audit, [also, *effects.tx_parts()])
        self._applied(rec, to, entry, set_, remove)
        effects.after_commit()
        if to == lifecycle.DELIVERED and frm != to:
            kpi.delivered(rec)
        return rec

    def transition_in(self, rec: RequestRecord, to: str, actor: str, note: str = "", *,
                      set_: dict[str, Any] | None = None, action: str | None = None,
                      audit_data: dict[str, Any] | None = None
                      ) -> tuple[Callable[[TransactWrite], None], Callable[[], RequestRecord]]:
        """`transition` of a second request as a part of another request's transaction (a merge: the duplicate
        closes and the primary records it, atomically), with the same conditions (status and version read)
        and the same timeline entry and audit record. Returns (part, done): `done()` after the commit brings
        `rec` up to date, as `transition` does."""
        actions, condition, audit, set_, remove, entry = self._changes(rec, to, actor, note, dict(set_ or {}), [],
                                                                       action, audit_data)

        def add(tx: TransactWrite) -> None:
            tx.update(rec, actions=actions, condition=condition)
            tx.save(audit, condition=type(audit).seq.does_not_exist())

        def done() -> RequestRecord:
            self._applied(rec, to, entry, set_, remove)
            return rec
        return add, done

    @staticmethod
    def _changes(rec: RequestRecord, to: str, actor: str, note: str, set_: dict[str, Any], remove: list[str],
                 action: str | None, audit_data: dict[str, Any] | None) -> tuple[Any, ...]:
        """The update actions, condition, audit record and derived fields of a transition."""
        frm = rec.status
        if to != frm:
            lifecycle.check(frm, to)
        now = clock.iso()
        set_["updated_at"] = now
        psets, premoves = pause_changes(frm, to, rec.paused_at, set_.get("due_at", rec.due_at), now)
        for k, v in psets.items():
            set_.setdefault(k, v)
        remove = [*remove, *premoves]
        assignee = set_.get("assignee", None if "assignee" in remove else rec.assignee)
        due_at = set_.get("due_at", rec.due_at)
        dsets, dremoves = derived(to, assignee, due_at, rec.created_at)
        for k, v in dsets.items():
            set_.setdefault(k, v)
        remove = list(dict.fromkeys([*remove, *(r for r in dremoves if r not in set_)]))
        entry = TimelineEntry(at=now, status=to, actor=actor, note=note)
        seq = int(rec.audit_seq or 0) + 1
        audit = make_record(rec.request_id, seq, rec.audit_head, now, actor, action or f"status.{to}",
                            {"from": frm, "to": to, "note": note, **(audit_data or {})})
        set_["audit_seq"] = seq
        set_["audit_head"] = audit.hash
        actions = [RequestRecord.status.set(to), RequestRecord.timeline.set(RequestRecord.timeline.append([entry]))]
        attrs = RequestRecord.get_attributes()
        for k, v in set_.items():
            actions.append(attrs[k].set(v))
        for k in remove:
            actions.append(attrs[k].remove())
        return actions, RequestRecord.status == frm, audit, set_, remove, entry

    @staticmethod
    def _applied(rec: RequestRecord, to: str, entry: TimelineEntry, set_: dict[str, Any], remove: list[str]) -> None:
        rec.status = to
        rec.timeline = [*(rec.timeline or []), entry]
        for k, v in set_.items():
            setattr(rec, k, v)
        for k in remove:
            setattr(rec, k, None)

    def append_audit(
        self,
        rec: RequestRecord,
        actor: str,
        action: str,
        data: dict[str, Any] | None = None,
        *,
        condition: Any = None,
        also: Callable[[TransactWrite], None] | None = None,
        actions: list[Any] | None = None,
        effects: Effects | None = None,
    ) -> RequestRecord:
        """Append one event to the request's audit hash chain without a status change or a timeline entry
        (e.g. a delivery event). Same guarantees as `transition`: one transaction with `also(tx)`, conditional
        on the version we read (and `condition`); a concurrent change raises Conflict — reload and retry.
        `actions`: further update actions on the request in the same write (e.g. anonymized fields)."""
        now = clock.iso()
        seq = int(rec.audit_seq or 0) + 1
        audit = make_record(rec.request_id, seq, rec.audit_head, now, actor, action,
                            {"status": rec.status, **(data or {})})
        actions = [*(actions or []), RequestRecord.audit_seq.set(seq), RequestRecord.audit_head.set(audit.hash)]
        effects = effects or Effects()
        self._commit(rec, actions, condition, audit, [also, *effects.tx_parts()])
        rec.audit_seq = seq
        rec.audit_head = audit.hash
        effects.after_commit()
        return rec

    @staticmethod
    def _commit(rec: RequestRecord, actions: list[Any], condition: Any, audit: Any,
                parts: list[Callable[[TransactWrite], None] | None]) -> None:
        """One transaction: the versioned request update, the next audit-chain record, and each part(tx)."""
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.update(rec, actions=actions, condition=condition)
                tx.save(audit, condition=type(audit).seq.does_not_exist())
                for part in parts:
                    if part is not None:
                        part(tx)
        except TransactWriteError as exc:
            reasons = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
            raise Conflict("the request was changed concurrently; reload and retry", code="concurrent_update",
                           details={"reasons": [r for r in reasons if r]}) from exc

    def update_fields(self, rec: RequestRecord, set_: dict[str, Any], remove: Iterable[str] = (),
                      condition: Any = None) -> RequestRecord:
        """Non-status attribute update (token storing etc.), versioned; raises Conflict when stale."""
        attrs = RequestRecord.get_attributes()
        actions = [attrs[k].set(v) for k, v in set_.items()] + [attrs[k].remove() for k in remove]
        actions.append(RequestRecord.updated_at.set(clock.iso()))
        try:
            rec.update(actions=actions, condition=condition)
        except Exception as exc:
            from pynamodb.exceptions import UpdateError

            if isinstance(exc, UpdateError) and exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("the request was changed concurrently", code="concurrent_update") from exc
            raise
        return rec

    def clear_answer(self, rec: RequestRecord) -> bool:
        """Drop the pending-answer mark (and the answered token, if it is still the current task); conditional
        on the version read, so a concurrent change wins and the mark is looked at again next time."""
        actions = [RequestRecord.answer_shard.remove(), RequestRecord.answer_pending.remove()]
        if rec.task is not None and rec.task.answered_at:
            actions.append(RequestRecord.task.remove())
        try:
            rec.update(actions=actions)
            return True
        except UpdateError:
            return False

    # --- queries -----------------------------------------------------------------------------------
    def page(self, result_iter: Any, limit: int) -> tuple[list[RequestRecord], str | None]:
        items = []
        for item in result_iter:
            items.append(item)
            if len(items) >= limit:
                break
        key = result_iter.last_evaluated_key if len(items) >= limit else None
        return items, encode_cursor(key)

    def by_consumer(self, consumer_id: str, limit: int, cursor: str | None) -> tuple[list[RequestRecord], str | None]:
        it = RequestRecord.by_consumer.query(consumer_id, scan_index_forward=False, limit=limit,
                                             last_evaluated_key=decode_cursor(cursor))
        return self.page(it, limit)

    def count_open(self, consumer_id: str) -> int:
        """How many of a consumer's requests are open (one Query of their partition of by_consumer)."""
        return RequestRecord.by_consumer.count(consumer_id, filter_condition=RequestRecord.status.is_in(*lifecycle.OPEN))

    def by_status(self, status: str, limit: int, cursor: str | None = None,
                  due_before: str | None = None) -> tuple[list[RequestRecord], str | None]:
        cond = RequestRecord.due_sort < due_before if due_before else None
        it = RequestRecord.by_status.query(status, cond, limit=limit, last_evaluated_key=decode_cursor(cursor))
        return self.page(it, limit)

    def active_for(self, operator_id: str, limit: int = 100) -> list[RequestRecord]:
        return list(RequestRecord.by_active_assignee.query(operator_id, limit=limit))

    def by_assignee(self, operator_id: str, limit: int, cursor: str | None) -> tuple[list[RequestRecord], str | None]:
        it = RequestRecord.by_assignee.query(operator_id, scan_index_forward=False, limit=limit,
                                             last_evaluated_key=decode_cursor(cursor))
        return self.page(it, limit)

    def all(self, limit: int, cursor: str | None) -> tuple[list[RequestRecord], str | None]:
        it = RequestRecord.all_requests.query("REQ", scan_index_forward=False, limit=limit,
                                              last_evaluated_key=decode_cursor(cursor))
        return self.page(it, limit)

    def open_due_before(self, due_before: str, limit: int = 200) -> list[RequestRecord]:
        return list(RequestRecord.open_due.query("OPEN", RequestRecord.due_at <= due_before, limit=limit))

    def delivered_before(self, before: str, limit: int = 200) -> list[RequestRecord]:
        return list(RequestRecord.by_delivered.query("D", RequestRecord.delivered_at <= before, limit=limit))

    # --- messages ----------------------------------------------------------------------------------
    def add_message(self, msg: MessageRecord, messages: Iterable[Message] = ()) -> MessageRecord:
        """Store a new message; `messages` (its notices) go to the outbox in the same transaction."""
        notices = list(messages)
        if notices:
            outbox.commit([lambda tx: tx.save(msg, condition=MessageRecord.msg_id.does_not_exist())], notices,
                          conflict=Conflict("duplicate message"))
            return msg
        try:
            msg.save(condition=MessageRecord.msg_id.does_not_exist())
        except PutError as exc:
            raise Conflict("duplicate message") from exc
        return msg

    def messages(self, request_id: str, include_internal: bool, limit: int = 200) -> list[MessageRecord]:
        cond = None if include_internal else (MessageRecord.internal == False)  # noqa: E712
        return list(MessageRecord.query(request_id, filter_condition=cond, limit=limit))

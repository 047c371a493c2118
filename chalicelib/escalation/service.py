"""Escalation of a request to a producer unit (SPEC §2.3, §4): the assignee (or a supervisor) asks a unit a
question; the request is `escalated` until a producer of that unit answers; the answer becomes an internal
message on the request, the request returns to `in_progress` and the assignee is notified.

Unit membership is kept in the same table (see models); in the demo, producer1 belongs to every unit."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, Forbidden, NotFound, retry_stale
from chalicelib.escalation import repository
from chalicelib.escalation.models import EscalationRecord, UnitMemberRecord, UnitRecord
from chalicelib.escalation.schemas import EscalationIn, EscalationOut, EscalationPage, EscalationQuery
from chalicelib.requests.access import HANDLE, Units

#: the built-in units (the office's directorates); admins add, rename and deactivate units (chalicelib/staff)
UNITS: dict[str, str] = {
    "produksi": "Statistik Produksi",
    "sosial": "Statistik Sosial",
    "distribusi": "Statistik Distribusi dan Jasa",
    "neraca": "Neraca dan Analisis Statistik",
    "metodologi": "Metodologi dan Informasi Statistik",
}
_UNITS_TTL_S = 30.0
_units_cache: tuple[float, dict[str, tuple[str, bool]]] | None = None
#: code -> (sla_days or None, head user id or None), read with the units (same Query, same cache)
_unit_settings: dict[str, tuple[int | None, str | None]] = {}
_KEEP: Any = object()
OPEN, ANSWERED = "open", "answered"
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- units -------------------------------------------------------------------------------------------
def all_units() -> dict[str, tuple[str, bool]]:
    """code -> (name, active): the built-in units, overridden and extended by the stored ones (one Query,
    cached per container for 30 s; `forget_units()` after a change)."""
    import time

    global _units_cache
    now = time.monotonic()
    if _units_cache is not None and _units_cache[0] > now:
        return _units_cache[1]
    out = {code: (name, True) for code, name in UNITS.items()}
    extra: dict[str, tuple[int | None, str | None]] = {}
    for u in UnitRecord.by_unit.query("units"):
        out[u.code] = (u.name, bool(u.active))
        extra[u.code] = (int(u.sla_days) if u.sla_days else None, u.head or None)
    _units_cache = (now + _UNITS_TTL_S, out)
    _unit_settings.clear()
    _unit_settings.update(extra)
    return out


def unit_settings(code: str) -> tuple[int | None, str | None]:
    """(sla_days, head) an admin set for the unit; (None, None) when not set."""
    all_units()
    return _unit_settings.get(code, (None, None))


def unit_sla_days(code: str) -> int:
    """Working days a unit has to answer an escalation: the unit's own setting, else SLA_DAYS_ESCALATION."""
    days, _ = unit_settings(code)
    return int(days or get_settings().sla_days_escalation)


def unit_head(code: str) -> str | None:
    """The head of the unit (a user id), told when an escalation to the unit is overdue."""
    return unit_settings(code)[1]


def forget_units() -> None:
    global _units_cache
    _units_cache = None


def unit_name(code: str) -> str:
    return all_units().get(code, (code, False))[0]


def save_unit(code: str, name: str, active: bool, actor: str, create: bool, sla_days: Any = _KEEP,
              head: Any = _KEEP) -> UnitRecord:
    """Create (409 when the code exists, built-in or stored) or change a unit's name, active flag, SLA (working
    days to answer) and head; `sla_days`/`head` left out keep their stored values."""
    now = clock.iso()
    existing = all_units() if create else {}
    if create and code in existing:
        raise Conflict(f"unit {code} already exists", code="duplicate")
    try:
        old: UnitRecord | None = UnitRecord.get(f"unit#{code}", consistent_read=True)
        created = old.created_at
    except UnitRecord.DoesNotExist:
        old, created = None, now
    if sla_days is _KEEP:
        sla_days = old.sla_days if old is not None else None
    if head is _KEEP:
        head = old.head if old is not None else None
    rec = UnitRecord(escalation_id=f"unit#{code}", unit="units", created_at=created, code=code, name=name,
                     active=active, sla_days=int(sla_days) if sla_days else None, head=head or None,
                     updated_at=now, updated_by=actor)
    if create:
        from pynamodb.exceptions import PutError

        try:
            rec.save(condition=UnitRecord.escalation_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(f"unit {code} already exists", code="duplicate") from exc
            raise
    else:
        rec.save()
    forget_units()
    return rec


def update_unit(code: str, actor: str, changes: dict[str, Any]) -> UnitRecord | None:
    """Change a unit (`changes`: name, active, sla_days, head; what is left out keeps its value) in ONE
    conditional UpdateItem that answers the unit as written: a stored unit, or a built-in one (stored at its
    first change). None when there is no such unit."""
    import re

    from pynamodb.exceptions import UpdateError

    if not re.fullmatch(r"[a-z][a-z0-9_-]{1,31}", code or ""):  # a unit code (staff.schemas.UnitCode), or none
        return None
    now, u = clock.iso(), UnitRecord
    actions = [u.unit.set("units"), u.code.set(code), u.created_at.set(u.created_at | now), u.updated_at.set(now),
               u.updated_by.set(actor),
               u.name.set(changes["name"]) if "name" in changes else u.name.set(u.name | UNITS.get(code, code)),
               u.active.set(bool(changes["active"])) if "active" in changes else u.active.set(u.active | True)]
    if "sla_days" in changes:
        actions.append(u.sla_days.set(int(changes["sla_days"])) if changes["sla_days"] else u.sla_days.remove())
    if "head" in changes:
        actions.append(u.head.set(changes["head"]) if changes["head"] else u.head.remove())
    rec = UnitRecord(escalation_id=f"unit#{code}")
    try:
        rec.update(actions=actions, condition=None if code in UNITS else UnitRecord.escalation_id.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    forget_units()
    return rec


# --- membership --------------------------------------------------------------------------------------
def _member_key(unit: str, user_id: str) -> str:
    return f"member#{unit}#{user_id}"


def add_member(unit: str, user_id: str, name: str = "") -> None:
    if unit not in all_units():
        raise BadRequest(f"unknown unit {unit}")
    UnitMemberRecord(escalation_id=_member_key(unit, user_id), unit=f"member#{unit}", created_at=clock.iso(),
                     user_id=user_id, name=name or user_id).save()


def remove_member(unit: str, user_id: str) -> None:
    UnitMemberRecord(escalation_id=_member_key(unit, user_id), unit=f"member#{unit}", created_at="",
                     user_id=user_id).delete()


def units_of(user_id: str) -> list[str]:
    units = list(all_units())
    found: set[str] = set()
    for i in range(0, len(units), 100):  # BatchGet takes at most 100 keys
        keys = [_member_key(u, user_id) for u in units[i:i + 100]]
        found |= {m.escalation_id for m in UnitMemberRecord.batch_get(keys)}
    return [u for u in units if _member_key(u, user_id) in found]


def is_member(unit: str, user_id: str) -> bool:
    try:
        UnitMemberRecord.get(_member_key(unit, user_id), consistent_read=True)
        return True
    except UnitMemberRecord.DoesNotExist:
        return False


def members(unit: str) -> list[UnitMemberRecord]:
    return list(UnitMemberRecord.by_unit.query(f"member#{unit}"))


def _sees_all(p: Principal) -> bool:
    return p.has("operator", "supervisor")


class RequestUnits:
    """The facts the request access policy needs about producers: the units a request was escalated to and the
    caller's own units (chalicelib/requests/access.py)."""

    @staticmethod
    def of(p: Principal, rec: Any) -> Units:
        return Units(escalated=frozenset(e.unit for e in repository.of_request(rec.request_id)),
                     mine=frozenset(units_of(p.sub)))


def _visible_units(p: Principal) -> list[str]:
    return list(all_units()) if _sees_all(p) else units_of(p.sub)


# --- output ------------------------------------------------------------------------------------------
def to_out(e: EscalationRecord) -> EscalationOut:
    return EscalationOut(
        escalation_id=e.escalation_id, request_id=e.request_id, request_kind=e.request_kind or "", unit=e.unit,
        unit_name=unit_name(e.unit), question=e.question, status=e.status, asked_by=e.asked_by,
        sla_days=int(e.sla_days) if e.sla_days else None,
        asked_by_name=e.asked_by_name or "", created_at=e.created_at, due_at=e.due_at,
        overdue=e.status == OPEN and e.due_at < clock.iso(), answer=e.answer, answered_by=e.answered_by,
        answered_by_name=e.answered_by_name, answered_at=e.answered_at,
    )


def _url(fragment: str) -> str:
    return f"{get_settings().admin_url.rstrip('/')}/#/{fragment}"


def _new_id() -> str:
    return f"E{clock.now():%y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


# --- use cases ---------------------------------------------------------------------------------------
@retry_stale  # a concurrent write to the request (a reply, the worker) re-reads and re-validates
def escalate(p: Principal, request_id: str, body: EscalationIn) -> EscalationOut:
    from chalicelib.requests import lifecycle as lc
    from chalicelib.requests.service import RequestService
    from chalicelib.requests.sla import calendar

    svc = RequestService()
    rec = svc.ops_get(p, request_id, HANDLE)
    units = all_units()
    if body.unit not in units or not units[body.unit][1]:
        raise BadRequest(f"unknown or inactive unit {body.unit}", code="unknown_unit")
    if rec.status != lc.IN_PROGRESS:
        raise Conflict(f"only a request in progress can be escalated (it is {rec.status})",
                       code="illegal_transition", details={"from": rec.status, "to": lc.ESCALATED})
    now = clock.now()
    days = unit_sla_days(body.unit)  # the unit's own SLA (issue 20), else SLA_DAYS_ESCALATION
    due = calendar().add_working_days(now, days)
    esc = EscalationRecord(escalation_id=_new_id(), unit=body.unit, created_at=clock.iso(now), request_id=request_id,
                           request_kind=rec.kind, question=body.question, status=OPEN, asked_by=p.sub,
                           asked_by_name=p.name or p.sub, due_at=clock.iso(due), open_shard="OPEN", sla_days=days)
    # the escalation, the request's transition and the unit's notice (an outbox row for the jobs queue, whose
    # consumer looks up the unit's producers: `notify_unit`) in one transaction: never an orphan escalation, never
    # an escalation nobody is told about; request, ONE TransactWrite
    from chalicelib.core import outbox

    notice = outbox.part([unit_notice(esc, rec, p)])

    def also(tx: Any) -> None:
        tx.save(esc, condition=EscalationRecord.escalation_id.does_not_exist())
        if notice is not None:
            notice(tx)
    rec = svc.escalate_status(rec, p.sub, f"dieskalasi ke unit {units[body.unit][0]}", esc.escalation_id, also=also)
    obs.count("RequestEscalated")
    return to_out(esc)


def unit_notice(esc: EscalationRecord, rec: Any, p: Principal) -> Any:
    """The jobs-queue message telling the producers of the escalation's unit (via the outbox)."""
    from chalicelib.core import queues
    from chalicelib.core.outbox import Message

    return Message(queues.JOBS, f"escalation#{esc.escalation_id}", {
        "job": "escalation_notice", "unit": esc.unit, "escalation_id": esc.escalation_id,
        "ctx": {"request_id": rec.request_id, "kind": rec.kind, "operator_name": p.name or p.sub,
                "message_excerpt": esc.question, "due_at": rec.due_at, "escalation_id": esc.escalation_id,
                "escalation_due_at": esc.due_at, "unit": esc.unit, "unit_name": unit_name(esc.unit),
                "request_url": _url(f"eskalasi/{esc.escalation_id}")}})


def notify_unit(unit: str, escalation_id: str, ctx: dict[str, Any]) -> int:
    """The jobs consumer's side of `unit_notice`: one notification per producer of the unit (keyed per
    escalation and producer, so a redelivered job tells nobody twice). Raises when a send fails (redelivered)."""
    from chalicelib.notify import outbox

    recipients = members(unit)
    if not recipients:
        obs.logger().warning("escalation to a unit without producers", extra={"unit": unit})
    for m in recipients:
        outbox.enqueue("escalation", key=f"escalation#{escalation_id}#{m.user_id}", to_user=m.user_id,
                       ctx={**ctx, "recipient_name": m.name or m.user_id}, strict=True)
    return len(recipients)


def get(p: Principal, escalation_id: str) -> EscalationRecord:
    esc = repository.find(escalation_id)
    if esc is None:
        raise NotFound("escalation not found")
    if esc.escalation_id.startswith("member#") or esc.unit not in _visible_units(p):
        raise NotFound("escalation not found")
    return esc


def answer(p: Principal, escalation_id: str, text: str) -> EscalationOut:
    from chalicelib.requests import lifecycle as lc
    from chalicelib.requests.models import MessageRecord
    from chalicelib.requests.service import RequestService

    esc = repository.find(escalation_id)
    if esc is None:
        raise NotFound("escalation not found")
    if esc.escalation_id.startswith("member#"):
        raise NotFound("escalation not found")
    # the caller's membership of the unit is a condition of the answer's transaction (checked atomically with
    # it, no read before it: escalation, request, ONE TransactWrite); it is read only when the answer is refused
    not_member = Forbidden(f"only producers of unit {esc.unit} can answer this escalation")
    if esc.status != OPEN:
        if not is_member(esc.unit, p.sub):
            raise not_member
        raise Conflict("this escalation is already answered", code="already_answered")
    from chalicelib.core import outbox

    now = clock.iso()
    svc = RequestService()
    body = f"Jawaban eskalasi dari unit {unit_name(esc.unit)} ({p.name or p.sub}):\n{text}"
    message = MessageRecord(request_id=esc.request_id, msg_id=f"{now}#{secrets.token_hex(4)}", at=now, author=p.sub,
                            author_name=p.name or p.sub, author_role="producer", body=body, internal=True)
    answered = {"status": ANSWERED, "answer": text, "answered_by": p.sub, "answered_by_name": p.name or p.sub,
                "answered_at": now}

    def parts(tx: TransactWrite) -> None:
        tx.update(esc, actions=[*(getattr(EscalationRecord, k).set(v) for k, v in answered.items()),
                                EscalationRecord.open_shard.remove()],
                  condition=EscalationRecord.status == OPEN)
        tx.save(message, condition=MessageRecord.msg_id.does_not_exist())
        tx.condition_check(UnitMemberRecord, _member_key(esc.unit, p.sub),
                           condition=UnitMemberRecord.escalation_id.exists())
        # the operator's notice (the request as read for this attempt), relayed after the commit
        outbox.write_in(tx, [_assignee_notice(esc, rec, p, text)] if rec is not None and rec.assignee else [])

    # the answer, its message on the request and the request's return to in_progress: one transaction
    rec = svc.repo.find(esc.request_id)
    for attempt in range(3):  # the request may be touched concurrently (a message, a due-date change): retry
        try:
            if rec is not None and rec.status == lc.ESCALATED and rec.escalation_id == esc.escalation_id:
                rec = svc.resume_from_escalation(rec, p.sub, f"dijawab oleh unit {unit_name(esc.unit)}", also=parts)
            else:
                from chalicelib.core.db import connection

                with TransactWrite(connection=connection()) as tx:
                    parts(tx)
            break
        except (Conflict, TransactWriteError) as exc:
            if not is_member(esc.unit, p.sub):
                raise not_member from exc
            fresh = EscalationRecord.get(escalation_id, consistent_read=True)
            if fresh.status != OPEN:
                raise Conflict("this escalation is already answered", code="already_answered") from exc
            if attempt == 2:
                raise Conflict("the request was changed concurrently; retry", code="concurrent_update") from exc
            esc = fresh
            rec = svc.repo.find(esc.request_id)
    for k, v in answered.items():
        setattr(esc, k, v)
    obs.count("EscalationAnswered")
    return to_out(esc)


def _assignee_notice(esc: EscalationRecord, rec: Any, p: Principal, text: str) -> Any:
    """The answer's notice to the request's operator (the recipient's name is resolved by the notify worker)."""
    from chalicelib.notify.outbox import notice

    return notice("new_message", key=f"escalation_answer#{esc.escalation_id}", to_user=rec.assignee,
                  ctx={"request_id": rec.request_id, "kind": rec.kind,
                       "operator_name": f"{p.name or p.sub} (unit {unit_name(esc.unit)})", "message_excerpt": text,
                       "escalation_id": esc.escalation_id, "request_url": _url(f"permintaan/{rec.request_id}")})


# --- listing -----------------------------------------------------------------------------------------
def _encode(before: str, skip: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"b": before, "s": skip}).encode()).decode()


def _decode(cursor: str | None) -> tuple[str | None, set[str]]:
    if not cursor:
        return None, set()
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        before, skip = data["b"], data["s"]
        if not isinstance(before, str) or not isinstance(skip, list) or len(skip) > 200:
            raise ValueError
        return before, {str(s) for s in skip}
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise BadRequest("invalid cursor") from exc


def list_escalations(p: Principal, q: EscalationQuery) -> EscalationPage:
    """Newest first, merged over the units the caller may see (one Query per unit on the by_unit GSI)."""
    allowed = _visible_units(p)
    if q.unit is not None and q.unit not in allowed:
        raise Forbidden(f"you are not a producer of unit {q.unit}")
    units = [q.unit] if q.unit else allowed
    before, skip = _decode(q.cursor)
    status_cond = (EscalationRecord.status == q.status) if q.status else None
    want = q.page_size + len(skip) + 1
    found: list[EscalationRecord] = []
    if q.request_id:
        cond = EscalationRecord.created_at <= before if before else None
        found = [e for e in EscalationRecord.by_request.query(q.request_id, cond, filter_condition=status_cond,
                                                               scan_index_forward=False, limit=want)
                 if e.unit in units]
    else:
        for unit in units:
            cond = EscalationRecord.created_at <= before if before else None
            found.extend(EscalationRecord.by_unit.query(unit, cond, filter_condition=status_cond,
                                                         scan_index_forward=False, limit=want))
    found = [e for e in found if e.escalation_id not in skip]
    found.sort(key=lambda e: (e.created_at, e.escalation_id), reverse=True)
    page = found[: q.page_size]
    cursor = None
    if len(found) > q.page_size and page:
        last = page[-1].created_at
        same = [e.escalation_id for e in page if e.created_at == last]
        cursor = _encode(last, same + ([*skip] if before == last else []))
    return EscalationPage(items=[to_out(e) for e in page], next_cursor=cursor)


# --- SLA (issue 20) ----------------------------------------------------------------------------------
def open_due_before(before: str, limit: int = 1000) -> list[EscalationRecord]:
    """Open escalations due before `before`, earliest first (sparse GSI open_due: one Query)."""
    return list(EscalationRecord.open_due.query("OPEN", EscalationRecord.due_at <= before, limit=limit))

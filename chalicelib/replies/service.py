"""Canned replies: supervisors manage them (create, change, deactivate, delete); operators list the active ones
and insert one into a request's reply box with its variables filled from that request. Rendering is plain text
(the reply box is a textarea and messages are shown as text), so a consumer's name can never inject markup."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote

from chalicelib.core import clock, fmt
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import NotFound
from chalicelib.replies import repository
from chalicelib.replies.models import ReplyRecord
from chalicelib.replies.schemas import TOPICS, VAR_PATTERN, VARIABLES, ReplyIn, ReplyOut

_TOPIC_OF_KIND = {"data_order": "data_order", "complaint": "complaint"}


def to_out(r: ReplyRecord) -> ReplyOut:
    return ReplyOut(reply_id=r.reply_id, title=r.title, topic=r.topic, body=r.body, active=bool(r.active),
                    updated_at=r.updated_at, updated_by=r.updated_by, version=int(r.version or 0))


def _order(r: ReplyRecord) -> tuple[int, str]:
    return TOPICS.index(r.topic) if r.topic in TOPICS else len(TOPICS), r.title.lower()


def list_replies(p: Principal, topic: str | None, include_inactive: bool) -> dict[str, Any]:
    """Active replies (supervisors may ask for the inactive ones too), by topic then title; with the variables."""
    see_inactive = include_inactive and p.has("supervisor")
    items = [r for r in repository.all_replies() if (r.active or see_inactive) and (topic is None or r.topic == topic)]
    return {"items": [to_out(r) for r in sorted(items, key=_order)],
            "variables": [{"name": k, "description": v} for k, v in VARIABLES.items()]}


def create(p: Principal, body: ReplyIn) -> ReplyOut:
    now = clock.iso()
    rec = ReplyRecord(reply_id=f"CR{secrets.token_hex(5).upper()}", title=body.title, topic=body.topic,
                      body=body.body, active=body.active, created_by=p.sub, created_at=now, updated_by=p.sub,
                      updated_at=now)
    return to_out(repository.create(rec))


def update(p: Principal, reply_id: str, body: ReplyIn) -> ReplyOut:
    rec = repository.get(reply_id)
    rec.title, rec.topic, rec.body, rec.active = body.title, body.topic, body.body, body.active
    rec.updated_by, rec.updated_at = p.sub, clock.iso()
    return to_out(repository.save(rec))


def delete(p: Principal, reply_id: str) -> None:
    repository.delete(repository.get(reply_id))


def _values(rec: Any, p: Principal) -> dict[str, str]:
    s = get_settings()
    portal = s.portal_url.rstrip("/")
    due = fmt.format_date_id(rec.due_at, with_time=True, with_weekday=True) if rec.due_at else "-"
    return {
        "nama_pemohon": (rec.consumer.name if rec.consumer and rec.consumer.name else "Bapak/Ibu"),
        "id_permintaan": rec.request_id,
        "tautan_permintaan": f"{portal}/#/permintaan/{quote(rec.request_id, safe='')}",
        "tautan_portal": f"{portal}/",
        "tautan_katalog": f"{portal}/#/cari",
        "perihal": rec.subject or (rec.purpose or "")[:120] or rec.request_id,
        "nama_petugas": p.name or p.sub,
        "tenggat": due,
    }


def fill(template: str, values: dict[str, str]) -> str:
    """Fill `{{variable}}` placeholders with plain-text values (one pass: a value is never read as a template)."""
    return VAR_PATTERN.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def render(p: Principal, rec: Any, reply_id: str) -> dict[str, str]:
    """The reply filled for request `rec` (which the caller may handle: checked by the route's ops_get)."""
    r = repository.get(reply_id)
    if not r.active:
        raise NotFound("canned reply not found")
    return {"reply_id": r.reply_id, "title": r.title, "body": fill(r.body, _values(rec, p))}


def topic_of(rec: Any) -> str:
    """The topic a request's replies are filed under (the admin page pre-selects it)."""
    return rec.topic or _TOPIC_OF_KIND.get(rec.kind, "general")

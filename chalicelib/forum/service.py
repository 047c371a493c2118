"""Helpdesk forum (SPEC §2.7): staff-only threads, optionally linked to a request, with posts. An `@user`
mention of a known operator notifies them (once per post)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs, outbox
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, NotFound
from chalicelib.forum import repository
from chalicelib.forum.models import THREAD_ITEM, ForumRecord
from chalicelib.forum.schemas import (
    PostIn,
    PostOut,
    ThreadDetail,
    ThreadIn,
    ThreadOut,
    ThreadPage,
    ThreadQuery,
)

MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9_.-]{0,63})")
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_POSTS = 1000


def _role(p: Principal) -> str:
    return next((r for r in ("supervisor", "operator", "producer", "admin") if r in p.roles), "staff")


def _precise() -> str:
    """Now with microseconds: the sort key of posts in a thread and of threads by activity."""
    return clock.now().astimezone(UTC).isoformat(timespec="microseconds")


def _post_id(at: str) -> str:
    return f"{at}#{secrets.token_hex(4)}"


def thread_out(t: ForumRecord) -> ThreadOut:
    return ThreadOut(thread_id=t.thread_id, title=t.title or "", request_id=t.request_id, author=t.author,
                     author_name=t.author_name or "", created_at=t.created_at, last_post_at=t.last_post_at or "",
                     last_post_by=t.last_post_by, post_count=int(t.post_count or 0))


def post_out(r: ForumRecord) -> PostOut:
    return PostOut(post_id=r.post_id, thread_id=r.thread_id, author=r.author, author_name=r.author_name or "",
                   author_role=r.author_role or "", body=r.body, at=r.created_at, mentions=list(r.mentions or []))


def _mentions(text: str, author: str) -> tuple[list[str], dict[str, Any]]:
    """The mentioned operators, and their records (for the notifications: read once per post)."""
    from chalicelib.delegation.service import get_operators

    names = [m.rstrip(".-") for m in MENTION.findall(text)]
    names = [n for n in dict.fromkeys(names) if n and n != author][:20]
    known = get_operators(set(names))
    return [n for n in names if n in known], known


def _thread_url(thread_id: str) -> str:
    return f"{get_settings().admin_url.rstrip('/')}/#/forum/{thread_id}"


def _notices(thread: ForumRecord, post: ForumRecord, p: Principal, ops: dict[str, Any]) -> list[Any]:
    """The mentioned operators' notices: outbox rows of the post's own transaction."""
    from chalicelib.notify.outbox import notice

    return [notice("forum_mention", key=f"forum_mention#{thread.thread_id}#{post.post_id}#{user}", to_user=user,
                   ctx={"recipient_name": (ops[user].name if user in ops else "") or user,
                        "thread_title": thread.title, "thread_id": thread.thread_id,
                        "operator_name": p.name or p.sub, "message_excerpt": post.body,
                        "request_id": thread.request_id, "request_url": _thread_url(thread.thread_id)})
            for user in post.mentions or []]


def _mentioned(post: ForumRecord) -> None:
    if post.mentions:
        obs.count("ForumMention", len(post.mentions))


def create_thread(p: Principal, body: ThreadIn) -> ThreadDetail:
    if body.request_id:
        from chalicelib.requests.repository import RequestRepository

        if RequestRepository().find(body.request_id) is None:
            raise BadRequest("request_id does not name a request")
    now, precise = clock.iso(), _precise()
    thread_id = f"T{clock.now():%y%m%d}-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
    mentions, ops = _mentions(f"{body.title}\n{body.body}", p.sub)
    post = ForumRecord(thread_id=thread_id, post_id=_post_id(precise), author=p.sub, author_name=p.name or p.sub,
                       author_role=_role(p), created_at=now, body=body.body, mentions=mentions)
    thread = ForumRecord(thread_id=thread_id, post_id=THREAD_ITEM, author=p.sub, author_name=p.name or p.sub,
                         author_role=_role(p), created_at=now, title=body.title, request_id=body.request_id,
                         last_post_at=precise, last_post_by=p.sub, post_count=1, gsi_all="T")
    from chalicelib.core.db import connection

    with TransactWrite(connection=connection()) as tx:
        tx.save(thread, condition=ForumRecord.thread_id.does_not_exist())
        tx.save(post, condition=ForumRecord.post_id.does_not_exist())
        outbox.write_in(tx, _notices(thread, post, p, ops))
    _mentioned(post)
    return ThreadDetail(**thread_out(thread).model_dump(), posts=[post_out(post)])


def _thread(thread_id: str) -> ForumRecord:
    t = repository.thread(thread_id)
    if t is None:
        raise NotFound("thread not found")
    return t


def add_post(p: Principal, thread_id: str, body: PostIn) -> PostOut:
    from chalicelib.core.db import connection

    thread = _thread(thread_id)
    now, precise = clock.iso(), _precise()
    mentions, ops = _mentions(body.body, p.sub)
    post = ForumRecord(thread_id=thread_id, post_id=_post_id(precise), author=p.sub, author_name=p.name or p.sub,
                       author_role=_role(p), created_at=now, body=body.body, mentions=mentions)
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(post, condition=ForumRecord.post_id.does_not_exist())
            tx.update(ForumRecord(thread_id=thread_id, post_id=THREAD_ITEM),
                      actions=[ForumRecord.last_post_at.set(precise), ForumRecord.last_post_by.set(p.sub),
                               ForumRecord.post_count.add(1)],
                      condition=ForumRecord.post_id.exists())
            outbox.write_in(tx, _notices(thread, post, p, ops))
    except TransactWriteError as exc:
        raise NotFound("thread not found") from exc
    _mentioned(post)
    return post_out(post)


def get_thread(thread_id: str) -> ThreadDetail:
    items = repository.thread_items(thread_id, MAX_POSTS + 1)
    head = next((i for i in items if i.post_id == THREAD_ITEM), None)
    if head is None:
        raise NotFound("thread not found")
    posts = [post_out(i) for i in items if i.post_id != THREAD_ITEM]
    return ThreadDetail(**thread_out(head).model_dump(), posts=posts)


def list_threads(q: ThreadQuery) -> ThreadPage:
    from chalicelib.requests.repository import RequestRepository, decode_cursor

    cond = (ForumRecord.request_id == q.request_id) if q.request_id else None
    it = ForumRecord.threads.query("T", scan_index_forward=False, filter_condition=cond, limit=q.page_size,
                                   last_evaluated_key=decode_cursor(q.cursor))
    items, cursor = RequestRepository().page(it, q.page_size)
    return ThreadPage(items=[thread_out(t) for t in items], next_cursor=cursor)

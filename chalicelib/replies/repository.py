"""Data access for canned replies (table `replies`, one partition)."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.replies.models import SCOPE, ReplyRecord


def all_replies() -> list[ReplyRecord]:
    return list(ReplyRecord.query(SCOPE))


def get(reply_id: str) -> ReplyRecord:
    try:
        return ReplyRecord.get(SCOPE, reply_id, consistent_read=True)
    except ReplyRecord.DoesNotExist as exc:
        raise NotFound("canned reply not found") from exc


def create(rec: ReplyRecord) -> ReplyRecord:
    try:
        rec.save(condition=ReplyRecord.reply_id.does_not_exist())
    except PutError as exc:
        raise Conflict("a canned reply with this id exists", code="duplicate") from exc
    return rec


def save(rec: ReplyRecord) -> ReplyRecord:
    """Versioned: a concurrent change of the same reply is a 409."""
    try:
        rec.save()
    except PutError as exc:
        raise Conflict("the canned reply was changed concurrently; reload and retry",
                       code="concurrent_update") from exc
    return rec


def delete(rec: ReplyRecord) -> None:
    try:
        rec.delete()
    except DeleteError as exc:
        raise Conflict("the canned reply was changed concurrently; reload and retry",
                       code="concurrent_update") from exc

"""Data access for the forum (table `forum`: a thread's head item and its posts under one partition)."""

from __future__ import annotations

from chalicelib.forum.models import THREAD_ITEM, ForumRecord


def thread(thread_id: str) -> ForumRecord | None:
    try:
        return ForumRecord.get(thread_id, THREAD_ITEM, consistent_read=True)
    except ForumRecord.DoesNotExist:
        return None


def thread_items(thread_id: str, limit: int) -> list[ForumRecord]:
    """The thread's head and its posts (one Query)."""
    return list(ForumRecord.query(thread_id, limit=limit, consistent_read=True))

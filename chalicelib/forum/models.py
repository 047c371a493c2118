"""The helpdesk forum: one partition per thread (`thread_id`), holding the thread item (`post_id` "#thread",
sorted first) and its posts (`post_id` "<at>#<rand>", in time order). Only thread items carry `gsi_all`, so
the sparse GSI `threads` (gsi_all, last_post_at) lists threads, most recently active first."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta

THREAD_ITEM = "#thread"


class Threads(GlobalSecondaryIndex):
    Meta = index_meta("threads")

    gsi_all = UnicodeAttribute(hash_key=True)
    last_post_at = UnicodeAttribute(range_key=True)


class ForumRecord(Model):
    Meta = meta("forum")

    thread_id = UnicodeAttribute(hash_key=True)
    post_id = UnicodeAttribute(range_key=True)
    author = UnicodeAttribute()
    author_name = UnicodeAttribute(default="")
    author_role = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    body = UnicodeAttribute(default="")
    mentions = ListAttribute(default=list)
    # thread item only
    title = UnicodeAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    last_post_at = UnicodeAttribute(null=True)
    last_post_by = UnicodeAttribute(null=True)
    post_count = NumberAttribute(null=True)
    gsi_all = UnicodeAttribute(null=True)

    threads = Threads()

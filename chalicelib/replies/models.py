"""Canned replies (issue 20 item 4): answer templates per topic that supervisors manage and operators insert into
a request's reply box, with variables filled from the request (chalicelib/replies/service.py).

Table `replies`: one partition (`scope` = "REPLY") keyed by `reply_id`: the whole set is one Query (a desk has
tens of templates, not thousands); a change is versioned."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta

SCOPE = "REPLY"


class ReplyRecord(Model):
    Meta = meta("replies")

    scope = UnicodeAttribute(hash_key=True, default=SCOPE)
    reply_id = UnicodeAttribute(range_key=True)
    title = UnicodeAttribute()
    topic = UnicodeAttribute()  # see schemas.TOPICS
    body = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

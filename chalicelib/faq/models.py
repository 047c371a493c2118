"""FAQ entries promoted from resolved consultations (issue 12).

Table `faq`: key `faq_id` (one entry per consultation: ``FAQ-<request_id>``; a rejected proposal may be
proposed again under the same id). GSI `by_status` (status, created_at) lists the entries of one status,
newest first — the review queue (`proposed`) and the public list (`approved`) are Queries, never a Scan.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta

PROPOSED, APPROVED, REJECTED = "proposed", "approved", "rejected"
STATUSES = (PROPOSED, APPROVED, REJECTED)


class ByStatus(GlobalSecondaryIndex):
    Meta = index_meta("by_status")

    status = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class FaqRecord(Model):
    Meta = meta("faq")

    faq_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute(default=PROPOSED)
    question = UnicodeAttribute()
    answer = UnicodeAttribute()
    request_id = UnicodeAttribute()
    topic = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    proposed_by = UnicodeAttribute()
    proposed_by_name = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    reviewed_by = UnicodeAttribute(null=True)
    reviewed_at = UnicodeAttribute(null=True)
    review_reason = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_status = ByStatus()

"""Deliverables (files for a request) and the download log."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta


class DeliverableRecord(Model):
    Meta = meta("deliverables")

    request_id = UnicodeAttribute(hash_key=True)
    deliverable_id = UnicodeAttribute(range_key=True)
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()
    sha256 = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    status = UnicodeAttribute(default="pending")  # pending | ready | rejected
    reject_reason = UnicodeAttribute(null=True)
    uploaded_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    verified_at = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)


class DownloadRecord(Model):
    Meta = meta("downloads")

    request_id = UnicodeAttribute(hash_key=True)
    at_id = UnicodeAttribute(range_key=True)  # "<at>#<deliverable_id>#<rand>"
    deliverable_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    expires_at = UnicodeAttribute()

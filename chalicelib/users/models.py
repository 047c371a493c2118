"""Consumer and staff profiles (personal data: never logged)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class ByEmail(GlobalSecondaryIndex):
    Meta = index_meta("by_email")

    email = UnicodeAttribute(hash_key=True)


class UserRecord(Model):
    Meta = meta("users")

    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    institution = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    roles = ListAttribute(default=list)
    source = UnicodeAttribute(default="sso")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    anonymized_at = UnicodeAttribute(null=True)

    by_email = ByEmail()

"""Consumer and staff profiles (personal data: never logged)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
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
    # SPEC §8 Identity: `email` (and so the by_email index that links records) holds only a VERIFIED address:
    # the SSO's when its token says email_verified, or one confirmed with a code the app sent
    email = UnicodeAttribute(null=True)
    pending_email = UnicodeAttribute(null=True)  # asked for in PUT /me, not yet confirmed
    email_code_hash = UnicodeAttribute(null=True)
    email_code_expires = UnicodeAttribute(null=True)
    email_code_attempts = NumberAttribute(default=0)
    offline_email = UnicodeAttribute(null=True)  # intake: the address the consumer gave the desk (unverified)
    claimed_by = UnicodeAttribute(null=True)  # an offline profile claimed by its verified owner
    # intake by phone or ID number alone (no e-mail): what identifies the person at the desk (the phone number,
    # or the NIK masked to its last 4 digits) and the operator who last logged a request for them — the desk
    # their notices go to, to be handed over (notify.worker)
    offline_ref = UnicodeAttribute(null=True)
    intake_by = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    institution = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    roles = ListAttribute(default=list)
    source = UnicodeAttribute(default="sso")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    anonymized_at = UnicodeAttribute(null=True)

    by_email = ByEmail()

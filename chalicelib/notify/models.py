"""Notifications as the recipient sees them in the app (`GET /me/notifications`).

Table `notifications` (infra/resources.json): key `user_id` + `notif_id`. `notif_id` starts with the
UTC send time (``YYYYMMDDTHHMMSSZ``), so a Query on the user with ScanIndexForward=False lists the
newest first; it is URL-safe, so it can appear in `POST /me/notifications/{notif_id}/read`.
The idempotency of sending lives in the idempotency table (`notif#<key>`), not here.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta


class NotificationRecord(Model):
    Meta = meta("notifications")

    user_id = UnicodeAttribute(hash_key=True)
    notif_id = UnicodeAttribute(range_key=True)  # "<YYYYMMDDTHHMMSSZ>-<digest of the idempotency key>"
    event = UnicodeAttribute()
    channel = UnicodeAttribute(default="email")
    #: sent | no_address (nothing could be sent on the channel; the in-app entry is the notification) | handover
    #: (the desk's copy of a notice for a consumer logged without e-mail, to be handed over)
    delivery = UnicodeAttribute(default="sent")
    request_id = UnicodeAttribute(null=True)
    subject = UnicodeAttribute()
    body = UnicodeAttribute(default="")  # the plain-text part
    url = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    read_at = UnicodeAttribute(null=True)
    key_digest = UnicodeAttribute(default="")
    message_id = UnicodeAttribute(null=True)  # the channel's id (SES MessageId)
    expiration = NumberAttribute(null=True)  # DynamoDB TTL (epoch s): RETENTION_DAYS_NOTIFICATIONS after sending

"""Escalations of a request to a producer unit, and the unit membership of producers.

One table (`escalations`), two kinds of item kept apart by key space:
- an escalation: `escalation_id` "E…", `unit` the unit code; GSIs by_unit (unit, created_at) and
  by_request (request_id, created_at);
- a membership: `escalation_id` "member#<unit>#<user>", `unit` "member#<unit>" (its own by_unit partition,
  so listing a unit's escalations never sees memberships and vice versa); no request_id (sparse by_request);
- a producer unit managed in the product (chalicelib/staff): `escalation_id` "unit#<code>", `unit` "units"
  (one by_unit partition lists every unit).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class ByUnit(GlobalSecondaryIndex):
    Meta = index_meta("by_unit")

    unit = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OpenDue(GlobalSecondaryIndex):
    """Sparse: open escalations by due date (`open_shard` = "OPEN" until answered), for the SLA reminders."""

    Meta = index_meta("open_due")

    open_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class ByRequest(GlobalSecondaryIndex):
    Meta = index_meta("by_request")

    request_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class EscalationRecord(Model):
    Meta = meta("escalations")

    escalation_id = UnicodeAttribute(hash_key=True)
    unit = UnicodeAttribute()
    created_at = UnicodeAttribute()
    request_id = UnicodeAttribute()
    request_kind = UnicodeAttribute(default="")
    question = UnicodeAttribute()
    status = UnicodeAttribute(default="open")  # open | answered
    asked_by = UnicodeAttribute()
    asked_by_name = UnicodeAttribute(default="")
    due_at = UnicodeAttribute()
    answer = UnicodeAttribute(null=True)
    answered_by = UnicodeAttribute(null=True)
    answered_by_name = UnicodeAttribute(null=True)
    answered_at = UnicodeAttribute(null=True)
    open_shard = UnicodeAttribute(null=True)  # "OPEN" while open (sparse GSI open_due)
    sla_days = NumberAttribute(null=True)  # the unit's SLA when it was asked (working days)
    version = VersionAttribute()

    by_unit = ByUnit()
    by_request = ByRequest()
    open_due = OpenDue()


class MembersByUnit(GlobalSecondaryIndex):
    """The same by_unit index, declared again: PynamoDB binds an index class to one model."""

    Meta = index_meta("by_unit")

    unit = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class UnitMemberRecord(Model):
    Meta = meta("escalations")

    escalation_id = UnicodeAttribute(hash_key=True)  # "member#<unit>#<user_id>"
    unit = UnicodeAttribute()  # "member#<unit>"
    created_at = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute(default="")

    by_unit = MembersByUnit()


class UnitsIndex(GlobalSecondaryIndex):
    """The by_unit index once more, for the unit definitions (partition "units")."""

    Meta = index_meta("by_unit")

    unit = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class UnitRecord(Model):
    """A producer unit as admins manage it (overrides a built-in unit of the same code)."""

    Meta = meta("escalations")

    escalation_id = UnicodeAttribute(hash_key=True)  # "unit#<code>"
    unit = UnicodeAttribute(default="units")
    created_at = UnicodeAttribute()
    code = UnicodeAttribute()
    name = UnicodeAttribute()
    active = BooleanAttribute(default=True)
    sla_days = NumberAttribute(null=True)  # working days to answer an escalation (None: settings' default)
    head = UnicodeAttribute(null=True)  # user id of the head of the unit (told when an escalation is overdue)
    updated_at = UnicodeAttribute(default="")
    updated_by = UnicodeAttribute(default="")

    by_unit = UnitsIndex()

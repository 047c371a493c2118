"""Operators (quota, load, services) and the duty roster.

Access patterns: operator by id (GetItem/BatchGet); shifts by local day (Query on `day`)."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class AllOperators(GlobalSecondaryIndex):
    Meta = index_meta("all_operators")

    gsi_all = UnicodeAttribute(hash_key=True)


class OperatorRecord(Model):
    Meta = meta("operators")

    operator_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    email = UnicodeAttribute(null=True)
    quota = NumberAttribute(default=5)
    load = NumberAttribute(default=0)
    active = BooleanAttribute(default=True)
    # absent (sick, leave): off delegation and their open requests redistributed (fulfilment.assign.redistribute)
    absent = BooleanAttribute(default=False)
    absent_since = UnicodeAttribute(null=True)
    services = ListAttribute(default=list)  # [] = every kind; else e.g. ["consultation:data", "data_order", "complaint"]
    units = ListAttribute(default=list)
    last_assigned_at = UnicodeAttribute(default="")
    # handling time (delegation.service.minutes_per_request): deliveries counted, office minutes start -> delivery
    handled = NumberAttribute(default=0)
    handled_minutes = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(default="")
    gsi_all = UnicodeAttribute(default="OP")

    all_operators = AllOperators()


class ShiftRecord(Model):
    Meta = meta("roster")

    day = UnicodeAttribute(hash_key=True)  # local (Asia/Jakarta) date of the shift start, YYYY-MM-DD
    slot = UnicodeAttribute(range_key=True)  # "<start iso>#<operator_id>"
    operator_id = UnicodeAttribute()
    start = UnicodeAttribute()
    end = UnicodeAttribute()
    updated_by = UnicodeAttribute(default="")

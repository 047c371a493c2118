"""The staff directory: one item per user (`user_id` = the identity provider's `sub`).

Access patterns: entry by user id (GetItem; every authenticated request, cached 30 s per container); every
entry (Query on the `all_staff` GSI; admin list, the last-admin check). The domain works with the plain
dataclasses below; the repository maps them to the PynamoDB model (or keeps them in memory in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta

#: the roles the directory grants (chalicelib.core.auth.DIRECTORY_ROLES)
STAFF_ROLES = ("operator", "supervisor", "producer", "admin")


class AllStaff(GlobalSecondaryIndex):
    Meta = index_meta("all_staff")

    gsi_all = UnicodeAttribute(hash_key=True)


class StaffRecord(Model):
    Meta = meta("staff")

    user_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(default="")
    email = UnicodeAttribute(null=True)
    roles = ListAttribute(default=list)
    active = BooleanAttribute(default=True)
    units = ListAttribute(default=list)  # producer units (memberships are derived: escalation)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute(default="")
    version = NumberAttribute(default=0)  # optimistic concurrency and the audit stream's sequence
    audit_hash = UnicodeAttribute(default="")  # hash of the entry's last audit record (chain without a read)
    gsi_all = UnicodeAttribute(default="STAFF")

    all_staff = AllStaff()


@dataclass
class StaffMember:
    user_id: str
    name: str
    email: str | None = None
    roles: list[str] = field(default_factory=list)
    active: bool = True
    units: list[str] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""
    updated_by: str = ""
    version: int = 0
    audit_hash: str = ""


@dataclass
class OperatorSettings:
    """What delegation reads of an operator (chalicelib.delegation.models.OperatorRecord)."""

    quota: int = 5
    services: list[str] = field(default_factory=list)
    active: bool = True
    load: int = 0


@dataclass
class Unit:
    code: str
    name: str
    active: bool = True
    builtin: bool = False
    sla_days: int | None = None  # working days to answer an escalation (None: SLA_DAYS_ESCALATION)
    head: str | None = None  # user id of the head of the unit (overdue escalations are reported to them)


@dataclass
class Change:
    """One staff change, committed atomically by the repository: the entry (created when `expected_version` is
    None), its audit record, the operator record (`operator` None = leave as is) and unit memberships."""

    member: StaffMember
    expected_version: int | None
    action: str
    audit: dict
    operator: OperatorSettings | None = None
    add_units: list[str] = field(default_factory=list)
    remove_units: list[str] = field(default_factory=list)

"""Where the staff directory, operators and units live. `DynamoStaffRepository` is the real one: the entry, its
audit record, the operator record and the unit memberships of one change are ONE DynamoDB transaction;
`InMemoryStaffRepository` is the fake the unit tests use (same contract, Conflict on a stale version)."""

from __future__ import annotations

import copy
from typing import Any, Protocol

from chalicelib.core.errors import Conflict, NotFound
from chalicelib.staff.models import Change, OperatorSettings, StaffMember, StaffRecord, Unit


class StaffRepository(Protocol):
    def get(self, user_id: str, consistent: bool = False) -> StaffMember | None: ...
    def list_all(self) -> list[StaffMember]: ...
    def operators(self, ids: list[str]) -> dict[str, OperatorSettings]: ...
    def memberships(self, user_id: str) -> set[str]: ...
    def commit(self, change: Change) -> None: ...
    def snapshot(self, user_id: str) -> tuple[StaffMember | None, OperatorSettings | None, set[str]]: ...
    def units(self) -> dict[str, Unit]: ...
    def unit_members(self, code: str) -> list[tuple[str, str]]: ...
    def save_unit(self, unit: Unit, actor: str, create: bool) -> Unit: ...
    def update_unit(self, code: str, changes: dict[str, Any], actor: str) -> Unit | None: ...


def _audit_record(change: Change) -> Any:
    from chalicelib.audit.models import make_record

    m = change.member
    return make_record(f"staff#{m.user_id}", m.version, change.member.audit_hash, m.updated_at, m.updated_by,
                       change.action, change.audit)


# --- DynamoDB ------------------------------------------------------------------------------------------
def _to_member(r: StaffRecord) -> StaffMember:
    return StaffMember(user_id=r.user_id, name=r.name or "", email=r.email, roles=list(r.roles or []),
                       active=bool(r.active), units=list(r.units or []), created_at=r.created_at,
                       updated_at=r.updated_at, updated_by=r.updated_by or "", version=int(r.version or 0),
                       audit_hash=r.audit_hash or "")


class DynamoStaffRepository:
    _connection: Any = None

    def _tx_connection(self) -> Any:
        from pynamodb.connection import Connection

        if DynamoStaffRepository._connection is None:
            DynamoStaffRepository._connection = Connection()
        return DynamoStaffRepository._connection

    def get(self, user_id: str, consistent: bool = False) -> StaffMember | None:
        try:
            return _to_member(StaffRecord.get(user_id, consistent_read=consistent))
        except StaffRecord.DoesNotExist:
            return None

    def list_all(self) -> list[StaffMember]:
        return sorted((_to_member(r) for r in StaffRecord.all_staff.query("STAFF")), key=lambda m: m.user_id)

    def operators(self, ids: list[str]) -> dict[str, OperatorSettings]:
        from chalicelib.delegation.models import OperatorRecord

        ids = sorted(set(ids))
        if not ids:
            return {}
        out = {}
        for i in range(0, len(ids), 100):
            for o in OperatorRecord.batch_get(ids[i:i + 100]):
                out[o.operator_id] = OperatorSettings(quota=int(o.quota or 0), services=list(o.services or []),
                                                      active=bool(o.active), load=int(o.load or 0))
        return out

    def memberships(self, user_id: str) -> set[str]:
        from chalicelib.escalation import service as escalation

        return set(escalation.units_of(user_id))

    def snapshot(self, user_id: str) -> tuple[StaffMember | None, OperatorSettings | None, set[str]]:
        """What a change of the entry starts from, in ONE BatchGetItem over three tables: the entry (consistent),
        its operator record and its unit memberships (one key per unit: the unit list is cached)."""
        from chalicelib.core.db import batch_get
        from chalicelib.delegation.models import OperatorRecord
        from chalicelib.escalation import service as escalation
        from chalicelib.escalation.models import UnitMemberRecord

        units = list(escalation.all_units())
        got = batch_get([(StaffRecord, [user_id], True), (OperatorRecord, [user_id], False),
                         (UnitMemberRecord, [f"member#{u}#{user_id}" for u in units], False)])
        entry = next(iter(got[StaffRecord]), None)
        op = next(iter(got[OperatorRecord]), None)
        found = {m.escalation_id for m in got[UnitMemberRecord]}
        return (None if entry is None else _to_member(entry),
                None if op is None else OperatorSettings(quota=int(op.quota or 0), services=list(op.services or []),
                                                         active=bool(op.active), load=int(op.load or 0)),
                {u for u in units if f"member#{u}#{user_id}" in found})

    def commit(self, change: Change) -> None:
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from chalicelib.audit.models import AuditRecord
        from chalicelib.delegation.models import OperatorRecord
        from chalicelib.escalation.models import UnitMemberRecord

        m = change.member
        audit = _audit_record(change)
        rec = StaffRecord(user_id=m.user_id, name=m.name, email=m.email, roles=sorted(m.roles), active=m.active,
                          units=sorted(m.units), created_at=m.created_at, updated_at=m.updated_at,
                          updated_by=m.updated_by, version=m.version, audit_hash=audit.hash)
        cond = (StaffRecord.user_id.does_not_exist() if change.expected_version is None
                else StaffRecord.version == change.expected_version)
        try:
            with TransactWrite(connection=self._tx_connection()) as tx:
                tx.save(rec, condition=cond)
                tx.save(audit, condition=AuditRecord.seq.does_not_exist())
                if change.operator is not None:
                    o = change.operator
                    tx.update(OperatorRecord(m.user_id), actions=[
                        OperatorRecord.name.set(m.name), OperatorRecord.email.set(m.email or ""),
                        OperatorRecord.quota.set(o.quota), OperatorRecord.services.set(list(o.services)),
                        OperatorRecord.active.set(o.active), OperatorRecord.updated_at.set(m.updated_at),
                        OperatorRecord.load.set(OperatorRecord.load | 0),
                        OperatorRecord.last_assigned_at.set(OperatorRecord.last_assigned_at | ""),
                        OperatorRecord.gsi_all.set("OP"),
                    ])
                for unit in change.add_units:
                    tx.save(UnitMemberRecord(escalation_id=f"member#{unit}#{m.user_id}", unit=f"member#{unit}",
                                             created_at=m.updated_at, user_id=m.user_id, name=m.name or m.user_id))
                for unit in change.remove_units:
                    tx.delete(UnitMemberRecord(escalation_id=f"member#{unit}#{m.user_id}"))
        except TransactWriteError as exc:
            codes = [getattr(r, "code", None) for r in (getattr(exc, "cancellation_reasons", None) or []) if r]
            if "ConditionalCheckFailed" in codes and change.expected_version is None:
                raise Conflict(f"staff member {m.user_id} already exists", code="duplicate") from exc
            if exc.cause_response_code == "TransactionCanceledException":
                raise Conflict("the staff member was changed concurrently; reload and retry",
                               code="concurrent_update") from exc
            raise

    def units(self) -> dict[str, Unit]:
        from chalicelib.escalation import service as escalation

        return {code: Unit(code=code, name=name, active=active, builtin=code in escalation.UNITS,
                           sla_days=escalation.unit_settings(code)[0], head=escalation.unit_settings(code)[1])
                for code, (name, active) in escalation.all_units().items()}

    def unit_members(self, code: str) -> list[tuple[str, str]]:
        from chalicelib.escalation import service as escalation

        return sorted((m.user_id, m.name or m.user_id) for m in escalation.members(code))

    def save_unit(self, unit: Unit, actor: str, create: bool) -> Unit:
        from chalicelib.escalation import service as escalation

        rec = escalation.save_unit(unit.code, unit.name, unit.active, actor, create, sla_days=unit.sla_days,
                                   head=unit.head)
        return _to_unit(rec)

    def update_unit(self, code: str, changes: dict[str, Any], actor: str) -> Unit | None:
        from chalicelib.escalation import service as escalation

        rec = escalation.update_unit(code, actor, changes)
        return None if rec is None else _to_unit(rec)


def _to_unit(rec: Any) -> Unit:
    from chalicelib.escalation import service as escalation

    return Unit(code=rec.code, name=rec.name, active=bool(rec.active), builtin=rec.code in escalation.UNITS,
                sla_days=int(rec.sla_days) if rec.sla_days else None, head=rec.head or None)


# --- in memory (unit tests) ----------------------------------------------------------------------------
BUILTIN_UNITS = {"produksi": "Statistik Produksi", "sosial": "Statistik Sosial"}


class InMemoryStaffRepository:
    def __init__(self, units: dict[str, str] | None = None) -> None:
        self.staff: dict[str, StaffMember] = {}
        self.ops: dict[str, OperatorSettings] = {}
        self.members: dict[str, dict[str, str]] = {}  # unit -> user -> name
        self._units = {c: Unit(c, n, True, True) for c, n in (units or BUILTIN_UNITS).items()}
        self.audit: list[tuple[str, int, str]] = []
        self.fail_next_commit = False

    def get(self, user_id: str, consistent: bool = False) -> StaffMember | None:
        m = self.staff.get(user_id)
        return copy.deepcopy(m) if m else None

    def list_all(self) -> list[StaffMember]:
        return [copy.deepcopy(self.staff[k]) for k in sorted(self.staff)]

    def operators(self, ids: list[str]) -> dict[str, OperatorSettings]:
        return {i: copy.deepcopy(self.ops[i]) for i in ids if i in self.ops}

    def memberships(self, user_id: str) -> set[str]:
        return {u for u, users in self.members.items() if user_id in users}

    def snapshot(self, user_id: str) -> tuple[StaffMember | None, OperatorSettings | None, set[str]]:
        return self.get(user_id), self.operators([user_id]).get(user_id), self.memberships(user_id)

    def commit(self, change: Change) -> None:
        m = change.member
        current = self.staff.get(m.user_id)
        if change.expected_version is None and current is not None:
            raise Conflict(f"staff member {m.user_id} already exists", code="duplicate")
        if change.expected_version is not None and (current is None or current.version != change.expected_version):
            raise Conflict("the staff member was changed concurrently; reload and retry", code="concurrent_update")
        if self.fail_next_commit:
            self.fail_next_commit = False
            raise RuntimeError("injected failure")
        audit = _audit_record(change)
        stored = copy.deepcopy(m)
        stored.audit_hash = audit.hash
        self.staff[m.user_id] = stored
        self.audit.append((m.user_id, m.version, change.action))
        if change.operator is not None:
            load = self.ops[m.user_id].load if m.user_id in self.ops else 0
            self.ops[m.user_id] = OperatorSettings(change.operator.quota, list(change.operator.services),
                                                   change.operator.active, load)
        for u in change.add_units:
            self.members.setdefault(u, {})[m.user_id] = m.name
        for u in change.remove_units:
            self.members.get(u, {}).pop(m.user_id, None)

    def units(self) -> dict[str, Unit]:
        return copy.deepcopy(self._units)

    def unit_members(self, code: str) -> list[tuple[str, str]]:
        return sorted(self.members.get(code, {}).items())

    def save_unit(self, unit: Unit, actor: str, create: bool) -> Unit:
        if create and unit.code in self._units:
            raise Conflict(f"unit {unit.code} already exists", code="duplicate")
        if not create and unit.code not in self._units:
            raise NotFound("unit not found")
        builtin = self._units[unit.code].builtin if unit.code in self._units else False
        self._units[unit.code] = Unit(unit.code, unit.name, unit.active, builtin, unit.sla_days, unit.head)
        return copy.deepcopy(self._units[unit.code])

    def update_unit(self, code: str, changes: dict[str, Any], actor: str) -> Unit | None:
        u = self._units.get(code)
        if u is None:
            return None
        self._units[code] = Unit(code, changes.get("name", u.name), changes.get("active", u.active), u.builtin,
                                 changes.get("sla_days", u.sla_days), changes.get("head", u.head))
        return copy.deepcopy(self._units[code])

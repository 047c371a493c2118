"""Staff and units use cases (admin only; the routes are in app.py's "staff and units" section).

How roles combine (chalicelib.core.auth): a user with a directory entry holds exactly the entry's staff roles
(operator, supervisor, producer, admin), none while the entry is deactivated; users without an entry keep the
roles the identity provider maps. Every change is one DynamoDB transaction (entry + audit record + operator
record + unit memberships) and drops this container's cached entry at once; other containers see it within
`staff_roles_cache_s` (30 s).

Operators stay delegation's operator records (quota, load, services, active): an active entry with the operator
role keeps an active operator record; losing the role or being deactivated makes it inactive (its load and
history stay; a supervisor reassigns what it holds). Producer units and memberships are escalation's."""

from __future__ import annotations

from typing import Any

from chalicelib.core import clock
from chalicelib.core.auth import Principal, StaffGrant, forget_grant
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.staff.models import Change, OperatorSettings, StaffMember, Unit
from chalicelib.staff.repository import DynamoStaffRepository, StaffRepository
from chalicelib.staff.schemas import (
    MemberOut,
    MyRolesOut,
    OperatorOut,
    StaffIn,
    StaffOut,
    StaffPatchIn,
    UnitIn,
    UnitOut,
    UnitPatchIn,
)

DEFAULT_QUOTA = 5


def _request_drain() -> None:
    from chalicelib.delegation import service as delegation

    delegation.request_drain()


def _request_redistribute(operator_id: str) -> None:
    from chalicelib.delegation import service as delegation

    delegation.request_redistribute(operator_id, "inactive")


class StaffService:
    def __init__(self, repo: StaffRepository | None = None, drain: Any = None, redistribute: Any = None) -> None:
        self.repo: StaffRepository = repo or DynamoStaffRepository()
        self._drain = drain or _request_drain
        self._redistribute = redistribute or _request_redistribute

    # --- reading ---------------------------------------------------------------------------------------
    def _out(self, m: StaffMember, op: OperatorSettings | None) -> StaffOut:
        return StaffOut(user_id=m.user_id, name=m.name, email=m.email, roles=sorted(m.roles), active=m.active,
                        units=sorted(m.units), created_at=m.created_at, updated_at=m.updated_at,
                        updated_by=m.updated_by, version=m.version,
                        operator=OperatorOut(quota=op.quota, load=op.load, services=op.services, active=op.active)
                        if op else None)

    def list_staff(self) -> list[StaffOut]:
        members = self.repo.list_all()
        ops = self.repo.operators([m.user_id for m in members])
        return [self._out(m, ops.get(m.user_id)) for m in members]

    def _find(self, user_id: str) -> StaffMember:
        m = self.repo.get(user_id, consistent=True)
        if m is None:
            raise NotFound("staff member not found")
        return m

    def get(self, user_id: str) -> StaffOut:
        m = self._find(user_id)
        return self._out(m, self.repo.operators([user_id]).get(user_id))

    def grant(self, sub: str) -> StaffGrant | None:
        """The role source of chalicelib.core.auth: the caller's directory entry, if any."""
        m = self.repo.get(sub)
        return None if m is None else StaffGrant(roles=frozenset(m.roles), active=m.active)

    @staticmethod
    def my_roles(p: Principal) -> MyRolesOut:
        idp = p.idp_roles if p.idp_roles is not None else p.roles
        return MyRolesOut(user_id=p.sub, roles=sorted(p.roles), idp_roles=sorted(idp), staff=p.grant is not None,
                          staff_active=p.grant.active if p.grant is not None else None)

    # --- changing --------------------------------------------------------------------------------------
    def create(self, actor: Principal | str, body: StaffIn) -> StaffOut:
        now = clock.iso()
        m = StaffMember(user_id=body.user_id, name=body.name, email=str(body.email).lower() if body.email else None,
                        roles=list(body.roles), active=body.active, units=list(body.units), created_at=now,
                        updated_at=now, updated_by=_sub(actor), version=1)
        given = body.model_dump(exclude_unset=True)
        return self._commit(actor, None, m, given, "staff.created")

    def update(self, actor: Principal | str, user_id: str, body: StaffPatchIn) -> StaffOut:
        given = body.model_dump(exclude_unset=True)
        given = {k: v for k, v in given.items() if v is not None or k == "email"}
        if not given:
            raise BadRequest("nothing to change: give name, email, roles, active, quota, services and/or units")
        before, existing, current = self.repo.snapshot(user_id)  # ONE read: entry, operator record, memberships
        if before is None:
            raise NotFound("staff member not found")
        m = StaffMember(**{**before.__dict__})
        for k in ("name", "roles", "active", "units"):
            if k in given:
                setattr(m, k, list(given[k]) if isinstance(given[k], list) else given[k])
        if "email" in given:
            m.email = str(given["email"]).lower() if given["email"] else None
        m.updated_at, m.updated_by, m.version = clock.iso(), _sub(actor), before.version + 1
        return self._commit(actor, before, m, given, "staff.updated", existing, current)

    def _commit(self, actor: Principal | str, before: StaffMember | None, m: StaffMember, given: dict[str, Any],
                action: str, existing: OperatorSettings | None = None, current: set[str] | None = None) -> StaffOut:
        """`existing`/`current`: the operator record and memberships as read with the entry (an update); a new
        entry reads its operator record here."""
        self._validate(actor, before, m, given)
        if before is None:
            existing = self.repo.operators([m.user_id]).get(m.user_id)
        operator = self._operator_change(m, given, existing)
        desired = set(m.units) if m.active and "producer" in m.roles else set()
        current = current or set()
        audit = {"roles": sorted(m.roles), "active": m.active, "units": sorted(m.units),
                 "changed": sorted(given), **({"operator": operator.__dict__} if operator else {})}
        self.repo.commit(Change(member=m, expected_version=None if before is None else before.version,
                                action=action, audit=audit, operator=operator,
                                add_units=sorted(desired - current), remove_units=sorted(current - desired)))
        forget_grant(m.user_id)
        if operator is not None and operator.active and (
                existing is None or not existing.active or operator.quota > existing.quota
                or operator.services != existing.services):
            self._drain()  # new capacity: queued requests may be assigned now
        if operator is not None and not operator.active and existing is not None and existing.active:
            self._redistribute(m.user_id)  # deactivated (or no longer an operator): their open requests move
        if operator is not None:
            operator.load = existing.load if existing else 0
        return self._out(m, operator if operator is not None else existing)

    def _validate(self, actor: Principal | str, before: StaffMember | None, m: StaffMember,
                  given: dict[str, Any]) -> None:
        errors: list[dict[str, Any]] = []
        if m.units:
            units = self.repo.units()
            unknown = [u for u in m.units if u not in units]
            if unknown:
                errors.append({"loc": ["units"], "msg": f"unknown unit(s) {unknown}", "type": "unknown_unit"})
            if "producer" not in m.roles:
                errors.append({"loc": ["units"], "msg": "units are for the producer role", "type": "producer_only"})
        for k in ("quota", "services"):
            if given.get(k) is not None and "operator" not in m.roles:
                errors.append({"loc": [k], "msg": f"{k} is for the operator role", "type": "operator_only"})
        if errors:
            raise BadRequest("invalid staff member", details=errors)
        if _sub(actor) == m.user_id:  # four eyes: nobody widens their own access (admin is not a supervisor)
            added = set(m.roles) - set(before.roles if before is not None else ["admin"])
            if added or (before is not None and not before.active and m.active):
                raise Conflict("you cannot grant yourself staff roles; another admin must", code="self_grant")
        was_admin = before is not None and before.active and "admin" in before.roles
        if was_admin and not (m.active and "admin" in m.roles):
            if _sub(actor) == m.user_id:
                raise Conflict("you cannot remove your own admin access", code="self_lockout")
            others = [x for x in self.repo.list_all()
                      if x.user_id != m.user_id and x.active and "admin" in x.roles]
            if not others:
                raise Conflict("the last active admin cannot lose the admin role", code="last_admin")

    @staticmethod
    def _operator_change(m: StaffMember, given: dict[str, Any], existing: OperatorSettings | None
                         ) -> OperatorSettings | None:
        if m.active and "operator" in m.roles:
            quota = given.get("quota")
            services = given.get("services")
            return OperatorSettings(
                quota=int(quota if quota is not None else (existing.quota if existing else DEFAULT_QUOTA)),
                services=list(services if services is not None else (existing.services if existing else [])),
                active=True)
        if existing is not None:  # no longer an operator (or deactivated): keep the record, inactive
            return OperatorSettings(quota=existing.quota, services=list(existing.services), active=False)
        return None

    def bootstrap_admin(self, user_id: str, name: str, email: str | None = None) -> tuple[StaffOut, bool]:
        """The first admin of a fresh deployment (scripts/bootstrap_admin.py). Idempotent: an active admin is
        left as is; an existing entry gets the admin role and is reactivated."""
        m = self.repo.get(user_id, consistent=True)
        if m is not None and m.active and "admin" in m.roles:
            return self.get(user_id), False
        if m is None:
            return self.create("bootstrap", StaffIn(user_id=user_id, name=name, email=email, roles=["admin"])), True
        roles = sorted({*m.roles, "admin"})
        return self.update("bootstrap", user_id, StaffPatchIn(roles=roles, active=True)), True

    # --- units -----------------------------------------------------------------------------------------
    @staticmethod
    def _unit_out(u: Unit, members: list[tuple[str, str]] | None = None) -> UnitOut:
        return UnitOut(code=u.code, name=u.name, active=u.active, builtin=u.builtin, sla_days=u.sla_days, head=u.head,
                       members=[MemberOut(user_id=i, name=n) for i, n in members or []])

    def list_units(self) -> list[UnitOut]:
        return [self._unit_out(u) for _, u in sorted(self.repo.units().items())]

    def get_unit(self, code: str) -> UnitOut:
        u = self.repo.units().get(code)
        if u is None:
            raise NotFound("unit not found")
        return self._unit_out(u, self.repo.unit_members(code))

    def create_unit(self, actor: Principal | str, body: UnitIn) -> UnitOut:
        if body.code in self.repo.units():
            raise Conflict(f"unit {body.code} already exists", code="duplicate")
        self._check_head(body.head)
        return self._unit_out(self.repo.save_unit(Unit(body.code, body.name, body.active, False, body.sla_days,
                                                       body.head), _sub(actor), True))

    def _check_head(self, head: str | None) -> None:
        """The head of a unit is an active member of the staff directory."""
        if head is None:
            return
        m = self.repo.get(head)
        if m is None or not m.active:
            raise BadRequest("invalid unit", details=[{"loc": ["head"], "msg": f"{head} is not an active staff member",
                                                      "type": "not_active_staff"}])

    def update_unit(self, actor: Principal | str, code: str, body: UnitPatchIn) -> UnitOut:
        given = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
        if not given:
            raise BadRequest("nothing to change: give name, active, sla_days and/or head")
        try:
            self._check_head(given.get("head"))
        except BadRequest:
            if code not in self.repo.units():  # the unit list is cached: an unknown unit is still a 404
                raise NotFound("unit not found") from None
            raise
        saved = self.repo.update_unit(code, given, _sub(actor))  # ONE conditional update answering the unit
        if saved is None:
            raise NotFound("unit not found")
        return self._unit_out(saved, self.repo.unit_members(code))


def _sub(actor: Principal | str) -> str:
    return actor if isinstance(actor, str) else actor.sub


def grant(sub: str) -> StaffGrant | None:
    """The role source app.py registers with chalicelib.core.auth."""
    return StaffService().grant(sub)

"""The staff service's rules with the in-memory repository (issue 18): roles, operators' settings, producer
units and memberships, the last-admin guard, optimistic concurrency, the bootstrap admin, role grants."""

from __future__ import annotations

import pytest

from chalicelib.core.auth import Principal, StaffGrant, combine_roles
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.staff.repository import InMemoryStaffRepository
from chalicelib.staff.schemas import StaffIn, StaffPatchIn, UnitIn, UnitPatchIn
from chalicelib.staff.service import StaffService

ADMIN = Principal(sub="admin-sub", roles=frozenset({"admin"}))


@pytest.fixture
def svc():
    drains: list[int] = []
    s = StaffService(InMemoryStaffRepository(), drain=lambda: drains.append(1))
    s.drains = drains
    s.bootstrap_admin("admin-sub", "Admin Pertama")
    return s


def _op(svc, uid="op-1", **kw):
    body = {"user_id": uid, "name": "Agus", "roles": ["operator"], **kw}
    return svc.create(ADMIN, StaffIn.model_validate(body))


def test_create_operator_makes_an_active_operator_record_and_asks_for_a_drain(svc):
    out = _op(svc, quota=3, services=["consultation"])
    assert out.operator is not None and (out.operator.quota, out.operator.services, out.operator.active) == (
        3, ["consultation"], True)
    assert svc.repo.ops["op-1"].active and svc.drains == [1]
    assert svc.grant("op-1") == StaffGrant(frozenset({"operator"}), True)
    assert out.version == 1 and svc.repo.audit[-1] == ("op-1", 1, "staff.created")


def test_default_quota_and_duplicate_is_409(svc):
    assert _op(svc).operator.quota == 5
    with pytest.raises(Conflict) as e:
        _op(svc)
    assert e.value.code == "duplicate"


def test_deactivation_revokes_roles_and_deactivates_the_operator_keeping_load(svc):
    _op(svc)
    svc.repo.ops["op-1"].load = 2
    out = svc.update(ADMIN, "op-1", StaffPatchIn(active=False))
    assert not out.active and out.operator.active is False and out.operator.load == 2
    grant = svc.grant("op-1")
    assert combine_roles(frozenset({"operator", "consumer"}), grant) == {"consumer"}
    # reactivated: operator again, settings kept, capacity -> drain
    before = len(svc.drains)
    out = svc.update(ADMIN, "op-1", StaffPatchIn(active=True))
    assert out.operator.active and out.operator.quota == 5 and len(svc.drains) == before + 1


def test_losing_the_operator_role_keeps_an_inactive_record(svc):
    _op(svc, roles=["operator", "supervisor"])
    out = svc.update(ADMIN, "op-1", StaffPatchIn(roles=["supervisor"]))
    assert out.roles == ["supervisor"] and out.operator.active is False


def test_quota_and_services_need_the_operator_role_units_need_producer(svc):
    with pytest.raises(BadRequest):
        svc.create(ADMIN, StaffIn(user_id="sv", name="S", roles=["supervisor"], quota=3))
    with pytest.raises(BadRequest):
        svc.create(ADMIN, StaffIn(user_id="p", name="P", roles=["operator"], units=["produksi"]))
    with pytest.raises(BadRequest):
        svc.create(ADMIN, StaffIn(user_id="p", name="P", roles=["producer"], units=["nope"]))


def test_producer_memberships_follow_units_role_and_active(svc):
    svc.create(ADMIN, StaffIn(user_id="pr", name="Bambang", roles=["producer"], units=["produksi"]))
    assert svc.repo.memberships("pr") == {"produksi"}
    svc.update(ADMIN, "pr", StaffPatchIn(units=["sosial"]))
    assert svc.repo.memberships("pr") == {"sosial"}
    svc.update(ADMIN, "pr", StaffPatchIn(active=False))
    assert svc.repo.memberships("pr") == set()  # a deactivated producer gets no escalations
    svc.update(ADMIN, "pr", StaffPatchIn(active=True))
    assert svc.repo.memberships("pr") == {"sosial"}
    assert [m.user_id for m in svc.get_unit("sosial").members] == ["pr"]


def test_last_admin_and_self_lockout(svc):
    with pytest.raises(Conflict) as e:
        svc.update(ADMIN, "admin-sub", StaffPatchIn(active=False))
    assert e.value.code == "self_lockout"
    with pytest.raises(Conflict) as e:
        svc.update("someone-else", "admin-sub", StaffPatchIn(roles=["operator"]))
    assert e.value.code == "last_admin"
    svc.create(ADMIN, StaffIn(user_id="admin-2", name="Admin Dua", roles=["admin"]))
    assert svc.update("admin-2", "admin-sub", StaffPatchIn(active=False)).active is False


def test_stale_version_is_a_conflict_and_a_failed_commit_changes_nothing(svc):
    _op(svc)
    before = svc.repo.get("op-1")
    svc.update(ADMIN, "op-1", StaffPatchIn(quota=7))
    from chalicelib.staff.models import Change

    with pytest.raises(Conflict):
        svc.repo.commit(Change(member=before, expected_version=before.version, action="x", audit={}))
    svc.repo.fail_next_commit = True
    with pytest.raises(RuntimeError):
        svc.update(ADMIN, "op-1", StaffPatchIn(quota=9))
    assert svc.get("op-1").operator.quota == 7


def test_unknown_staff_is_404_and_empty_patch_400(svc):
    with pytest.raises(NotFound):
        svc.get("ghost")
    with pytest.raises(NotFound):
        svc.update(ADMIN, "ghost", StaffPatchIn(active=False))
    _op(svc)
    with pytest.raises(BadRequest):
        svc.update(ADMIN, "op-1", StaffPatchIn())


def test_bootstrap_admin_is_idempotent_and_promotes_an_existing_entry(svc):
    _, changed = svc.bootstrap_admin("admin-sub", "Admin Pertama")
    assert changed is False
    _op(svc, uid="op-2")
    out, changed = svc.bootstrap_admin("op-2", "Agus")
    assert changed and out.roles == ["admin", "operator"]


def test_units_create_rename_deactivate(svc):
    u = svc.create_unit(ADMIN, UnitIn(code="ipds", name="Integrasi Pengolahan dan Diseminasi Statistik"))
    assert u.active and not u.builtin
    with pytest.raises(Conflict):
        svc.create_unit(ADMIN, UnitIn(code="ipds", name="lagi"))
    with pytest.raises(Conflict):
        svc.create_unit(ADMIN, UnitIn(code="produksi", name="built-in"))
    out = svc.update_unit(ADMIN, "produksi", UnitPatchIn(active=False))
    assert out.builtin and not out.active
    with pytest.raises(NotFound):
        svc.update_unit(ADMIN, "nope", UnitPatchIn(name="x"))
    assert [u.code for u in svc.list_units()] == ["ipds", "produksi", "sosial"]


def test_my_roles_reports_sources():
    p = Principal(sub="u", roles=frozenset({"operator", "consumer"}), idp_roles=frozenset({"consumer"}),
                  grant=StaffGrant(frozenset({"operator"}), True))
    out = StaffService.my_roles(p)
    assert out.roles == ["consumer", "operator"] and out.idp_roles == ["consumer"] and out.staff is True


def test_nobody_grants_themselves_roles(svc):
    me = Principal(sub="admin-sub", roles=frozenset({"admin"}))
    with pytest.raises(Conflict) as e:
        svc.update(me, "admin-sub", StaffPatchIn(roles=["admin", "supervisor"]))
    assert e.value.code == "self_grant"
    other = Principal(sub="idp-admin", roles=frozenset({"admin"}))  # an IdP admin without an entry yet
    with pytest.raises(Conflict):
        svc.create(other, StaffIn(user_id="idp-admin", name="X", roles=["admin", "operator"]))
    assert svc.create(other, StaffIn(user_id="idp-admin", name="X", roles=["admin"])).roles == ["admin"]
    # another admin may
    assert svc.update(other, "admin-sub", StaffPatchIn(roles=["admin", "supervisor"])).roles == ["admin", "supervisor"]

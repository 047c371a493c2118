"""Staff and units managed in the product, through the API under moto (issue 18): an admin creates a unit and
operators, a supervisor rosters them and a request is delegated to one of them; the directory grants and
revokes staff roles of identity-provider users at once; producers of a new unit answer escalations; errors
follow SPEC §4; malformed token claims are 401."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest

from chalicelib.core import clock
from tests.integration.helpers import status_of, submit


def _token(sso, sub: str, **claims) -> str:
    now = int(time.time())
    body = {"iss": sso.issuer, "aud": "silastik", "sub": sub, "iat": now, "nbf": now, "exp": now + 600,
            "roles": ["consumer"], "name": sub, **claims}
    return jwt.api_jws.encode(__import__("json").dumps(body).encode(), sso.key, algorithm="RS256",
                              headers={"kid": sso.kid})


class As:
    """Calls as an identity-provider user who is not a demo user (a token the issuer signed)."""

    def __init__(self, api, sso, sub: str, **claims) -> None:
        self.api, self.headers = api, {"Authorization": f"Bearer {_token(sso, sub, **claims)}"}

    def __call__(self, method: str, path: str, body=None):
        return self.api.call(method, path, body=body, headers=self.headers)


def _shift(operator_id: str) -> dict:
    now = clock.now()
    return {"operator_id": operator_id, "start": clock.iso(now - timedelta(minutes=5)),
            "end": clock.iso(now + timedelta(hours=8))}


def test_fresh_desk_through_the_api(api, worker, sso):
    # a unit and two operators, created by the admin (no seed: nobody else is an operator)
    st, unit = api.post("/ops/units", "admin1", {"code": "ipds", "name": "Integrasi Pengolahan dan Diseminasi"})
    assert st == 201 and unit["active"] and not unit["builtin"], unit
    for sub, quota in (("kc-op-1", 2), ("kc-op-2", 1)):
        st, out = api.post("/ops/staff", "admin1", {"user_id": sub, "name": f"Petugas {sub[-1]}",
                                                     "email": f"{sub}@bps.example.id", "roles": ["operator"],
                                                     "quota": quota, "services": ["consultation"]})
        assert st == 201 and out["operator"] == {"quota": quota, "load": 0, "services": ["consultation"],
                                                 "active": True}, out
    st, sup = api.post("/ops/staff", "admin1", {"user_id": "kc-sup-1", "name": "Kepala Layanan",
                                                 "roles": ["supervisor"]})
    assert st == 201 and sup["operator"] is None
    supervisor = As(api, sso, "kc-sup-1")  # the IdP says consumer; the directory says supervisor
    st, roster = supervisor("PUT", "/ops/roster", {"shifts": [_shift("kc-op-1"), _shift("kc-op-2")]})
    assert st == 200 and sorted(roster["on_duty"]) == ["kc-op-1", "kc-op-2"], roster

    rid = submit(api, {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Data ekspor?"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assignee = api.get(f"/requests/{rid}", "consumer1")[1]["assignee"]
    assert assignee in ("kc-op-1", "kc-op-2")
    op = As(api, sso, assignee)
    st, queue = op("GET", "/ops/queue")
    assert st == 200 and [r["request_id"] for r in queue] == [rid]
    st, mine = op("GET", "/me/roles")
    assert st == 200 and mine["roles"] == ["consumer", "operator"] and mine["idp_roles"] == ["consumer"]
    assert mine["staff"] is True and mine["staff_active"] is True

    # deactivated: staff roles gone at once (this container), the operator takes nothing more
    st, out = api.patch(f"/ops/staff/{assignee}", "admin1", {"active": False})
    assert st == 200 and out["active"] is False and out["operator"]["active"] is False
    assert op("GET", "/ops/queue")[0] == 403
    assert op("GET", "/me/roles")[1]["roles"] == ["consumer"]
    st, ops = api.get("/ops/operators", "supervisor1")
    assert {o["operator_id"]: o["active"] for o in ops}[assignee] is False


def test_staff_roles_override_the_idp_and_unknown_users_keep_idp_roles(api, sso):
    idp_admin = As(api, sso, "kc-x", roles=["admin"])
    assert idp_admin("GET", "/ops/staff")[0] == 200  # no directory entry: the IdP's roles stand
    assert api.post("/ops/staff", "admin1", {"user_id": "kc-x", "name": "X", "roles": ["operator"]})[0] == 201
    assert idp_admin("GET", "/ops/staff")[0] == 403  # the entry decides staff roles
    assert idp_admin("GET", "/ops/queue")[0] == 200


def test_producers_of_a_new_unit_get_its_escalations(api, worker, sso):
    from tests.factories import put_operator

    put_operator("operator1")
    assert api.post("/ops/units", "admin1", {"code": "ipds", "name": "IPDS"})[0] == 201
    st, prod = api.post("/ops/staff", "admin1", {"user_id": "kc-prod", "name": "Produsen", "roles": ["producer"],
                                                  "units": ["ipds"]})
    assert st == 201 and prod["units"] == ["ipds"], prod
    st, detail = api.get("/ops/units/ipds", "admin1")
    assert st == 200 and detail["members"] == [{"user_id": "kc-prod", "name": "Produsen"}]
    rid = submit(api, {"kind": "consultation", "topic": "metadata", "subject": "Metode", "question": "Metode?"})
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    st, esc = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "ipds", "question": "Metodenya?"})
    assert st == 201 and esc["unit_name"] == "IPDS", esc
    producer = As(api, sso, "kc-prod")
    st, page = producer("GET", "/ops/escalations")
    assert st == 200 and [e["escalation_id"] for e in page["items"]] == [esc["escalation_id"]]
    st, ans = producer("POST", f"/ops/escalations/{esc['escalation_id']}/answer", {"answer": "Begini."})
    assert st == 200 and ans["status"] == "answered", ans
    # a deactivated unit takes no new escalations
    assert api.patch("/ops/units/ipds", "admin1", {"active": False})[1]["active"] is False
    st, err = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "ipds", "question": "Lagi?"})
    assert st == 400 and err["error"]["code"] == "unknown_unit"


def test_errors_follow_the_spec_shape(api):
    body = {"user_id": "kc-dup", "name": "Dup", "roles": ["operator"]}
    assert api.post("/ops/staff", "admin1", body)[0] == 201
    st, err = api.post("/ops/staff", "admin1", body)
    assert st == 409 and err["error"]["code"] == "duplicate"
    st, err = api.get("/ops/staff/ghost", "admin1")
    assert st == 404 and set(err["error"]) >= {"code", "message"}
    assert api.patch("/ops/staff/ghost", "admin1", {"active": False})[0] == 404
    assert api.patch("/ops/units/ghost", "admin1", {"name": "x"})[0] == 404
    assert api.get("/ops/units/ghost", "admin1")[0] == 404
    st, err = api.post("/ops/staff", "admin1", {"user_id": "bad id!", "name": "<b>x</b>", "roles": ["root"]})
    assert st == 400 and err["error"]["code"] == "invalid_input" and len(err["error"]["details"]) == 3
    st, err = api.post("/ops/staff", "admin1", {"user_id": "kc-s", "name": "S", "roles": ["supervisor"], "quota": 3})
    assert st == 400 and err["error"]["details"][0]["loc"] == ["quota"]
    # each field error names its kind, as pydantic's do: the admin page words it in Indonesian (admin/js/api.js)
    assert err["error"]["details"][0]["type"] == "operator_only", err
    assert api.post("/ops/units", "admin1", {"code": "produksi", "name": "lagi"})[0] == 409
    # admin only: a supervisor is not an admin, and admin is not needed to read units
    assert api.get("/ops/staff", "supervisor1")[0] == 403
    assert api.post("/ops/staff", "supervisor1", body)[0] == 403
    assert api.get("/ops/units", "operator1")[0] == 200
    st, staff = api.get("/ops/staff", "admin1")
    assert st == 200 and [s["user_id"] for s in staff] == ["kc-dup"]


def test_admin_cannot_lock_the_desk_out(api, sso):
    assert api.post("/ops/staff", "admin1", {"user_id": "admin1", "name": "Andi", "roles": ["admin"]})[0] == 201
    st, err = api.patch("/ops/staff/admin1", "admin1", {"active": False})
    assert st == 409 and err["error"]["code"] == "self_lockout"


@pytest.mark.parametrize("claims", [{"roles": 5}, {"roles": {"a": 1}}, {"sub": ""}, {"realm_access": "admin"},
                                    {"cognito:groups": [None]}, {"name": ["x"]}, {"aud": None},
                                    {"token_use": "id"}])
def test_malformed_claims_are_401_through_the_api(api, sso, claims):
    sub = claims.pop("sub", "kc-bad")
    st, err = As(api, sso, sub, **claims)("GET", "/me/roles")
    assert st == 401, err
    assert set(err["error"]) >= {"code", "message"}


def test_role_map_from_settings_keycloak_groups(api, sso, monkeypatch):
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("OIDC_ROLE_MAP", "pst-supervisor=supervisor")
    reset_settings()
    kc = As(api, sso, "kc-map", roles=[], realm_access={"roles": ["offline_access", "pst-supervisor"]})
    st, mine = kc("GET", "/me/roles")
    assert st == 200 and mine["roles"] == ["supervisor"], mine


def test_bootstrap_admin_cli_is_idempotent(api, sso, capsys):
    import json

    from scripts.bootstrap_admin import main

    assert main(["--sub", "kc-first-admin", "--name", "Admin Pertama", "--email", "admin@bps.example.id"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["result"] == "created" and first["staff"]["roles"] == ["admin"]
    assert main(["--sub", "kc-first-admin", "--name", "Admin Pertama"]) == 0
    assert json.loads(capsys.readouterr().out)["result"] == "unchanged"
    assert main(["--sub", "bad sub!", "--name", "X"]) == 2
    admin = As(api, sso, "kc-first-admin")  # the IdP gives no role; the directory makes them admin
    st, staff = admin("GET", "/ops/staff")
    assert st == 200 and [s["user_id"] for s in staff] == ["kc-first-admin"]


def test_demo_seed_lists_the_demo_desk_in_the_directory(api):
    from local.seed import seed_operators
    from local.staff_seed import seed_demo

    seed_operators()
    assert seed_demo() == 6  # operator1-3, supervisor1, producer1, admin1
    assert seed_demo() == 0  # idempotent
    st, staff = api.get("/ops/staff", "admin1")
    assert st == 200
    by_id = {s["user_id"]: s for s in staff}
    assert by_id["supervisor1"]["roles"] == ["operator", "supervisor"] and by_id["supervisor1"]["operator"]["quota"] == 5
    assert len(by_id["producer1"]["units"]) == 5 and by_id["admin1"]["roles"] == ["admin"]
    # the same roles as the SSO's tokens: nothing changes for the demo users
    assert api.get("/ops/queue", "operator1")[0] == 200 and api.get("/ops/staff", "admin1")[0] == 200


def test_concurrent_changes_of_one_entry_one_wins(api):
    """Two admins change the same entry from the same version: one transaction commits, the other is a 409
    (nothing half-written: the operator record and the audit follow the winner)."""
    import copy

    from chalicelib.core.errors import Conflict
    from chalicelib.staff.models import Change, OperatorSettings
    from chalicelib.staff.repository import DynamoStaffRepository

    assert api.post("/ops/staff", "admin1", {"user_id": "kc-race", "name": "R", "roles": ["operator"]})[0] == 201
    repo = DynamoStaffRepository()
    base = repo.get("kc-race", consistent=True)
    a, b = copy.deepcopy(base), copy.deepcopy(base)
    a.version = b.version = base.version + 1
    a.updated_at = b.updated_at = clock.iso()
    repo.commit(Change(member=a, expected_version=base.version, action="staff.updated", audit={},
                       operator=OperatorSettings(quota=7)))
    with pytest.raises(Conflict) as e:
        repo.commit(Change(member=b, expected_version=base.version, action="staff.updated", audit={},
                           operator=OperatorSettings(quota=9)))
    assert e.value.code == "concurrent_update"
    assert api.get("/ops/staff/kc-race", "admin1")[1]["operator"]["quota"] == 7

"""Role mapping from IdP claims (Keycloak, Cognito, plain `roles`), audience rules for Cognito access tokens,
malformed claims (401, never 500) and how the staff directory combines with the IdP's roles (issue 18)."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from chalicelib.core import auth
from chalicelib.core.auth import JwksCache, RoleMapping, StaffGrant, TokenVerifier, combine_roles
from chalicelib.core.errors import Unauthorized

ISS = "https://idp.example.id/realms/bps"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
JWK = {**json.loads(RSAAlgorithm.to_jwk(KEY.public_key())), "kid": "k1", "use": "sig"}


def _verifier(audience: str = "silastik", mapping: RoleMapping | None = None) -> TokenVerifier:
    jwks = JwksCache(ISS, jwks_url="https://idp.example.id/jwks", fetch=lambda url: {"keys": [JWK]})
    return TokenVerifier(ISS, audience, jwks, mapping=mapping)


def _token(**claims) -> str:
    now = int(time.time())
    base = {"iss": ISS, "sub": "5f0c-uuid", "aud": "silastik", "iat": now, "exp": now + 300}
    base.update(claims)
    base = {k: v for k, v in base.items() if v is not None}
    # signed as raw JSON: PyJWT's encoder refuses some of the malformed claims the tests need
    return jwt.api_jws.encode(json.dumps(base).encode(), KEY, algorithm="RS256", headers={"kid": "k1"})


def test_plain_roles_claim_string_or_list():
    v = _verifier()
    assert v.verify(_token(roles=["operator", "nonsense"])).roles == {"operator"}
    assert v.verify(_token(roles="consumer staff")).roles == {"consumer", "staff"}


def test_keycloak_realm_and_client_roles():
    v = _verifier(mapping=RoleMapping(client_id="silastik", table={"petugas-pst": "operator"}))
    p = v.verify(_token(realm_access={"roles": ["offline_access", "default-roles-bps", "petugas-pst"]},
                        resource_access={"silastik": {"roles": ["supervisor"]},
                                         "other-app": {"roles": ["admin"]}}))
    assert p.roles == {"operator", "supervisor"}  # another client's roles grant nothing here


def test_cognito_groups_with_mapping_table_and_access_token_audience():
    table = RoleMapping.parse_table("silastik-admins=admin, pst-operators=operator")
    v = _verifier(audience="app-client-1", mapping=RoleMapping(table=table, default_roles=frozenset({"consumer"})))
    # a Cognito access token: no aud, client_id + token_use=access
    p = v.verify(_token(aud=None, client_id="app-client-1", token_use="access",
                        **{"cognito:groups": ["pst-operators", "unknown-group"]}))
    assert p.roles == {"operator", "consumer"}


@pytest.mark.parametrize("claims", [
    {"aud": None, "client_id": "another-client", "token_use": "access"},  # other app client
    {"aud": None, "client_id": "silastik"},  # no token_use: not a Cognito access token
    {"aud": None},
    {"aud": "silastik", "token_use": "id"},  # Cognito ID token
    {"aud": "silastik", "typ": "ID"},  # Keycloak ID token
    {"aud": "silastik", "typ": "Refresh"},
    {"aud": "other"},
    {"aud": ["other", "more"]},
])
def test_audience_rules_refuse(claims):
    with pytest.raises(Unauthorized):
        _verifier().verify(_token(**claims))


def test_audience_list_and_several_configured_audiences():
    v = _verifier(audience="silastik,app-client-1")
    assert v.verify(_token(aud=["account", "silastik"])).sub == "5f0c-uuid"
    assert v.verify(_token(aud=None, client_id="app-client-1", token_use="access")).sub == "5f0c-uuid"


@pytest.mark.parametrize("claims", [
    {"roles": 5}, {"roles": {"admin": True}}, {"roles": [1, 2]}, {"roles": [""]}, {"roles": [None]},
    {"realm_access": "admin"}, {"realm_access": {"roles": "x" * 300}}, {"realm_access": {"roles": [["admin"]]}},
    {"cognito:groups": {"a": 1}}, {"resource_access": ["silastik"]},
    {"sub": ""}, {"sub": "   "}, {"sub": 42}, {"sub": ["a"]}, {"sub": " padded"}, {"sub": "x" * 300},
    {"name": {"first": "A"}}, {"email": ["a@b.c"]}, {"aud": ""}, {"aud": []}, {"aud": 7}, {"aud": [None]},
    {"exp": "soon"}, {"iat": "yesterday"}, {"iss": ["x"]}, {"typ": 3}, {"token_use": 3},
])
def test_malformed_claims_are_401(claims):
    with pytest.raises(Unauthorized):
        _verifier().verify(_token(**claims))


def test_parse_table_refuses_unknown_target_roles():
    assert RoleMapping.parse_table('{"/bps/pst/supervisor": "supervisor"}') == {"/bps/pst/supervisor": "supervisor"}
    assert RoleMapping.parse_table("") == {}
    for bad in ("grp=root", "no-equals-sign", "=admin", "[1]"):
        with pytest.raises(ValueError):
            RoleMapping.parse_table(bad)


def test_directory_overrides_staff_roles_and_deactivation_revokes():
    idp = frozenset({"consumer", "staff", "supervisor"})
    assert combine_roles(idp, None) == idp  # no entry: the IdP's roles stand
    assert combine_roles(idp, StaffGrant(frozenset({"operator"}), True)) == {"consumer", "staff", "operator"}
    assert combine_roles(idp, StaffGrant(frozenset({"operator", "admin"}), False)) == {"consumer", "staff"}
    # the directory grants only staff roles, never consumer/staff
    assert combine_roles(frozenset(), StaffGrant(frozenset({"admin", "consumer"}), True)) == {"admin"}


def test_grant_cache_and_fail_closed(monkeypatch):
    from chalicelib.core.config import reset_settings
    from chalicelib.core.errors import ServiceUnavailable

    calls: list[str] = []

    def source(sub: str) -> StaffGrant | None:
        calls.append(sub)
        return StaffGrant(frozenset({"operator"}), True) if sub == "op" else None

    monkeypatch.setenv("STAFF_ROLES_CACHE_S", "60")
    reset_settings()
    auth.set_role_source(source)
    try:
        p = auth.with_directory_roles(auth.Principal(sub="op", roles=frozenset({"consumer"})))
        assert p.roles == {"consumer", "operator"} and p.idp_roles == {"consumer"}
        auth.with_directory_roles(auth.Principal(sub="op", roles=frozenset()))
        auth.with_directory_roles(auth.Principal(sub="nobody", roles=frozenset({"consumer"})))
        auth.with_directory_roles(auth.Principal(sub="nobody", roles=frozenset({"consumer"})))
        assert calls == ["op", "nobody"]  # cached, negative answers too
        auth.forget_grant("op")
        auth.with_directory_roles(auth.Principal(sub="op", roles=frozenset()))
        assert calls == ["op", "nobody", "op"]

        def broken(sub: str) -> StaffGrant | None:
            raise RuntimeError("dynamodb down")

        auth.set_role_source(broken)
        with pytest.raises(ServiceUnavailable):
            auth.with_directory_roles(auth.Principal(sub="op", roles=frozenset({"operator"})))
    finally:
        auth.set_role_source(None)
        reset_settings()


def test_settings_drive_the_mapping(monkeypatch):
    from chalicelib.core.config import get_settings, reset_settings

    monkeypatch.setenv("OIDC_ROLE_MAP", "pst-operators=operator")
    monkeypatch.setenv("OIDC_ROLE_CLAIMS", "cognito:groups")
    monkeypatch.setenv("OIDC_DEFAULT_ROLES", "consumer")
    reset_settings()
    try:
        m = auth._mapping_from_settings(get_settings())
        assert m.roles({"cognito:groups": ["pst-operators"], "roles": ["admin"]}) == {"operator", "consumer"}
        monkeypatch.setenv("OIDC_ROLE_MAP", "x=root")
        reset_settings()
        with pytest.raises(auth.ServiceUnavailable):
            auth._mapping_from_settings(get_settings())
    finally:
        reset_settings()

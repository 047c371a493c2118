"""The local SSO without staff roles (SSO_STAFF_ROLES=0, `make dev SEED=0`): like a production IdP that only
authenticates, its tokens and userinfo carry no operator/supervisor/producer/admin role (issue 18)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import jwt
import pytest

from local.sso import serve_in_thread


@pytest.fixture
def plain_sso(monkeypatch):
    monkeypatch.setenv("SSO_STAFF_ROLES", "0")
    server, thread = serve_in_thread("127.0.0.1", 0)
    yield server
    server.stop()
    thread.join(5)


def _claims(server, user: str) -> dict:
    data = urllib.parse.urlencode({"grant_type": "password", "username": user, "password": "demo"}).encode()
    with urllib.request.urlopen(f"{server.url}/token", data=data, timeout=5) as resp:
        token = json.loads(resp.read())["access_token"]
    return jwt.decode(token, options={"verify_signature": False})


def test_tokens_carry_no_staff_roles(plain_sso):
    assert _claims(plain_sso, "supervisor1")["roles"] == []
    assert _claims(plain_sso, "admin1")["roles"] == []
    assert sorted(_claims(plain_sso, "staff1")["roles"]) == ["consumer", "staff"]
    assert _claims(plain_sso, "consumer1")["roles"] == ["consumer"]


def test_default_keeps_demo_roles():
    server, thread = serve_in_thread("127.0.0.1", 0)
    try:
        assert _claims(server, "supervisor1")["roles"] == ["supervisor", "operator"]
    finally:
        server.stop()
        thread.join(5)

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import urllib.parse
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from local.sso import DEMO_PASSWORD, DEMO_USERS, SsoServer, jwk_thumbprint, serve_in_thread

CLIENT_ID = "silastik-admin"
REDIRECT_URI = "http://127.0.0.1:8080/callback.html"


class _Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sso-keys")


@pytest.fixture(scope="module")
def clock() -> _Clock:
    return _Clock()


@pytest.fixture(scope="module")
def sso(key_dir: Path, clock: _Clock) -> Iterator[SsoServer]:
    server, thread = serve_in_thread("127.0.0.1", 0, None, key_dir, clock=clock)
    yield server
    server.stop()
    thread.join(5)


@pytest.fixture(autouse=True)
def _reset_clock(clock: _Clock) -> None:
    clock.offset = 0.0


def _password_token(
    sso: SsoServer, username: str = "consumer1", password: str = DEMO_PASSWORD
) -> requests.Response:
    return requests.post(
        f"{sso.url}/token",
        data={"grant_type": "password", "username": username, "password": password},
        timeout=5,
    )


def _verify(sso: SsoServer, token: str, audience: str = "silastik") -> dict[str, Any]:
    jwks = requests.get(f"{sso.url}/jwks.json", timeout=5).json()
    header = jwt.get_unverified_header(token)
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    public = jwt.PyJWK(key).key
    return jwt.decode(token, public, algorithms=["RS256"], audience=audience, issuer=sso.issuer)


# --------------------------------------------------------------------------- discovery / JWKS


def test_discovery(sso: SsoServer) -> None:
    r = requests.get(f"{sso.url}/.well-known/openid-configuration", timeout=5)
    assert r.status_code == 200
    doc = r.json()
    assert doc["issuer"] == sso.issuer == sso.url
    assert doc["token_endpoint"] == f"{sso.issuer}/token"
    assert doc["authorization_endpoint"] == f"{sso.issuer}/authorize"
    assert doc["jwks_uri"] == f"{sso.issuer}/jwks.json"
    assert doc["userinfo_endpoint"] == f"{sso.issuer}/userinfo"
    assert doc["response_types_supported"] == ["code"]
    assert set(doc["grant_types_supported"]) == {"password", "authorization_code", "refresh_token"}
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def test_jwks(sso: SsoServer) -> None:
    keys = requests.get(f"{sso.url}/jwks.json", timeout=5).json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["e"] == "AQAB"
    assert "d" not in key and "p" not in key
    n = int.from_bytes(base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4)), "big")
    assert n.bit_length() == 2048
    assert key["kid"] == jwk_thumbprint(key)


def test_thumbprint_rfc7638_example() -> None:
    # RFC 7638 section 3.1 example key and its thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
        "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    assert (
        jwk_thumbprint({"kty": "RSA", "n": n, "e": "AQAB"}) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    )


def test_key_persists_across_restart(sso: SsoServer, key_dir: Path) -> None:
    token = _password_token(sso).json()["access_token"]
    assert any(key_dir.iterdir())
    other, thread = serve_in_thread("127.0.0.1", 0, sso.issuer, key_dir)
    try:
        assert other.kid == sso.kid
        keys = requests.get(f"{other.url}/jwks.json", timeout=5).json()["keys"]
        claims = jwt.decode(
            token, jwt.PyJWK(keys[0]).key, algorithms=["RS256"], audience="silastik", issuer=sso.issuer
        )
        assert claims["sub"] == "consumer1"
    finally:
        other.stop()
        thread.join(5)


# --------------------------------------------------------------------------- password grant


def test_password_grant_token_verifies_with_jwks(sso: SsoServer) -> None:
    r = _password_token(sso, "supervisor1")
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] and body["id_token"]
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "RS256", "kid": sso.kid, "typ": "JWT"}
    claims = _verify(sso, body["access_token"])
    assert claims["iss"] == sso.issuer
    assert claims["sub"] == claims["preferred_username"] == "supervisor1"
    assert claims["aud"] == "silastik"
    assert claims["roles"] == ["supervisor", "operator"]
    assert claims["name"] == DEMO_USERS["supervisor1"]["name"]
    assert claims["email"] == "supervisor1@bps.example.id"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["nbf"] <= time.time() + 1
    assert claims["jti"]
    id_claims = _verify(sso, body["id_token"])
    assert id_claims["sub"] == "supervisor1"
    # the refresh token is not an access token
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(sso, body["refresh_token"])


def test_every_demo_user_can_log_in(sso: SsoServer) -> None:
    expected_roles = {
        "consumer1": ["consumer"],
        "consumer2": ["consumer"],
        "staff1": ["staff", "consumer"],
        "operator1": ["operator"],
        "operator2": ["operator"],
        "operator3": ["operator"],
        "supervisor1": ["supervisor", "operator"],
        "producer1": ["producer"],
        "admin1": ["admin"],
    }
    assert {u: d["roles"] for u, d in DEMO_USERS.items()} == expected_roles
    for username in DEMO_USERS:
        r = _password_token(sso, username)
        assert r.status_code == 200
        assert _verify(sso, r.json()["access_token"])["roles"] == expected_roles[username]
        assert DEMO_USERS[username]["email"].startswith(f"{username}@")


@pytest.mark.parametrize(("username", "password"), [("consumer1", "wrong"), ("nobody", "demo")])
def test_wrong_credentials(sso: SsoServer, username: str, password: str) -> None:
    r = _password_token(sso, username, password)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_token_endpoint_errors(sso: SsoServer) -> None:
    r = requests.post(f"{sso.url}/token", data={"grant_type": "client_credentials"}, timeout=5)
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")
    r = requests.post(f"{sso.url}/token", data={"username": "consumer1"}, timeout=5)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    r = requests.post(f"{sso.url}/token", data={"grant_type": "password", "username": "consumer1"}, timeout=5)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


def test_refresh_grant(sso: SsoServer) -> None:
    first = _password_token(sso, "operator2").json()
    r = requests.post(
        f"{sso.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        timeout=5,
    )
    assert r.status_code == 200
    claims = _verify(sso, r.json()["access_token"])
    assert claims["sub"] == "operator2" and claims["roles"] == ["operator"]
    # an access token is not a refresh token
    r = requests.post(
        f"{sso.url}/token",
        data={"grant_type": "refresh_token", "refresh_token": first["access_token"]},
        timeout=5,
    )
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_userinfo(sso: SsoServer) -> None:
    token = _password_token(sso, "staff1").json()["access_token"]
    r = requests.get(f"{sso.url}/userinfo", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert r.status_code == 200
    info = r.json()
    assert info["sub"] == "staff1" and info["roles"] == ["staff", "consumer"]
    assert info["email"] == "staff1@bps.example.id"
    r = requests.get(f"{sso.url}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    assert requests.get(f"{sso.url}/userinfo", timeout=5).status_code == 401


def test_cors(sso: SsoServer) -> None:
    allowed = "http://127.0.0.1:8080"
    r = requests.options(
        f"{sso.url}/token",
        headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == allowed
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    r = _password_token(sso)
    r = requests.get(f"{sso.url}/jwks.json", headers={"Origin": "http://localhost:8080"}, timeout=5)
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    r = requests.get(f"{sso.url}/jwks.json", headers={"Origin": "http://evil.example"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in r.headers


# --------------------------------------------------------------------------- authorization code + PKCE


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, str] = {}
        self.ids: set[str] = set()
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "input" and a.get("name"):
            self.inputs[a["name"] or ""] = a.get("value") or ""
        if tag == "button":
            self._in_button = True
            self.buttons.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons[-1] += data


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize_params(challenge: str, state: str = "st-123") -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "openid profile email",
        "nonce": "n-0S6_WzA2Mj",
    }


def _login(sso: SsoServer, challenge: str, username: str = "operator1", password: str = DEMO_PASSWORD) -> str:
    """GET the login page, submit its form; return the code from the redirect."""
    page = requests.get(f"{sso.url}/authorize", params=_authorize_params(challenge), timeout=5)
    assert page.status_code == 200
    parser = _FormParser()
    parser.feed(page.text)
    form = {k: v for k, v in parser.inputs.items() if k not in ("username", "password")}
    form.update(username=username, password=password)
    r = requests.post(f"{sso.url}/authorize", data=form, allow_redirects=False, timeout=5)
    assert r.status_code == 303, r.text
    location = urllib.parse.urlsplit(r.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = dict(urllib.parse.parse_qsl(location.query))
    assert query["state"] == "st-123"
    return query["code"]


def _exchange(sso: SsoServer, code: str, verifier: str, **extra: str) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        **extra,
    }
    return requests.post(f"{sso.url}/token", data=data, timeout=5)


def test_login_page(sso: SsoServer) -> None:
    _, challenge = _pkce()
    r = requests.get(f"{sso.url}/authorize", params=_authorize_params(challenge), timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "Masuk ke SILASTIK" in r.text
    parser = _FormParser()
    parser.feed(r.text)
    assert {"username", "password", "submit"} <= parser.ids
    assert [b for b in parser.buttons if b.strip() == "Masuk"] == ["Masuk"]
    for username in DEMO_USERS:
        assert f'data-username="{username}"' in r.text
    assert parser.inputs["code_challenge"] == challenge


def test_login_page_escapes_echoed_values(sso: SsoServer) -> None:
    _, challenge = _pkce()
    params = _authorize_params(challenge, state='"><script>alert(1)</script>')
    params["login_hint"] = "<img src=x onerror=alert(1)>"
    r = requests.get(f"{sso.url}/authorize", params=params, timeout=5)
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;" in r.text


def test_auth_code_pkce_roundtrip(sso: SsoServer) -> None:
    verifier, challenge = _pkce()
    code = _login(sso, challenge)
    r = _exchange(sso, code, verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    claims = _verify(sso, body["access_token"])
    assert claims["sub"] == "operator1" and claims["roles"] == ["operator"]
    id_claims = _verify(sso, body["id_token"], audience=CLIENT_ID)
    assert id_claims["nonce"] == "n-0S6_WzA2Mj"
    # single use
    again = _exchange(sso, code, verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_wrong_verifier_refused(sso: SsoServer) -> None:
    _, challenge = _pkce()
    code = _login(sso, challenge)
    other_verifier, _ = _pkce()
    r = _exchange(sso, code, other_verifier)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_code_requires_matching_redirect_uri_and_client(sso: SsoServer) -> None:
    verifier, challenge = _pkce()
    r = _exchange(sso, _login(sso, challenge), verifier, redirect_uri="http://127.0.0.1:8080/other")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    r = _exchange(sso, _login(sso, challenge), verifier, client_id="someone-else")
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_code_expires_after_60s(sso: SsoServer, clock: _Clock) -> None:
    verifier, challenge = _pkce()
    code = _login(sso, challenge)
    clock.offset = 61
    r = _exchange(sso, code, verifier)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")


def test_wrong_password_rerenders_login(sso: SsoServer) -> None:
    _, challenge = _pkce()
    page = requests.get(f"{sso.url}/authorize", params=_authorize_params(challenge), timeout=5)
    parser = _FormParser()
    parser.feed(page.text)
    form = dict(parser.inputs, username="consumer2", password="salah")
    r = requests.post(f"{sso.url}/authorize", data=form, allow_redirects=False, timeout=5)
    assert r.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in r.text
    assert "Location" not in r.headers


def test_authorize_requires_pkce_s256(sso: SsoServer) -> None:
    _, challenge = _pkce()
    params = _authorize_params(challenge)
    params["code_challenge_method"] = "plain"
    r = requests.get(f"{sso.url}/authorize", params=params, allow_redirects=False, timeout=5)
    assert r.status_code == 303
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
    assert query["error"] == "invalid_request" and query["state"] == "st-123"
    del params["code_challenge"]
    params["code_challenge_method"] = "S256"
    r = requests.get(f"{sso.url}/authorize", params=params, allow_redirects=False, timeout=5)
    assert r.status_code == 303 and "error=invalid_request" in r.headers["Location"]


def test_authorize_refuses_foreign_redirect_uri(sso: SsoServer) -> None:
    _, challenge = _pkce()
    params = _authorize_params(challenge)
    params["redirect_uri"] = "https://evil.example/cb"
    r = requests.get(f"{sso.url}/authorize", params=params, allow_redirects=False, timeout=5)
    assert r.status_code == 400 and "Location" not in r.headers
    assert re.search(r"redirect_uri", r.text)

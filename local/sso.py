"""Local OIDC issuer for the SILASTIK dev stack (SPEC §1, §6).

Run::

    python -m local.sso --port 8090 [--issuer http://127.0.0.1:8090] [--key-dir .devstack/sso]

Endpoints: ``/.well-known/openid-configuration``, ``/jwks.json``, ``/token`` (grants
``password``, ``authorization_code`` with mandatory PKCE S256, ``refresh_token``),
``/authorize`` (login page, Bahasa Indonesia; ``prompt=create`` opens the registration page), ``/register``
(demo sign-up: a new ``consumer`` whose password is stored as a PBKDF2 hash in ``key_dir``; the address is not
verified, so its tokens say ``email_verified: false``), ``/userinfo``, ``/health``.

Clients: ``--client ID=REDIRECT_URI`` (repeatable) registers a client with its exact redirect URIs (the
local stack registers ``silastik-admin`` and ``silastik-portal``); an unregistered client id may redirect to
any loopback host (``redirect_hosts``).

Access tokens are RS256 JWTs (``aud`` = ``silastik``) signed with an RSA-2048 key that is
generated once and kept in ``key_dir`` so tokens survive restarts; ``kid`` is the RFC 7638
thumbprint. Refresh tokens are JWTs too (``aud`` = the issuer, ``token_use`` = ``refresh``),
so they also survive restarts and are never accepted as access tokens.
Passwords and tokens are never logged. For development only.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = [
    "DEFAULT_CORS_ORIGINS",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "SsoServer",
    "jwk_thumbprint",
    "main",
    "make_server",
    "serve_in_thread",
]

logger = logging.getLogger("local.sso")


class DemoUser(TypedDict):
    name: str
    email: str
    roles: list[str]
    phone: NotRequired[str]
    institution: NotRequired[str]
    category: NotRequired[str]


DEMO_PASSWORD = "demo"  # the only password of every demo user (SPEC §6)

# The single list of demo users; the lead seeds profiles from it.
DEMO_USERS: dict[str, DemoUser] = {
    "consumer1": {
        "name": "Budi Santoso",
        "email": "consumer1@example.id",
        "roles": ["consumer"],
        "phone": "+6281234567801",
        "institution": "Universitas Gadjah Mada",
        "category": "academic",
    },
    "consumer2": {
        "name": "Siti Nurhaliza Putri",
        "email": "consumer2@example.id",
        "roles": ["consumer"],
        "phone": "+6281234567802",
        "institution": "PT Nusantara Data Analitika",
        "category": "business",
    },
    "staff1": {
        "name": "Dewi Lestari",
        "email": "staff1@bps.example.id",
        "roles": ["staff", "consumer"],
        "phone": "+6281234567803",
        "institution": "Badan Pusat Statistik, Direktorat Statistik Kependudukan",
        "category": "government",
    },
    "operator1": {
        "name": "Agus Setiawan",
        "email": "operator1@bps.example.id",
        "roles": ["operator"],
        "phone": "+6281234567811",
        "institution": "Badan Pusat Statistik, Pelayanan Statistik Terpadu",
    },
    "operator2": {
        "name": "Rina Wulandari",
        "email": "operator2@bps.example.id",
        "roles": ["operator"],
        "phone": "+6281234567812",
        "institution": "Badan Pusat Statistik, Pelayanan Statistik Terpadu",
    },
    "operator3": {
        "name": "Hendra Gunawan",
        "email": "operator3@bps.example.id",
        "roles": ["operator"],
        "phone": "+6281234567813",
        "institution": "Badan Pusat Statistik, Pelayanan Statistik Terpadu",
    },
    "supervisor1": {
        "name": "Yuliana Hartati",
        "email": "supervisor1@bps.example.id",
        "roles": ["supervisor", "operator"],
        "phone": "+6281234567821",
        "institution": "Badan Pusat Statistik, Pelayanan Statistik Terpadu",
    },
    "producer1": {
        "name": "Bambang Prasetyo",
        "email": "producer1@bps.example.id",
        "roles": ["producer"],
        "phone": "+6281234567831",
        "institution": "Badan Pusat Statistik, Direktorat Statistik Distribusi",
    },
    "admin1": {
        "name": "Andi Nugroho",
        "email": "admin1@bps.example.id",
        "roles": ["admin"],
        "phone": "+6281234567841",
        "institution": "Badan Pusat Statistik, Direktorat Sistem Informasi Statistik",
    },
}

DEFAULT_CORS_ORIGINS: tuple[str, ...] = ("http://127.0.0.1:8080", "http://localhost:8080")
DEFAULT_REDIRECT_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")

ACCESS_TOKEN_TTL = 3600
REFRESH_TOKEN_TTL = 8 * 3600
CODE_TTL = 60
_KEY_FILE = "sso-signing-key.pem"
_MAX_BODY = 64 * 1024
_USERS_FILE = "registered-users.json"
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
_PBKDF2_ROUNDS = 200_000
_CATEGORIES = {"student": "Mahasiswa/pelajar", "academic": "Akademisi/peneliti", "business": "Bisnis/swasta",
               "government": "Pemerintah", "citizen": "Masyarakat umum", "international": "Lembaga internasional",
               "other": "Lainnya"}
_PKCE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9\-._:]{1,128}$")

_ROLE_LABELS = {
    "consumer": "konsumen",
    "staff": "pegawai",
    "operator": "operator",
    "supervisor": "supervisor",
    "producer": "produsen data",
    "admin": "administrator",
}


# --------------------------------------------------------------------------- keys


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public JWK."""
    canonical = json.dumps({"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}, separators=(",", ":"))
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def _load_or_create_key(key_dir: Path | None) -> rsa.RSAPrivateKey:
    if key_dir is None:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(key_dir, 0o700)
    path = key_dir / _KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # Write a private temp file, then hard-link it into place: the key file appears
        # atomically and complete, and a concurrent starter keeps the first key.
        fd, tmp = tempfile.mkstemp(prefix=".sso-key-", dir=key_dir)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won the race; load its key below
            except OSError:
                os.replace(tmp, path)  # filesystem without hard links
                return key
            else:
                return key
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey) or loaded.key_size < 2048:
        raise ValueError(f"{path} does not hold an RSA key of at least 2048 bits")
    return loaded


# --------------------------------------------------------------------------- server


@dataclass
class _AuthCode:
    username: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    nonce: str | None
    expires: float
    auth_time: int


class _OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


class SsoServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        addr: tuple[str, int],
        *,
        issuer: str | None,
        key_dir: Path | None,
        audience: str,
        cors_origins: Iterable[str],
        redirect_hosts: Iterable[str],
        password: str,
        clock: Callable[[], float],
        log_requests: bool,
        clients: dict[str, Iterable[str]] | None = None,
    ) -> None:
        super().__init__(addr, _Handler)
        host, port = self.server_address[:2]
        url_host = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{url_host}:{port}"
        self.issuer = (issuer or self.url).rstrip("/")
        self.audience = audience
        self.cors_origins = frozenset(o.rstrip("/") for o in cors_origins)
        self.redirect_hosts = frozenset(h.lower() for h in redirect_hosts)
        self.password = password
        self.clock = clock
        self.log_requests = log_requests
        # SSO_STAFF_ROLES=0 (`make dev SEED=0`): like a production IdP that only authenticates, tokens carry no
        # staff roles (operator, supervisor, producer, admin); the app's staff directory grants them
        self.staff_roles = os.environ.get("SSO_STAFF_ROLES", "1") != "0"
        self.key = _load_or_create_key(key_dir)
        self.clients = {cid: frozenset(uris) for cid, uris in (clients or {}).items()}
        self.users: dict[str, DemoUser] = dict(DEMO_USERS)
        self._hashes: dict[str, str] = {}  # registered users only: "pbkdf2_sha256$rounds$salt$hash"
        self._users_path = key_dir / _USERS_FILE if key_dir else None
        self._load_registered()
        numbers = self.key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}
        self.kid = jwk_thumbprint(jwk)
        self.jwk = {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}
        self._codes: dict[str, _AuthCode] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SsoServer(issuer={self.issuer!r})"

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # a client that hung up is not an error worth a traceback
        logger.exception("error while handling a request from %s", client_address[0])

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self.shutdown()
        self.server_close()

    # -- metadata -------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "userinfo_endpoint": f"{base}/userinfo",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["password", "authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "profile", "email", "roles", "offline_access"],
            "claims_supported": [
                "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce",
                "name", "email", "email_verified", "preferred_username", "roles",
            ],
        }  # fmt: skip

    # -- tokens ---------------------------------------------------------------------------

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def decode(self, token: str, audience: str) -> dict[str, Any]:
        """Verify a token issued here (signature, iss, aud, exp, nbf)."""
        return jwt.decode(
            token,
            self.key.public_key(),
            algorithms=["RS256"],
            audience=audience,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=5,
        )

    def issue_tokens(
        self,
        username: str,
        *,
        client_id: str | None,
        scope: str,
        nonce: str | None = None,
        auth_time: int | None = None,
    ) -> dict[str, Any]:
        user = self.users[username]
        now = int(self.clock())
        auth_time = auth_time or now
        profile = {
            "name": user["name"],
            "email": user["email"],
            "email_verified": username in DEMO_USERS,
            "preferred_username": username,
            "roles": self.token_roles(user),
        }
        access: dict[str, Any] = {
            "iss": self.issuer,
            "sub": username,
            "aud": self.audience,
            "exp": now + ACCESS_TOKEN_TTL,
            "iat": now,
            "nbf": now,
            "jti": str(uuid.uuid4()),
            "auth_time": auth_time,
            "scope": scope,
            **profile,
        }
        if client_id:
            access["azp"] = client_id
            access["client_id"] = client_id
        access_token = self._sign(access)
        at_hash = _b64url(hashlib.sha256(access_token.encode("ascii")).digest()[:16])
        id_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": username,
            "aud": client_id or self.audience,
            "exp": now + ACCESS_TOKEN_TTL,
            "iat": now,
            "nbf": now,
            "jti": str(uuid.uuid4()),
            "auth_time": auth_time,
            "at_hash": at_hash,
            **profile,
        }
        if client_id:
            id_claims["azp"] = client_id
        if nonce:
            id_claims["nonce"] = nonce
        refresh_claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": username,
            "aud": self.issuer,
            "exp": now + REFRESH_TOKEN_TTL,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "token_use": "refresh",
            "client_id": client_id or "",
            "scope": scope,
            "auth_time": auth_time,
        }
        return {
            "access_token": access_token,
            "id_token": self._sign(id_claims),
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": self._sign(refresh_claims),
            "scope": scope,
        }

    def token_roles(self, user: DemoUser) -> list[str]:
        staff = ("operator", "supervisor", "producer", "admin")
        return [r for r in user["roles"] if self.staff_roles or r not in staff]

    def check_password(self, username: str, password: str) -> bool:
        stored = self._hashes.get(username)
        if stored is not None:
            _algo, rounds, salt, digest = stored.split("$")
            given = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(rounds))
            return hmac.compare_digest(given.hex(), digest)
        known = username in DEMO_USERS
        ok = hmac.compare_digest(password.encode("utf-8"), self.password.encode("utf-8"))
        return known and ok

    # -- demo registration ----------------------------------------------------------------------

    def _load_registered(self) -> None:
        if self._users_path is None or not self._users_path.exists():
            return
        try:
            doc = json.loads(self._users_path.read_text("utf-8"))
        except (OSError, ValueError):
            logger.warning("registered users file unreadable; starting without registered users")
            return
        for name, entry in (doc or {}).items():
            if name in DEMO_USERS or not isinstance(entry, dict) or "hash" not in entry:
                continue
            self._hashes[name] = str(entry["hash"])
            self.users[name] = entry["user"]

    def register(self, username: str, password: str, user: DemoUser) -> None:
        """Add a demo consumer (refused with ValueError when the name is taken)."""
        salt = secrets.token_bytes(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, _PBKDF2_ROUNDS)
        with self._lock:
            if username in self.users:
                raise ValueError("taken")
            self.users[username] = user
            self._hashes[username] = f"pbkdf2_sha256${_PBKDF2_ROUNDS}${salt.hex()}${digest.hex()}"
            if self._users_path is not None:
                doc = {n: {"hash": self._hashes[n], "user": self.users[n]} for n in self._hashes}
                tmp = self._users_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
                with contextlib.suppress(OSError):
                    os.chmod(tmp, 0o600)
                os.replace(tmp, self._users_path)

    # -- authorization codes --------------------------------------------------------------

    def new_code(self, entry: _AuthCode) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            for stale in [c for c, e in self._codes.items() if e.expires <= now]:
                del self._codes[stale]
            self._codes[code] = entry
        return code

    def take_code(self, code: str) -> _AuthCode | None:
        """Remove and return the code (single use, even when the exchange then fails)."""
        with self._lock:
            return self._codes.pop(code, None)

    def redirect_uri_allowed(self, uri: str, client_id: str | None = None) -> bool:
        if client_id is not None and client_id in self.clients:
            return uri in self.clients[client_id]
        try:
            parts = urllib.parse.urlsplit(uri)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        return (
            parts.scheme in ("http", "https")
            and bool(host)
            and not parts.fragment
            and not parts.username
            and not parts.password
            and ("*" in self.redirect_hosts or host in self.redirect_hosts)
        )


# --------------------------------------------------------------------------- HTML


_PAGE_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f6f9;color:#1d2733;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;border-radius:10px;padding:28px 32px;
box-shadow:0 2px 10px rgba(0,0,0,.08)}
h1{font-size:1.45rem;margin:0 0 4px}p.sub{color:#5b6b7b;margin:0 0 20px;font-size:.92rem}
label{display:block;font-weight:600;margin:14px 0 6px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #b8c4d0;
border-radius:6px;font-size:1rem}
button{cursor:pointer;font-size:1rem;border-radius:6px}
#submit{margin-top:20px;width:100%;padding:11px;background:#00589c;color:#fff;border:0;font-weight:600}
.error{background:#fdecea;color:#8a1c12;border:1px solid #f5c2bd;padding:10px;border-radius:6px;margin-bottom:8px}
h2{font-size:1rem;margin:28px 0 8px}ul.demo{list-style:none;padding:0;margin:0}
ul.demo li{margin:6px 0}.demo-user{width:100%;text-align:left;padding:8px 10px;background:#eef3f8;
border:1px solid #cfdbe6}.demo-user small{color:#5b6b7b}
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _render_login(
    params: dict[str, str], *, username: str = "", error: str | None = None, script_nonce: str
) -> str:
    hidden = "\n".join(
        f'<input type="hidden" name="{_esc(k)}" value="{_esc(v)}">' for k, v in params.items() if v
    )
    error_html = f'<div class="error" role="alert" id="error">{_esc(error)}</div>' if error else ""
    demo_items = []
    for name, user in DEMO_USERS.items():
        roles = ", ".join(f"{_ROLE_LABELS.get(r, r)} ({r})" for r in user["roles"])
        demo_items.append(
            f'<li><button type="button" class="demo-user" data-username="{_esc(name)}" '
            f'id="demo-{_esc(name)}"><strong>{_esc(name)}</strong> — {_esc(user["name"])}<br>'
            f"<small>Peran: {_esc(roles)}</small></button></li>"
        )
    demo_html = "\n".join(demo_items)
    return f"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Masuk ke SILASTIK</title>
<style>{_PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>Masuk ke SILASTIK</h1>
<p class="sub">Sistem Informasi Layanan Statistik — SSO lokal untuk pengembangan.</p>
{error_html}
<form method="post" action="/authorize" id="login-form" autocomplete="off">
{hidden}
<label for="username">Nama pengguna</label>
<input type="text" id="username" name="username" value="{_esc(username)}" required autofocus
 autocapitalize="none" spellcheck="false">
<label for="password">Kata sandi</label>
<input type="password" id="password" name="password" required>
<button type="submit" id="submit">Masuk</button>
</form>
<p class="sub register-link">Belum punya akun?
<a href="/register?{_esc(urllib.parse.urlencode({k: v for k, v in params.items() if v}))}" id="register-link">Daftar akun
baru</a></p>
<h2>Pengguna demo</h2>
<p class="sub">Kata sandi semua pengguna demo: <code>{_esc(DEMO_PASSWORD)}</code>.
Pilih pengguna untuk mengisi nama pengguna.</p>
<ul class="demo">
{demo_html}
</ul>
</main>
<script nonce="{_esc(script_nonce)}">
document.querySelectorAll("button.demo-user").forEach(function (b) {{
  b.addEventListener("click", function () {{
    document.getElementById("username").value = b.dataset.username;
    document.getElementById("password").focus();
  }});
}});
</script>
</body>
</html>
"""


def _render_register(params: dict[str, str], form: dict[str, str] | None = None, error: str | None = None) -> str:
    form = form or {}
    hidden = "\n".join(
        f'<input type="hidden" name="{_esc(k)}" value="{_esc(v)}">' for k, v in params.items() if v
    )
    error_html = f'<div class="error" role="alert" id="error">{_esc(error)}</div>' if error else ""
    chosen = form.get("category", "citizen")
    options = "".join(
        f'<option value="{_esc(k)}"{" selected" if k == chosen else ""}>{_esc(v)}</option>'
        for k, v in _CATEGORIES.items()
    )

    def text(name: str, label: str, kind: str = "text", extra: str = "") -> str:
        value = "" if kind == "password" else f' value="{_esc(form.get(name, ""))}"'
        return (f'<label for="reg-{name}">{label}</label>'
                f'<input type="{kind}" id="reg-{name}" name="{name}"{value} {extra}>')

    return f"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Daftar akun SILASTIK</title>
<style>{_PAGE_STYLE}select{{width:100%;padding:10px;border:1px solid #b8c4d0;border-radius:6px;font-size:1rem}}
input[type=email]{{width:100%;box-sizing:border-box;padding:10px;border:1px solid #b8c4d0;border-radius:6px;
font-size:1rem}}</style>
</head>
<body>
<main>
<h1>Daftar akun SILASTIK</h1>
<p class="sub">Pendaftaran demo di SSO lokal: akun baru berperan konsumen. Alamat email tidak diverifikasi.</p>
{error_html}
<form method="post" action="/register" id="register-form" autocomplete="off">
{hidden}
{text("username", "Nama pengguna (3–32 huruf kecil/angka)", extra='required autocapitalize="none" spellcheck="false"')}
{text("name", "Nama lengkap", extra="required")}
{text("email", "Email", "email", "required")}
{text("institution", "Instansi (opsional)")}
<label for="reg-category">Kategori pengguna</label><select id="reg-category" name="category">{options}</select>
{text("password", "Kata sandi (minimal 8 karakter)", "password", 'required minlength="8"')}
{text("password2", "Ulangi kata sandi", "password", 'required minlength="8"')}
<button type="submit" id="submit">Daftar dan masuk</button>
</form>
<p class="sub"><a href="/authorize?{_esc(urllib.parse.urlencode({k: v for k, v in params.items() if v}))}">Sudah
punya akun? Masuk</a></p>
</main>
</body>
</html>
"""


def _render_error_page(message: str) -> str:
    return f"""<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>Permintaan tidak valid — SILASTIK</title>
<style>{_PAGE_STYLE}</style></head>
<body><main>
<h1>Permintaan otorisasi tidak valid</h1>
<div class="error" role="alert" id="error">{_esc(message)}</div>
<p class="sub">Kembali ke aplikasi dan coba masuk lagi.</p>
</main></body></html>
"""


# --------------------------------------------------------------------------- handler


_AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
)


class _RedirectError(Exception):
    """An /authorize error reported to the client through its redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(description)
        self.redirect_uri = redirect_uri
        self.error = error
        self.description = description
        self.state = state


class _PageError(Exception):
    """An /authorize error shown to the user (no trustworthy redirect URI)."""


def _add_query(uri: str, params: dict[str, str]) -> str:
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query.extend((k, v) for k, v in params.items() if v is not None)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class _Handler(BaseHTTPRequestHandler):
    server: SsoServer
    protocol_version = "HTTP/1.1"
    server_version = "SilastikSSO/1"
    sys_version = ""

    # -- plumbing -------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.log_requests:
            logger.info("%s - %s", self.address_string(), format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Only method, path (never the query string) and status.
        if self.server.log_requests:
            path = urllib.parse.urlsplit(self.path).path
            code_value = code.value if isinstance(code, HTTPStatus) else code
            logger.info("%s %s %s", self.command, path, code_value)

    def _cors_headers(self) -> None:
        origin = self.headers.get("Origin")
        if origin and ("*" in self.server.cors_origins or origin.rstrip("/") in self.server.cors_origins):
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Vary", "Origin")

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        cors: bool = True,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if cors:
            self._cors_headers()
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(
        self, status: int, doc: Any, *, no_store: bool = False, extra: dict[str, str] | None = None
    ) -> None:
        headers = dict(extra or {})
        if no_store:
            headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", extra=headers)

    def _html(self, status: int, page: str, *, script_nonce: str | None = None) -> None:
        script_src = f"'nonce-{script_nonce}'" if script_nonce else "'none'"
        csp = (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src {script_src}; "
            "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
        )
        self._send(
            status,
            page.encode("utf-8"),
            "text/html; charset=utf-8",
            cors=False,
            extra={
                "Content-Security-Policy": csp,
                "X-Frame-Options": "DENY",
                "Referrer-Policy": "no-referrer",
                "Cache-Control": "no-store",
            },
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise _OAuthError("invalid_request", "chunked bodies are not supported", 411)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise _OAuthError("invalid_request", "bad Content-Length")
        if length > _MAX_BODY:
            self.close_connection = True
            raise _OAuthError("invalid_request", "body too large", 413)
        return self.rfile.read(length) if length else b""

    def _form(self, raw: bytes) -> dict[str, str]:
        """Parse a form (or, leniently, JSON object) body; repeated parameters are refused."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/json":
            try:
                doc = json.loads(raw.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                raise _OAuthError("invalid_request", "body is not valid JSON") from None
            if not isinstance(doc, dict):
                raise _OAuthError("invalid_request", "body must be an object")
            return {str(k): str(v) for k, v in doc.items() if isinstance(v, str | int)}
        try:
            pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50)
        except (UnicodeDecodeError, ValueError):
            raise _OAuthError("invalid_request", "malformed form body") from None
        form: dict[str, str] = {}
        for key, value in pairs:
            if key in form:
                raise _OAuthError("invalid_request", f"parameter {key} repeated")
            form[key] = value
        return form

    def _query(self) -> dict[str, str]:
        query = urllib.parse.urlsplit(self.path).query
        try:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, max_num_fields=50)
        except ValueError:
            return {}
        out: dict[str, str] = {}
        for key, value in pairs:
            out.setdefault(key, value)
        return out

    # -- dispatch -------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802
        try:
            self._read_body()
        except _OAuthError as exc:
            self._json(exc.status, {"error": exc.error, "error_description": exc.description})
            return
        self._send(204, b"", "text/plain")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        try:
            self._read_body()
            if path == "/.well-known/openid-configuration":
                self._json(200, self.server.discovery(), extra={"Cache-Control": "public, max-age=300"})
            elif path in ("/jwks.json", "/.well-known/jwks.json"):
                self._json(200, {"keys": [self.server.jwk]}, extra={"Cache-Control": "public, max-age=300"})
            elif path == "/authorize":
                self._authorize_get()
            elif path == "/register":
                self._handle_authorize_errors(
                    lambda: self._html(200, _render_register(self._validate_authorize(self._query()))))
            elif path == "/userinfo":
                self._userinfo()
            elif path == "/health":
                self._json(200, {"status": "ok", "issuer": self.server.issuer})
            else:
                self._json(404, {"error": "not_found"})
        except _OAuthError as exc:
            self._json(exc.status, {"error": exc.error, "error_description": exc.description})

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        try:
            raw = self._read_body()
            if path == "/token":
                self._token(self._form(raw))
            elif path == "/authorize":
                self._authorize_post(self._form(raw))
            elif path == "/register":
                self._register_post(self._form(raw))
            elif path == "/userinfo":
                self._userinfo()
            else:
                self._json(404, {"error": "not_found"})
        except _OAuthError as exc:
            self._json(exc.status, {"error": exc.error, "error_description": exc.description}, no_store=True)

    # -- /token ---------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> None:
        grant = form.get("grant_type")
        client_id = form.get("client_id") or None
        if client_id is not None and not _CLIENT_ID_RE.match(client_id):
            raise _OAuthError("invalid_request", "invalid client_id")
        if not grant:
            raise _OAuthError("invalid_request", "grant_type is required")
        if grant == "password":
            tokens = self._grant_password(form, client_id)
        elif grant == "authorization_code":
            tokens = self._grant_code(form, client_id)
        elif grant == "refresh_token":
            tokens = self._grant_refresh(form, client_id)
        else:
            raise _OAuthError("unsupported_grant_type", "grant_type not supported")
        self._json(200, tokens, no_store=True)

    def _grant_password(self, form: dict[str, str], client_id: str | None) -> dict[str, Any]:
        username = form.get("username", "")
        password = form.get("password", "")
        if not username or not password:
            raise _OAuthError("invalid_request", "username and password are required")
        if not self.server.check_password(username, password):
            logger.info("password grant refused for a user")
            raise _OAuthError("invalid_grant", "invalid username or password")
        scope = form.get("scope") or "openid profile email"
        return self.server.issue_tokens(username, client_id=client_id, scope=scope)

    def _grant_code(self, form: dict[str, str], client_id: str | None) -> dict[str, Any]:
        code = form.get("code")
        verifier = form.get("code_verifier")
        redirect_uri = form.get("redirect_uri")
        if not code or not redirect_uri or not client_id:
            raise _OAuthError("invalid_request", "code, redirect_uri and client_id are required")
        entry = self.server.take_code(code)
        if entry is None:
            raise _OAuthError("invalid_grant", "authorization code invalid or already used")
        if entry.expires <= self.server.clock():
            raise _OAuthError("invalid_grant", "authorization code expired")
        if not hmac.compare_digest(entry.client_id.encode(), client_id.encode()):
            raise _OAuthError("invalid_grant", "client_id does not match the authorization request")
        if not hmac.compare_digest(entry.redirect_uri.encode(), redirect_uri.encode()):
            raise _OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        if not verifier or not _PKCE_RE.match(verifier):
            raise _OAuthError("invalid_grant", "code_verifier missing or malformed")
        challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        if not hmac.compare_digest(challenge.encode(), entry.code_challenge.encode()):
            raise _OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        return self.server.issue_tokens(
            entry.username,
            client_id=entry.client_id,
            scope=entry.scope,
            nonce=entry.nonce,
            auth_time=entry.auth_time,
        )

    def _grant_refresh(self, form: dict[str, str], client_id: str | None) -> dict[str, Any]:
        token = form.get("refresh_token")
        if not token:
            raise _OAuthError("invalid_request", "refresh_token is required")
        try:
            claims = self.server.decode(token, audience=self.server.issuer)
        except jwt.PyJWTError:
            raise _OAuthError("invalid_grant", "refresh token invalid or expired") from None
        if claims.get("token_use") != "refresh" or claims.get("sub") not in self.server.users:
            raise _OAuthError("invalid_grant", "refresh token invalid")
        bound_client = claims.get("client_id") or None
        if client_id and bound_client and client_id != bound_client:
            raise _OAuthError("invalid_grant", "refresh token was issued to another client")
        return self.server.issue_tokens(
            claims["sub"],
            client_id=bound_client or client_id,
            scope=str(claims.get("scope") or "openid profile email"),
            auth_time=int(claims.get("auth_time") or 0) or None,
        )

    # -- /userinfo ------------------------------------------------------------------------

    def _userinfo(self) -> None:
        auth = self.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        challenge = 'Bearer realm="silastik", error="invalid_token"'
        if scheme.lower() != "bearer" or not token.strip():
            self._json(401, {"error": "invalid_token"}, extra={"WWW-Authenticate": 'Bearer realm="silastik"'})
            return
        try:
            claims = self.server.decode(token.strip(), audience=self.server.audience)
        except jwt.PyJWTError:
            self._json(401, {"error": "invalid_token"}, extra={"WWW-Authenticate": challenge})
            return
        user = self.server.users.get(claims["sub"])
        if user is None:
            self._json(401, {"error": "invalid_token"}, extra={"WWW-Authenticate": challenge})
            return
        info: dict[str, Any] = {
            "sub": claims["sub"],
            "name": user["name"],
            "email": user["email"],
            "email_verified": claims["sub"] in DEMO_USERS,
            "preferred_username": claims["sub"],
            "roles": self.server.token_roles(user),
        }
        if "phone" in user:
            info["phone_number"] = user["phone"]
        self._json(200, info, no_store=True)

    # -- /authorize -----------------------------------------------------------------------

    def _validate_authorize(self, params: dict[str, str]) -> dict[str, str]:
        """Validate an authorization request; return the normalised parameters."""
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if not client_id or not _CLIENT_ID_RE.match(client_id):
            raise _PageError("client_id tidak ada atau tidak valid.")
        if not redirect_uri or not self.server.redirect_uri_allowed(redirect_uri, client_id):
            raise _PageError("redirect_uri tidak ada atau tidak diizinkan.")
        state = params.get("state") or None
        if state is not None and len(state) > 512:
            raise _PageError("state terlalu panjang.")
        if params.get("response_type") != "code":
            raise _RedirectError(
                redirect_uri, "unsupported_response_type", "response_type must be code", state
            )
        challenge = params.get("code_challenge", "")
        if not challenge or not _PKCE_RE.match(challenge):
            raise _RedirectError(redirect_uri, "invalid_request", "PKCE code_challenge is required", state)
        if params.get("code_challenge_method") != "S256":
            raise _RedirectError(redirect_uri, "invalid_request", "code_challenge_method must be S256", state)
        nonce = params.get("nonce", "")
        if len(nonce) > 512 or len(params.get("scope", "")) > 512:
            raise _RedirectError(redirect_uri, "invalid_request", "scope or nonce too long", state)
        return {k: params.get(k, "") for k in _AUTHORIZE_PARAMS}

    def _redirect(self, location: str) -> None:
        self._send(
            303,
            b"",
            "text/plain",
            cors=False,
            extra={"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    def _handle_authorize_errors(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except _PageError as exc:
            self._html(400, _render_error_page(str(exc)))
        except _RedirectError as exc:
            params = {"error": exc.error, "error_description": exc.description}
            if exc.state:
                params["state"] = exc.state
            self._redirect(_add_query(exc.redirect_uri, params))

    def _authorize_get(self) -> None:
        def run() -> None:
            query = self._query()
            params = self._validate_authorize(query)
            nonce = secrets.token_urlsafe(16)
            if query.get("prompt") == "create":
                self._html(200, _render_register(params))
                return
            username = query.get("login_hint", "")[:64]
            page = _render_login(params, username=username, script_nonce=nonce)
            self._html(200, page, script_nonce=nonce)

        self._handle_authorize_errors(run)

    def _authorize_post(self, form: dict[str, str]) -> None:
        def run() -> None:
            params = self._validate_authorize(form)
            username = form.get("username", "").strip()
            password = form.get("password", "")
            if not self.server.check_password(username, password):
                logger.info("interactive login refused")
                nonce = secrets.token_urlsafe(16)
                page = _render_login(
                    params,
                    username=username[:64],
                    error="Nama pengguna atau kata sandi salah.",
                    script_nonce=nonce,
                )
                self._html(200, page, script_nonce=nonce)
                return
            self._redirect_with_code(params, username)

        self._handle_authorize_errors(run)

    def _register_post(self, form: dict[str, str]) -> None:
        def run() -> None:
            params = self._validate_authorize(form)
            username = form.get("username", "").strip().lower()
            name = " ".join(form.get("name", "").split())
            email = form.get("email", "").strip()
            category = form.get("category", "citizen")
            password = form.get("password", "")
            error = None
            if not _USERNAME_RE.match(username):
                error = "Nama pengguna 3–32 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung."
            elif username in self.server.users:
                error = "Nama pengguna sudah dipakai. Pilih nama lain."
            elif not 1 <= len(name) <= 100:
                error = "Nama lengkap wajib diisi (maksimal 100 karakter)."
            elif not _EMAIL_RE.match(email) or len(email) > 254:
                error = "Alamat email tidak valid."
            elif category not in _CATEGORIES:
                error = "Kategori pengguna tidak dikenal."
            elif not 8 <= len(password) <= 200:
                error = "Kata sandi minimal 8 karakter."
            elif password != form.get("password2", ""):
                error = "Ulangan kata sandi tidak sama."
            if error is None:
                user: DemoUser = {"name": name, "email": email, "roles": ["consumer"], "category": category}
                institution = " ".join(form.get("institution", "").split())[:200]
                if institution:
                    user["institution"] = institution
                try:
                    self.server.register(username, password, user)
                except ValueError:
                    error = "Nama pengguna sudah dipakai. Pilih nama lain."
            if error is not None:
                self._html(200, _render_register(params, form, error))
                return
            logger.info("demo user registered")
            self._redirect_with_code(params, username)

        self._handle_authorize_errors(run)

    def _redirect_with_code(self, params: dict[str, str], username: str) -> None:
        now = self.server.clock()
        code = self.server.new_code(
            _AuthCode(
                username=username,
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                code_challenge=params["code_challenge"],
                scope=params["scope"] or "openid profile email",
                nonce=params["nonce"] or None,
                expires=now + CODE_TTL,
                auth_time=int(now),
            )
        )
        out = {"code": code}
        if params["state"]:
            out["state"] = params["state"]
        self._redirect(_add_query(params["redirect_uri"], out))


# --------------------------------------------------------------------------- factory / CLI


def make_server(
    host: str = "127.0.0.1",
    port: int = 8090,
    issuer: str | None = None,
    key_dir: str | os.PathLike[str] | None = None,
    audience: str = "silastik",
    *,
    cors_origins: Iterable[str] = DEFAULT_CORS_ORIGINS,
    redirect_hosts: Iterable[str] = DEFAULT_REDIRECT_HOSTS,
    password: str = DEMO_PASSWORD,
    clock: Callable[[], float] = time.time,
    log_requests: bool = False,
    clients: dict[str, Iterable[str]] | None = None,
) -> SsoServer:
    """Create (bind, not start) the issuer. ``issuer=None`` → ``http://host:<bound port>``;
    ``key_dir=None`` → an ephemeral key (tokens do not survive a restart)."""
    return SsoServer(
        (host, port),
        issuer=issuer,
        key_dir=Path(key_dir) if key_dir else None,
        audience=audience,
        cors_origins=cors_origins,
        redirect_hosts=redirect_hosts,
        password=password,
        clock=clock,
        log_requests=log_requests,
        clients=clients,
    )


def serve_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    issuer: str | None = None,
    key_dir: str | os.PathLike[str] | None = None,
    audience: str = "silastik",
    **kw: Any,
) -> tuple[SsoServer, threading.Thread]:
    """Start the issuer in a daemon thread; stop it with ``server.stop()``."""
    server = make_server(host, port, issuer, key_dir, audience, **kw)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="sso", daemon=True
    )
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.sso", description="SILASTIK local OIDC issuer")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--issuer", default=None, help="issuer URL (default http://<host>:<port>)")
    parser.add_argument("--key-dir", default=".devstack/sso")
    parser.add_argument("--audience", default="silastik")
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=None,
        help=f"allowed CORS origin (repeatable; default {', '.join(DEFAULT_CORS_ORIGINS)})",
    )
    parser.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="ID=REDIRECT_URI",
        help="register a client with an exact redirect URI (repeatable)",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    clients: dict[str, list[str]] = {}
    for spec in args.client:
        cid, sep, uri = spec.partition("=")
        if not sep or not _CLIENT_ID_RE.match(cid) or not uri:
            parser.error(f"--client {spec!r}: expected ID=REDIRECT_URI")
        clients.setdefault(cid, []).append(uri)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server = make_server(
        args.host,
        args.port,
        args.issuer,
        args.key_dir or None,
        args.audience,
        cors_origins=args.cors_origin or DEFAULT_CORS_ORIGINS,
        log_requests=not args.quiet,
        clients=clients,
    )
    print(f"SSO issuer on {server.issuer}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

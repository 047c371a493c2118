"""OIDC bearer-token verification against the issuer's JWKS (RS256 pinned, iss/aud/exp checked).

There is no bypass: every protected route goes through `authenticate`, which only accepts a token
signed by a key published at the configured issuer's JWKS endpoint.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.errors import Forbidden, Unauthorized

ROLES = ("consumer", "staff", "operator", "supervisor", "producer", "admin")
STAFF_ROLES = frozenset({"staff", "operator", "supervisor", "producer", "admin"})
OPS_ROLES = frozenset({"operator", "supervisor", "producer", "admin"})


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    name: str = ""
    email: str = ""
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & OPS_ROLES)

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles or "admin" in self.roles


def _http_get_json(url: str, timeout: float = 5.0) -> dict[str, Any]:
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise Unauthorized("issuer URL is not http(s)")
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
        return json.loads(resp.read().decode("utf-8"))


class JwksCache:
    """Keys by `kid`, fetched from the issuer's discovery document, cached with a TTL; an unknown
    `kid` triggers at most one refetch per `min_refetch_s` (key rotation without hammering the issuer)."""

    def __init__(
        self,
        issuer: str,
        jwks_url: str = "",
        ttl_s: float = 3600,
        min_refetch_s: float = 30,
        fetch: Callable[[str], dict[str, Any]] = _http_get_json,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.jwks_url = jwks_url
        self.ttl_s = ttl_s
        self.min_refetch_s = min_refetch_s
        self._fetch = fetch
        self._monotonic = monotonic
        self._keys: dict[str, Any] = {}
        self._fetched_at = -1e18
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        from jwt.algorithms import RSAAlgorithm

        url = self.jwks_url
        if not url:
            url = self._fetch(f"{self.issuer}/.well-known/openid-configuration")["jwks_uri"]
            self.jwks_url = url
        data = self._fetch(url)
        keys = {}
        for jwk in data.get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("use", "sig") == "sig" and "kid" in jwk:
                keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
        self._keys = keys
        self._fetched_at = self._monotonic()

    def key(self, kid: str) -> Any:
        with self._lock:
            age = self._monotonic() - self._fetched_at
            if age > self.ttl_s or (kid not in self._keys and age > self.min_refetch_s):
                try:
                    self._refresh()
                except Unauthorized:
                    raise
                except Exception as exc:  # issuer down: keep serving cached keys
                    if not self._keys:
                        raise Unauthorized("token issuer unreachable", code="issuer_unavailable") from exc
            if kid not in self._keys:
                raise Unauthorized("unknown signing key")
            return self._keys[kid]


class TokenVerifier:
    def __init__(self, issuer: str, audience: str, jwks: JwksCache, leeway_s: int = 30) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.jwks = jwks
        self.leeway_s = leeway_s

    def verify(self, token: str) -> Principal:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        if header.get("alg") != "RS256":
            raise Unauthorized("token algorithm not allowed")
        key = self.jwks.key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc
        roles = claims.get("roles") or []
        if isinstance(roles, str):
            roles = roles.split()
        return Principal(
            sub=str(claims["sub"]),
            roles=frozenset(r for r in roles if r in ROLES),
            name=str(claims.get("name", "")),
            email=str(claims.get("email", "")),
            claims=claims,
        )


_verifier: TokenVerifier | None = None
_verifier_lock = threading.Lock()


def verifier() -> TokenVerifier:
    global _verifier
    from chalicelib.core.config import get_settings

    s = get_settings()
    with _verifier_lock:
        if _verifier is None or _verifier.issuer != s.oidc_issuer.rstrip("/") or _verifier.audience != s.oidc_audience:
            jwks = JwksCache(s.oidc_issuer, s.jwks_url, ttl_s=s.jwks_cache_seconds)
            _verifier = TokenVerifier(s.oidc_issuer, s.oidc_audience, jwks)
        return _verifier


def reset_verifier() -> None:
    global _verifier
    _verifier = None


def authenticate(headers: Any) -> Principal:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return verifier().verify(token.strip())


def require_roles(principal: Principal, roles: Iterable[str]) -> None:
    allowed = frozenset(roles)
    if allowed and not principal.roles & allowed:
        raise Forbidden("role not allowed for this operation")

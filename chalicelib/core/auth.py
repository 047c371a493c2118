"""OIDC bearer-token verification against the issuer's JWKS (RS256 pinned, iss/aud/exp checked), and the
caller's roles.

There is no bypass: every protected route goes through `authenticate`, which only accepts a token
signed by a key published at the configured issuer's JWKS endpoint.

Roles (docs/deploy.md "Staff onboarding and identity provider"):
1. From the token: the configured claims (`roles`, Keycloak `realm_access.roles` and
   `resource_access.<client>.roles`, Cognito `cognito:groups`) mapped through the role map (IdP group name ->
   app role; an app role's own name maps to itself), plus the default roles every authenticated user gets.
2. From the staff directory (the role source named by the `staff_role_source` setting, by default
   `chalicelib.staff.service:grant`; configured, so core does not import a capability): a user with a
   directory entry gets exactly the entry's staff roles (operator, supervisor, producer, admin) instead of
   the token's; a deactivated entry removes every staff role, whatever the IdP says. Users without an entry
   keep the IdP's roles. Entries are cached per container for `staff_roles_cache_s` (default 30 s).
Audience: `aud` must name one of the configured audiences; a token without `aud` is accepted only as a
Cognito access token (`token_use` = `access`) whose `client_id` is one of them. ID and refresh tokens are
refused. Claims of the wrong type or empty are a 401, never a 500.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.errors import Forbidden, ServiceUnavailable, Unauthorized

ROLES = ("consumer", "staff", "operator", "supervisor", "producer", "admin")
STAFF_ROLES = frozenset({"staff", "operator", "supervisor", "producer", "admin"})
OPS_ROLES = frozenset({"operator", "supervisor", "producer", "admin"})
#: the roles the staff directory grants and revokes (an entry overrides the IdP for these)
DIRECTORY_ROLES = OPS_ROLES
_MAX_CLAIM_LEN = 256
_MAX_ROLE_NAMES = 200


@dataclass(frozen=True)
class StaffGrant:
    """A user's staff-directory entry as authorization sees it."""

    roles: frozenset[str]
    active: bool


def combine_roles(token_roles: frozenset[str], grant: StaffGrant | None) -> frozenset[str]:
    """The effective roles: the IdP's, with the staff roles replaced by the directory entry's (none when the
    entry is deactivated). Without an entry, the IdP's roles stand."""
    if grant is None:
        return frozenset(token_roles)
    base = frozenset(token_roles) - DIRECTORY_ROLES
    return base | (grant.roles & DIRECTORY_ROLES) if grant.active else base


@dataclass(frozen=True)
class RoleMapping:
    """Where the IdP puts roles or groups, and how their names map to app roles."""

    claims: tuple[str, ...] = ("roles", "realm_access.roles", "resource_access.{client}.roles", "cognito:groups")
    table: dict[str, str] = field(default_factory=dict)
    default_roles: frozenset[str] = frozenset()
    client_id: str = ""

    @classmethod
    def parse_table(cls, text: str) -> dict[str, str]:
        """`"grp=role,other=role"` or a JSON object `{"grp": "role"}`; every target must be an app role."""
        text = (text or "").strip()
        if not text:
            return {}
        if text.startswith("{"):
            raw = json.loads(text)
            if not isinstance(raw, dict):
                raise ValueError("role map must be a JSON object")
            pairs = [(str(k), str(v)) for k, v in raw.items()]
        else:
            pairs = []
            for part in text.split(","):
                if not part.strip():
                    continue
                name, sep, role = part.rpartition("=")
                if not sep or not name.strip():
                    raise ValueError(f"role map entry {part!r} is not group=role")
                pairs.append((name.strip(), role.strip()))
        bad = sorted({r for _, r in pairs if r not in ROLES})
        if bad:
            raise ValueError(f"role map targets unknown roles {bad}; allowed: {list(ROLES)}")
        return dict(pairs)

    def names(self, claims: dict[str, Any]) -> list[str]:
        """Every role/group name the token carries in the configured claims (401 on a malformed claim)."""
        out: list[str] = []
        for path in self.claims:
            value: Any = claims
            for part in path.replace("{client}", self.client_id).split("."):
                if not isinstance(value, dict):
                    raise Unauthorized(f"token claim {path} is malformed", code="invalid_claims")
                if part not in value:
                    value = None
                    break
                value = value[part]
            if value is None:
                continue
            if isinstance(value, str):
                value = value.split()
            if not isinstance(value, list) or len(value) > _MAX_ROLE_NAMES or not all(
                    isinstance(v, str) and 0 < len(v.strip()) <= _MAX_CLAIM_LEN for v in value):
                raise Unauthorized(f"token claim {path} must be a list of role names", code="invalid_claims")
            out.extend(v.strip() for v in value)
        return out

    def roles(self, claims: dict[str, Any]) -> frozenset[str]:
        mapped = set(self.default_roles)
        for name in self.names(claims):
            role = self.table.get(name, name)
            if role in ROLES:
                mapped.add(role)
        return frozenset(mapped)


@dataclass(frozen=True)
class Principal:
    sub: str
    roles: frozenset[str]
    name: str = ""
    email: str = ""
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    idp_roles: frozenset[str] | None = field(default=None, compare=False, repr=False)  # before the directory
    grant: StaffGrant | None = field(default=None, compare=False, repr=False)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & OPS_ROLES)

    @property
    def is_supervisor(self) -> bool:
        return "supervisor" in self.roles  # SPEC §8: an admin is not a supervisor


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
    def __init__(self, issuer: str, audience: str | Iterable[str], jwks: JwksCache, leeway_s: int = 30,
                 mapping: RoleMapping | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.audiences = frozenset(a.strip() for a in ([audience] if isinstance(audience, str) else audience)
                                   for a in a.split(",") if a.strip())
        self.audience = ",".join(sorted(self.audiences))
        self.jwks = jwks
        self.leeway_s = leeway_s
        self.mapping = mapping or RoleMapping(client_id=next(iter(sorted(self.audiences)), ""))

    def _check_audience(self, claims: dict[str, Any]) -> None:
        aud = claims.get("aud")
        use = claims.get("token_use")
        if use is not None and use != "access":  # Cognito ID and refresh tokens
            raise Unauthorized("not an access token")
        typ = claims.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() in ("id", "refresh", "logout", "offline")):
            raise Unauthorized("not an access token")  # Keycloak ID/refresh/logout tokens
        if aud is not None:
            auds = [aud] if isinstance(aud, str) else aud
            if not isinstance(auds, list) or not auds or not all(isinstance(a, str) and a for a in auds):
                raise Unauthorized("token audience is malformed", code="invalid_claims")
            if not self.audiences.intersection(auds):
                raise Unauthorized("invalid token")
            return
        # Cognito access tokens carry the app client in `client_id` and no `aud`
        client_id = claims.get("client_id")
        if use == "access" and isinstance(client_id, str) and client_id in self.audiences:
            return
        raise Unauthorized("invalid token")

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
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired", code="token_expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized("invalid token") from exc
        except (TypeError, ValueError) as exc:  # a claim of a type the library does not expect
            raise Unauthorized("invalid token claims", code="invalid_claims") from exc
        if not isinstance(claims, dict):
            raise Unauthorized("invalid token claims", code="invalid_claims")
        self._check_audience(claims)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub.strip() or len(sub) > _MAX_CLAIM_LEN or sub != sub.strip():
            raise Unauthorized("token subject is malformed", code="invalid_claims")
        for name in ("name", "email"):
            value = claims.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > 1024):
                raise Unauthorized(f"token claim {name} is malformed", code="invalid_claims")
        roles = self.mapping.roles(claims)
        return Principal(
            sub=sub,
            roles=roles,
            name=str(claims.get("name") or ""),
            email=str(claims.get("email") or ""),
            claims=claims,
            idp_roles=roles,
        )


_verifier: TokenVerifier | None = None
_verifier_lock = threading.Lock()


def _mapping_from_settings(s: Any) -> RoleMapping:
    audiences = [a.strip() for a in s.oidc_audience.split(",") if a.strip()]
    try:
        table = RoleMapping.parse_table(s.oidc_role_map)
    except ValueError as exc:  # a deployment error, not the caller's: fail closed and say why in the log
        raise ServiceUnavailable("identity provider role map is misconfigured", code="auth_misconfigured") from exc
    defaults = frozenset(r for r in s.oidc_default_roles if r in ROLES)
    return RoleMapping(claims=tuple(s.oidc_role_claims), table=table, default_roles=defaults,
                       client_id=s.oidc_client_id or (audiences[0] if audiences else ""))


def verifier() -> TokenVerifier:
    global _verifier
    from chalicelib.core.config import get_settings

    s = get_settings()
    with _verifier_lock:
        mapping = _mapping_from_settings(s)
        audiences = frozenset(a.strip() for a in s.oidc_audience.split(",") if a.strip())
        if (_verifier is None or _verifier.issuer != s.oidc_issuer.rstrip("/") or _verifier.audiences != audiences
                or _verifier.mapping != mapping):
            jwks = JwksCache(s.oidc_issuer, s.jwks_url, ttl_s=s.jwks_cache_seconds)
            _verifier = TokenVerifier(s.oidc_issuer, s.oidc_audience, jwks, mapping=mapping)
        return _verifier


def reset_verifier() -> None:
    global _verifier
    _verifier = None
    forget_grant()


# --- the staff directory as a role source -----------------------------------------------------------------
RoleSource = Callable[[str], "StaffGrant | None"]
_role_source: RoleSource | None = None
_grants: dict[str, tuple[float, StaffGrant | None]] = {}
_grants_lock = threading.Lock()
_MAX_GRANTS = 10_000


_role_source_loaded = ""


def set_role_source(source: RoleSource | None) -> None:
    """Override the staff directory lookup (`sub` -> grant or None); None: back to the configured one."""
    global _role_source, _role_source_loaded
    _role_source = source
    _role_source_loaded = "override" if source is not None else ""
    forget_grant()


def _source() -> RoleSource | None:
    """The configured role source ("module:function"), imported on first use; "" = no staff directory."""
    global _role_source, _role_source_loaded
    from chalicelib.core.config import get_settings

    if _role_source_loaded == "override":
        return _role_source
    name = get_settings().staff_role_source
    if name != _role_source_loaded:
        import importlib

        _role_source = None
        if name:
            module, _, attr = name.partition(":")
            _role_source = getattr(importlib.import_module(module), attr)
        _role_source_loaded = name
    return _role_source


def forget_grant(sub: str | None = None) -> None:
    """Drop this container's cached directory entry of `sub` (all of them when None): after a change."""
    with _grants_lock:
        if sub is None:
            _grants.clear()
        else:
            _grants.pop(sub, None)


def grant_for(sub: str) -> StaffGrant | None:
    from chalicelib.core.config import get_settings

    source = _source()
    if source is None:
        return None

    ttl = float(get_settings().staff_roles_cache_s)
    now = time.monotonic()
    with _grants_lock:
        hit = _grants.get(sub)
    if hit is not None and hit[0] > now:
        return hit[1]
    try:
        grant = source(sub)
    except Exception as exc:  # noqa: BLE001 - fail closed: without the directory, no roles can be trusted
        raise ServiceUnavailable("staff directory unavailable, try again", code="directory_unavailable") from exc
    with _grants_lock:
        if len(_grants) >= _MAX_GRANTS:
            _grants.clear()
        _grants[sub] = (now + ttl, grant)
    return grant


def with_directory_roles(p: Principal) -> Principal:
    grant = grant_for(p.sub)
    if grant is None:
        return p
    return Principal(sub=p.sub, roles=combine_roles(p.roles, grant), name=p.name, email=p.email, claims=p.claims,
                     idp_roles=p.idp_roles if p.idp_roles is not None else p.roles, grant=grant)


def authenticate(headers: Any) -> Principal:
    value = headers.get("authorization") or headers.get("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return with_directory_roles(verifier().verify(token.strip()))


def require_roles(principal: Principal, roles: Iterable[str]) -> None:
    allowed = frozenset(roles)
    if allowed and not principal.roles & allowed:
        raise Forbidden("role not allowed for this operation")

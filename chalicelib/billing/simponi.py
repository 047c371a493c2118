"""The SIMPONI contract in one place (docs/simponi.md): what a PNBP billing carries, and the validation of what
the gateway answers — billing code, expiry, NTB (the bank's transaction number) and NTPN (the state revenue
transaction number). The HTTP adapter (billing.provider), the webhook path (fulfilment.payment) and the local
simulator (local/billing_sim.py) all use these functions, so no two paths disagree on what an NTPN is."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BILLING_CODE_RE = re.compile(r"^[0-9]{15}$")
NTPN_RE = re.compile(r"^[0-9A-Z]{16}$")
NTB_RE = re.compile(r"^[0-9A-Za-z]{6,32}$")
NPWP_RE = re.compile(r"^[0-9]{15,16}$")
NIK_RE = re.compile(r"^[0-9]{16}$")
CODE_RE = re.compile(r"^[0-9A-Z]{1,12}$")
ACCOUNT_RE = re.compile(r"^[0-9]{6}$")  # PNBP revenue account (akun penerimaan), six digits


def billing_code(value: Any) -> str:
    if not isinstance(value, str) or not BILLING_CODE_RE.match(value):
        raise ValueError("billing_code must be 15 digits")
    return value


def ntpn(value: Any) -> str:
    if not isinstance(value, str) or not NTPN_RE.match(value):
        raise ValueError("ntpn must be 16 characters 0-9 A-Z")
    return value


def ntb(value: Any) -> str | None:
    """NTB is optional (not every channel reports it); when present it must be 6-32 letters/digits."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not NTB_RE.match(value):
        raise ValueError("ntb must be 6-32 letters or digits")
    return value


def expiry(value: datetime, now: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("expires_at has no UTC offset")
    if value <= now:
        raise ValueError("expires_at is not in the future")
    return value


# --- the billing request ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Payer:
    name: str
    email: str = ""
    npwp: str | None = None  # taxpayer number (15/16 digits), optional
    nik: str | None = None  # national identity number (16 digits), optional

    def wire(self) -> dict[str, Any]:
        if not self.name.strip():
            raise ValueError("payer name is required")
        if self.npwp is not None and not NPWP_RE.match(self.npwp):
            raise ValueError("payer npwp must be 15 or 16 digits")
        if self.nik is not None and not NIK_RE.match(self.nik):
            raise ValueError("payer nik must be 16 digits")
        out: dict[str, Any] = {"name": self.name[:200], "email": self.email[:254]}
        if self.npwp:
            out["npwp"] = self.npwp
        if self.nik:
            out["nik"] = self.nik
        return out


@dataclass(frozen=True)
class Codes:
    """The office's codes on every billing: ministry/agency (kementerian/lembaga), echelon I, work unit (satker)."""

    ministry: str = "054"  # Badan Pusat Statistik
    echelon1: str = "01"
    work_unit: str = "000000"

    def wire(self) -> dict[str, str]:
        for name, v in (("ministry", self.ministry), ("echelon1", self.echelon1), ("work_unit", self.work_unit)):
            if not CODE_RE.match(v):
                raise ValueError(f"{name} code must be 1-12 characters 0-9 A-Z")
        return {"ministry_code": self.ministry, "echelon1_code": self.echelon1, "work_unit_code": self.work_unit}


@dataclass(frozen=True)
class TariffItem:
    """One line of the billing: a tariff item (PP on PNBP tariffs) with its revenue account."""

    item_id: str
    description: str
    amount_idr: int
    revenue_account: str = "425411"  # pendapatan jasa layanan statistik (configurable per item type)

    def wire(self) -> dict[str, Any]:
        if not ACCOUNT_RE.match(self.revenue_account):
            raise ValueError("revenue_account must be six digits")
        if isinstance(self.amount_idr, bool) or not isinstance(self.amount_idr, int) or self.amount_idr < 0:
            raise ValueError("tariff item amount must be a non-negative integer")
        return {"item_id": self.item_id[:64], "description": self.description[:200],
                "amount_idr": self.amount_idr, "revenue_account": self.revenue_account}


def accounts(spec: str) -> dict[str, str]:
    """`"default=425411,microdata=425412"` -> {"default": "425411", "microdata": "425412"} (settings form)."""
    out = {}
    for pair in (spec or "").split(","):
        if "=" in pair:
            k, v = pair.split("=", 1)
            out[k.strip()] = v.strip()
    return out


@dataclass(frozen=True)
class BillingRequest:
    request_id: str
    payer: Payer
    items: tuple[TariffItem, ...]
    expires_at: datetime
    description: str
    codes: Codes = field(default_factory=Codes)

    @property
    def amount_idr(self) -> int:
        return sum(i.amount_idr for i in self.items)

    def wire(self) -> dict[str, Any]:
        if not self.items:
            raise ValueError("a billing needs at least one tariff item")
        return {"request_id": self.request_id, "amount_idr": self.amount_idr, "payer_name": self.payer.name,
                "payer_email": self.payer.email, "description": self.description[:500],
                "expires_at": self.expires_at.isoformat(), "payer": self.payer.wire(), **self.codes.wire(),
                "items": [i.wire() for i in self.items]}


# --- authentication -----------------------------------------------------------------------------------------
class StaticKey:
    """A static API key in a header (default `X-Api-Key`)."""

    def __init__(self, key: str | None, header: str = "X-Api-Key") -> None:
        self._key = key or None
        self.header = header

    def headers(self) -> dict[str, str]:
        return {self.header: self._key} if self._key else {}

    def invalidate(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"StaticKey(<{'set' if self._key else 'none'}>)"


class OAuth2ClientCredentials:
    """OAuth2 client-credentials grant with the token cached until shortly before it expires (one fetch per
    container and token lifetime; a 401 from the gateway invalidates it). `fetch(url, form) -> dict` is the
    transport (the adapter's own, so proxies, timeouts and redirects follow the same rules)."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, fetch: Callable[[str, dict], dict],
                 scope: str = "", clock: Callable[[], float] = time.time, margin_s: float = 60.0) -> None:
        if not token_url or not client_id or not client_secret:
            raise ValueError("OAuth2 needs a token URL, a client id and a client secret")
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._fetch = fetch
        self.scope = scope
        self._clock = clock
        self._margin = margin_s
        self._token: str | None = None
        self._until = 0.0
        self._lock = threading.Lock()
        self.fetches = 0

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._token is None or self._clock() >= self._until:
                form = {"grant_type": "client_credentials", "client_id": self.client_id,
                        "client_secret": self._secret}
                if self.scope:
                    form["scope"] = self.scope
                doc = self._fetch(self.token_url, form)
                token, ttl = doc.get("access_token"), doc.get("expires_in", 300)
                if not isinstance(token, str) or not token or isinstance(ttl, bool) or not isinstance(ttl, int | float):
                    raise ValueError("invalid token response")
                self.fetches += 1
                self._token = token
                self._until = self._clock() + max(0.0, float(ttl) - self._margin)
            return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

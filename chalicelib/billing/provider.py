"""Billing provider adapter (SPEC §2.5, §5).

The application talks to the state billing system (SIMPONI) only through the
:class:`BillingProvider` protocol, so the real gateway and the local simulator
(``local/billing_sim.py``) are interchangeable. Callback verification lives in
:mod:`chalicelib.billing.signature`.

Wire format shared by both HTTP providers (JSON over HTTP; the contract is docs/simponi.md, its rules are
chalicelib.billing.simponi)::

    create  -> {"request_id", "amount_idr", "payer_name", "payer_email", "description", "expires_at",
                "payer": {"name", "email", "npwp"?, "nik"?}, "ministry_code", "echelon1_code", "work_unit_code",
                "items": [{"item_id", "description", "amount_idr", "revenue_account"}]}
    create  <- {"billing_code", "amount_idr", "expires_at", "payment_instructions"}
    status  <- {"billing_code", "status", "amount_idr", "ntpn", "ntb", "paid_at", ...}
    cancel  -> POST .../{code}/cancel   <- status document (409 already_paid when the payment came first)
    payments <- GET ...?date=YYYY-MM-DD  {"payments": [status documents]} (the provider's day, Asia/Jakarta)
    errors  <- {"error": {"code", "message"}}  (best effort, any body is tolerated)
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPException
from typing import Any, Protocol, runtime_checkable

from chalicelib.billing import simponi

__all__ = [
    "BillingError",
    "BillingInfo",
    "BillingNotFound",
    "BillingProvider",
    "BillingStatus",
    "HttpBillingProvider",
    "ProviderRejected",
    "ProviderUnavailable",
    "SimponiGatewayProvider",
    "SimulatorProvider",
    "make_provider",
]

logger = logging.getLogger(__name__)

BILLING_STATUSES = frozenset({"unpaid", "paid", "expired", "cancelled"})
_BILLING_CODE_RE = simponi.BILLING_CODE_RE
_MAX_RESPONSE_BYTES = 1 << 20


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class BillingInfo:
    """A billing created at the provider."""

    billing_code: str  # 15 digits
    amount_idr: int
    expires_at: datetime  # timezone-aware
    payment_instructions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BillingStatus:
    """The provider's view of a billing.

    For a paid billing ``amount_idr`` is the amount the provider reports as paid.
    """

    billing_code: str
    status: str  # "unpaid" | "paid" | "expired" | "cancelled"
    amount_idr: int
    ntpn: str | None = None
    paid_at: datetime | None = None
    ntb: str | None = None


# --------------------------------------------------------------------------- errors


class BillingError(Exception):
    """Base class of every billing-provider error.

    ``status`` is the HTTP status when one was received, ``code`` a short reason
    (the provider's error code when it sent one).
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class ProviderUnavailable(BillingError):
    """5xx, timeouts or connection errors after all retries, or an unusable response."""


class ProviderRejected(BillingError):
    """The provider refused the request (4xx other than a missing billing)."""


class BillingNotFound(BillingError):
    """The billing code is unknown to the provider."""


# --------------------------------------------------------------------------- protocol


@runtime_checkable
class BillingProvider(Protocol):
    def create_billing(
        self,
        *,
        request_id: str,
        amount_idr: int,
        payer_name: str,
        payer_email: str,
        description: str,
        expires_at: datetime,
    ) -> BillingInfo:
        """Create (or return the already created) billing for ``request_id``."""
        ...

    def get_status(self, billing_code: str) -> BillingStatus:
        """Current status of a billing."""
        ...

    def cancel_billing(self, billing_code: str) -> BillingStatus:
        """Cancel an unpaid billing (the bank refuses it from then on). ProviderRejected(code="already_paid")
        when the payment came first."""
        ...


# --------------------------------------------------------------------------- helpers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow redirects: they would resend the API key to another location."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def _parse_datetime(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{what} has no UTC offset")
    return parsed


def _require_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not an integer")
    return value


def _error_from_body(body: bytes) -> tuple[str | None, str | None]:
    """Best-effort (code, message) from an error response body."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, None
    err = doc.get("error") if isinstance(doc, dict) else None
    if isinstance(err, dict):
        code, message = err.get("code"), err.get("message")
    elif isinstance(err, str):
        code, message = err, doc.get("message") or doc.get("error_description")
    else:
        return None, None
    code = str(code)[:64] if code is not None else None
    message = str(message)[:200] if message is not None else None
    return code, message


# --------------------------------------------------------------------------- HTTP client


class HttpBillingProvider:
    """JSON-over-HTTP billing gateway client (stdlib ``urllib``).

    * ``api_key`` is sent in the ``api_key_header`` header (default ``X-Api-Key``); it is
      never logged and never part of ``repr``.
    * ``retries`` is the number of *extra* attempts (so ``retries=3`` means at most four
      requests) on 5xx, 429, timeouts and connection errors, with exponential backoff and
      jitter: ``min(backoff_max, backoff_base * 2**n)``, randomised to 50–100 %, or the
      server's numeric ``Retry-After`` if larger (capped by ``backoff_max``). Other 4xx are
      never retried. Creating is safe to retry because it is idempotent on ``request_id``
      (also sent as ``Idempotency-Key``).
    * ``sleep`` is injectable for tests; ``use_env_proxy`` decides whether the
      ``*_proxy`` environment variables apply (read per call, not at import).

    Subclasses set the paths (:meth:`_create_path`, :meth:`_status_path`).
    """

    default_use_env_proxy = True

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 5.0,
        retries: int = 3,
        backoff_base: float = 0.25,
        backoff_max: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
        api_key_header: str = "X-Api-Key",
        use_env_proxy: bool | None = None,
        user_agent: str = "silastik-billing/1",
        auth: Any = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("base_url must be an absolute http(s) URL")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self._sleep = sleep
        self.api_key_header = api_key_header
        self.user_agent = user_agent
        use_proxy = self.default_use_env_proxy if use_env_proxy is None else use_env_proxy
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if not use_proxy:
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)
        #: headers() / invalidate(): simponi.StaticKey (default) or simponi.OAuth2ClientCredentials
        self._auth = auth if auth is not None else simponi.StaticKey(self._api_key, api_key_header)

    def fetch_token(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        """POST an OAuth2 token request (form-encoded) through this client's opener; the JSON answer."""
        data = urllib.parse.urlencode(form).encode()
        req = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310 - https/http checked
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                doc = json.loads(resp.read(_MAX_RESPONSE_BYTES).decode("utf-8"))
        except (urllib.error.URLError, OSError, HTTPException, ValueError) as exc:
            raise ProviderUnavailable("token endpoint unavailable", code="token") from exc
        if not isinstance(doc, dict):
            raise ProviderUnavailable("invalid token response", code="token")
        return doc

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key=<{key}>)"

    # -- paths (overridden) ---------------------------------------------------------

    def _create_path(self) -> str:
        raise NotImplementedError

    def _status_path(self, billing_code: str) -> str:
        raise NotImplementedError

    def _cancel_path(self, billing_code: str) -> str:
        return self._status_path(billing_code) + "/cancel"

    def _payments_path(self) -> str:
        return "/payments"

    # -- public API -----------------------------------------------------------------

    def create_billing(
        self,
        *,
        request_id: str,
        amount_idr: int,
        payer_name: str,
        payer_email: str,
        description: str,
        expires_at: datetime,
        payer: simponi.Payer | None = None,
        items: tuple[simponi.TariffItem, ...] | None = None,
        codes: simponi.Codes | None = None,
    ) -> BillingInfo:
        if not isinstance(request_id, str) or not request_id or len(request_id) > 128:
            raise ValueError("request_id must be a non-empty string of at most 128 characters")
        if isinstance(amount_idr, bool) or not isinstance(amount_idr, int) or amount_idr <= 0:
            raise ValueError("amount_idr must be a positive integer")
        if expires_at.tzinfo is None or expires_at.utcoffset() is None:
            raise ValueError("expires_at must be timezone-aware")
        payload = {
            "request_id": request_id,
            "amount_idr": amount_idr,
            "payer_name": payer_name,
            "payer_email": payer_email,
            "description": description,
            "expires_at": expires_at.isoformat(),
        }
        if payer is not None or items or codes is not None:
            req = simponi.BillingRequest(
                request_id=request_id, payer=payer or simponi.Payer(payer_name, payer_email),
                items=tuple(items or (simponi.TariffItem(request_id, description, amount_idr),)),
                expires_at=expires_at, description=description, codes=codes or simponi.Codes())
            if req.amount_idr != amount_idr:
                raise ValueError("the tariff items do not add up to amount_idr")
            payload = req.wire()
        doc = self._request(
            "POST", self._create_path(), payload, extra_headers={"Idempotency-Key": request_id}
        )
        try:
            info = self._parse_info(doc)
        except (ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(
                f"invalid create-billing response: {exc}", code="invalid_response"
            ) from None
        if info.amount_idr != amount_idr:
            raise ProviderRejected(
                "provider billed a different amount for this request_id", code="amount_mismatch"
            )
        return info

    def get_status(self, billing_code: str) -> BillingStatus:
        if not isinstance(billing_code, str) or not _BILLING_CODE_RE.match(billing_code):
            raise BillingNotFound("malformed billing code", code="malformed_code")
        doc = self._request("GET", self._status_path(billing_code), None, not_found=True)
        try:
            return self._parse_status(doc)
        except (ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(
                f"invalid billing-status response: {exc}", code="invalid_response"
            ) from None

    def cancel_billing(self, billing_code: str) -> BillingStatus:
        if not isinstance(billing_code, str) or not _BILLING_CODE_RE.match(billing_code):
            raise BillingNotFound("malformed billing code", code="malformed_code")
        try:
            doc = self._request("POST", self._cancel_path(billing_code), {}, not_found=True)
        except ProviderRejected as exc:
            if exc.status == 409 and exc.code in ("already_paid", "paid"):
                raise ProviderRejected("billing already paid", status=409, code="already_paid") from None
            raise
        try:
            return self._parse_status(doc)
        except (ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(f"invalid billing-status response: {exc}", code="invalid_response") from None

    def list_payments(self, day: str) -> list[BillingStatus]:
        """The provider's payments of one day (YYYY-MM-DD, Asia/Jakarta): the daily reconciliation report."""
        doc = self._request("GET", self._payments_path() + "?date=" + urllib.parse.quote(day), None)
        try:
            return [self._parse_status(d) for d in doc["payments"]]
        except (ValueError, TypeError, KeyError) as exc:
            raise ProviderUnavailable(f"invalid payments response: {exc}", code="invalid_response") from None

    # -- parsing (overridable for other gateway shapes) --------------------------------

    def _parse_info(self, doc: Mapping[str, Any]) -> BillingInfo:
        from chalicelib.core import clock

        code = simponi.billing_code(doc["billing_code"])
        instructions = doc.get("payment_instructions") or {}
        if not isinstance(instructions, dict):
            raise ValueError("payment_instructions is not an object")
        return BillingInfo(
            billing_code=code,
            amount_idr=_require_int(doc["amount_idr"], "amount_idr"),
            # a billing that is already expired (or has no offset) is not usable: invalid response
            expires_at=simponi.expiry(_parse_datetime(doc["expires_at"], "expires_at"), clock.now()),
            payment_instructions=instructions,
        )

    def _parse_status(self, doc: Mapping[str, Any]) -> BillingStatus:
        code = simponi.billing_code(doc["billing_code"])
        status = doc["status"]
        if status not in BILLING_STATUSES:
            raise ValueError("unknown status")
        ntpn = doc.get("ntpn")
        paid_at_raw = doc.get("paid_at")
        if status == "paid":
            simponi.ntpn(ntpn)
            paid_at: datetime | None = _parse_datetime(paid_at_raw, "paid_at")
        else:
            ntpn = ntpn if isinstance(ntpn, str) and ntpn else None
            paid_at = _parse_datetime(paid_at_raw, "paid_at") if paid_at_raw else None
        return BillingStatus(
            billing_code=code,
            status=status,
            amount_idr=_require_int(doc["amount_idr"], "amount_idr"),
            ntpn=ntpn,
            paid_at=paid_at,
            ntb=simponi.ntb(doc.get("ntb")),
        )

    # -- transport --------------------------------------------------------------------

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2**attempt))
        delay = delay * (0.5 + random.random() / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay

    def _request(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        *,
        not_found: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        auth_retry: bool = True,
    ) -> dict[str, Any]:
        url = self.base_url + path
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8") if payload is not None else None
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if data is not None:
            headers["Content-Type"] = "application/json"
        try:
            headers.update(self._auth.headers())
        except ValueError as exc:
            raise ProviderUnavailable("could not authenticate to the provider", code="auth") from exc
        if extra_headers:
            headers.update(extra_headers)

        attempts = self.retries + 1
        last_reason = "unknown"
        last_status: int | None = None
        for attempt in range(attempts):
            retry_after: float | None = None
            try:
                # Scheme restricted to http(s) in __init__.
                req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
                with self._opener.open(req, timeout=self.timeout) as resp:
                    body = resp.read(_MAX_RESPONSE_BYTES + 1)
                    status = resp.status
                if len(body) > _MAX_RESPONSE_BYTES:
                    raise ProviderUnavailable("provider response too large", status=status, code="too_large")
                try:
                    doc = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    raise ProviderUnavailable(
                        "provider response is not JSON", status=status, code="invalid_response"
                    ) from None
                if not isinstance(doc, dict):
                    raise ProviderUnavailable(
                        "provider response is not a JSON object", status=status, code="invalid_response"
                    )
                return doc
            except urllib.error.HTTPError as exc:
                status = exc.code
                try:
                    body = exc.read(64 * 1024)
                except (OSError, HTTPException):
                    body = b""
                finally:
                    exc.close()
                code, message = _error_from_body(body)
                if status == 401 and auth_retry and isinstance(self._auth, simponi.OAuth2ClientCredentials):
                    self._auth.invalidate()  # an expired or revoked token: fetch a new one, once
                    return self._request(method, path, payload, not_found=not_found, extra_headers=extra_headers,
                                         auth_retry=False)
                if status == 404 and not_found:
                    raise BillingNotFound("billing not found", status=404, code=code or "not_found") from None
                if 300 <= status < 400:
                    raise ProviderUnavailable(
                        f"unexpected redirect ({status}) from provider", status=status, code="redirect"
                    ) from None
                if 400 <= status < 500 and status != 429:
                    detail = f": {message}" if message else ""
                    raise ProviderRejected(
                        f"provider rejected the request ({status}){detail}",
                        status=status,
                        code=code or f"http_{status}",
                    ) from None
                last_status, last_reason = status, code or f"http_{status}"
                ra = exc.headers.get("Retry-After") if exc.headers else None
                if ra and ra.strip().isdigit():
                    retry_after = float(ra.strip())
            except TimeoutError:
                last_status, last_reason = None, "timeout"
            except urllib.error.URLError as exc:
                last_status = None
                last_reason = "timeout" if isinstance(exc.reason, TimeoutError) else "connection"
            except (ConnectionError, HTTPException, OSError):
                last_status, last_reason = None, "connection"

            if attempt + 1 < attempts:
                delay = self._backoff(attempt, retry_after)
                logger.warning(
                    "billing provider %s %s failed (%s), retry %d/%d in %.2fs",
                    method,
                    path,
                    last_reason,
                    attempt + 1,
                    self.retries,
                    delay,
                )
                self._sleep(delay)
        logger.error(
            "billing provider %s %s failed after %d attempts (%s)", method, path, attempts, last_reason
        )
        raise ProviderUnavailable(
            f"billing provider unavailable after {attempts} attempts ({last_reason})",
            status=last_status,
            code=last_reason,
        )


class SimponiGatewayProvider(HttpBillingProvider):
    """Production client for the SIMPONI billing gateway.

    Assumed gateway contract (the integration layer in front of SIMPONI exposes JSON; to be
    confirmed against the gateway's interface document before go-live):

    * ``POST {base_url}/billing`` with the JSON create payload of this module, header
      ``X-Api-Key`` and ``Idempotency-Key: <request_id>``; answers 200/201 with
      ``{"billing_code", "amount_idr", "expires_at", "payment_instructions"}`` and returns
      the same billing when the ``request_id`` is repeated.
    * ``GET {base_url}/billing/{billing_code}`` answers
      ``{"billing_code", "status": "unpaid"|"paid"|"expired", "amount_idr", "ntpn", "paid_at"}``
      or 404 when the code is unknown.
    * Errors are 4xx/5xx with ``{"error": {"code", "message"}}`` (best effort).

    Environment proxies (``https_proxy``) are honoured by default.
    """

    default_use_env_proxy = True

    def _create_path(self) -> str:
        return "/billing"

    def _status_path(self, billing_code: str) -> str:
        return f"/billing/{billing_code}"


class SimulatorProvider(HttpBillingProvider):
    """Client for the local billing simulator (``local/billing_sim.py``):
    ``POST {base}/billings``, ``GET {base}/billings/{code}``. Ignores proxy variables."""

    default_use_env_proxy = False

    def _create_path(self) -> str:
        return "/billings"

    def _status_path(self, billing_code: str) -> str:
        return f"/billings/{billing_code}"


_KINDS: dict[str, type[HttpBillingProvider]] = {
    "simulator": SimulatorProvider,
    "simponi": SimponiGatewayProvider,
}


def make_provider(kind: str, base_url: str, api_key: str | None, **kw: Any) -> BillingProvider:
    """Build the provider for ``kind`` (``"simulator"`` or ``"simponi"``).

    Extra keyword arguments go to :class:`HttpBillingProvider` (``timeout``, ``retries``,
    ``sleep``, ``backoff_base``, ``backoff_max``, ``api_key_header``, ``use_env_proxy``).
    """
    normalized = (kind or "").strip().lower()
    cls = _KINDS.get(normalized)
    if cls is None:
        raise ValueError(f"unknown billing provider kind {kind!r}; expected one of {sorted(_KINDS)}")
    if normalized == "simponi" and not api_key and kw.get("auth") is None:
        raise ValueError("the simponi provider needs an api_key")
    return cls(base_url, api_key, **kw)


def with_oauth2(provider: HttpBillingProvider, token_url: str, client_id: str, client_secret: str,
                scope: str = "") -> HttpBillingProvider:
    """Switch `provider` to OAuth2 client credentials (token fetched through its own transport, cached)."""
    provider._auth = simponi.OAuth2ClientCredentials(token_url, client_id, client_secret, provider.fetch_token,
                                                     scope=scope)
    return provider

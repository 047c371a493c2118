"""Local billing simulator: a stand-in for the SIMPONI billing gateway (SPEC §6).

Run::

    python -m local.billing_sim --port 8070 \\
        --webhook-url http://127.0.0.1:8000/webhooks/billing --secret <secret> \\
        [--state-file .devstack/billing.json] [--api-key <key>]

API (JSON):

* ``POST /billings`` ``{"request_id","amount_idr","payer_name","payer_email","description","expires_at"}``
  → 201 new billing, 200 the existing one for a repeated ``request_id``, 409 when the
  ``request_id`` is repeated with another amount.
* ``GET /billings/{code}`` → status document; 404 unknown.
* ``POST /simulate/pay`` ``{"billing_code","amount_idr"?,"send_webhook"?: true,"duplicate"?: 0}``
  marks it paid and (unless ``send_webhook`` is false) sends the signed webhook from a
  background thread, retrying on 5xx / connection errors. 409 when expired or already paid.
* ``POST /billings/{code}/cancel`` cancels an unpaid billing (API key checked, like the gateway): from then on
  ``/simulate/pay`` refuses it (409 ``cancelled``), as the bank would; 409 ``already_paid`` when paid first.
* ``GET /payments?date=YYYY-MM-DD`` the payments of one day (Asia/Jakarta), for the daily reconciliation.
* ``POST /oauth/token`` (form: ``grant_type=client_credentials``, ``client_id``, ``client_secret`` = the API key)
  → ``{"access_token", "token_type": "Bearer", "expires_in"}``; the API accepts ``Authorization: Bearer``
  with such a token wherever it accepts ``X-Api-Key``.
* ``POST /simulate/pay`` also takes ``"in_flight": true``: the bank accepted the payment before a cancel
  reached the simulator (paid even if cancelled or expired; what a real race can produce).
* ``POST /simulate/expire`` ``{"billing_code"}`` expires an unpaid billing now.
* ``POST /simulate/faults`` ``{"fail_next": n, "status": 503, "delay_ms": 0}``: the next n
  API calls (``POST /billings``, ``GET /billings/{code}``) are delayed by ``delay_ms`` and
  then fail with ``status``. ``"status": null`` (or omitting it while giving ``delay_ms``)
  only delays. ``GET /simulate/faults`` shows the setting.
* ``GET /simulate/webhooks`` lists webhook deliveries (no signatures).
* ``POST /simulate/reset`` clears all state. ``GET /health``.

State lives in memory and, when a state file is given, is persisted there atomically.
The secret, the API key and signatures are never logged.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import json
import logging
import os
import random
import re
import secrets
import string
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chalicelib.billing import simponi
from chalicelib.billing.signature import HEADER_NAME, sign

__all__ = ["BillingSimServer", "main", "make_server", "serve_in_thread"]

logger = logging.getLogger("local.billing_sim")

WIB = timezone(timedelta(hours=7), "WIB")  # Asia/Jakarta has no DST
_CODE_RE = re.compile(r"^[0-9]{15}$")
_MAX_BODY = 64 * 1024
_NTPN_ALPHABET = string.ascii_uppercase + string.digits
_MAX_AMOUNT = 10**13


class _HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _parse_dt(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("no UTC offset")
    return parsed


def _rupiah(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def _payment_instructions(code: str, va: str, amount: int, expires_at: str) -> dict[str, Any]:
    amount_text = _rupiah(amount)
    return {
        "billing_code": code,
        "virtual_account": va,
        "amount_idr": amount,
        "expires_at": expires_at,
        "note": (
            "Bayar sesuai jumlah tagihan sebelum batas waktu. Simpan bukti bayar yang memuat "
            "NTPN (Nomor Transaksi Penerimaan Negara)."
        ),
        "channels": [
            {
                "bank": "BRI",
                "channel": "BRImo / Internet Banking",
                "steps": [
                    "Masuk ke aplikasi BRImo.",
                    "Pilih menu Pembayaran, lalu Penerimaan Negara (MPN).",
                    f"Masukkan kode billing {code}.",
                    f"Periksa rincian tagihan ({amount_text}), lalu konfirmasi dengan PIN.",
                    "Simpan bukti pembayaran yang memuat NTPN.",
                ],
            },
            {
                "bank": "Bank Mandiri",
                "channel": "Livin' by Mandiri",
                "steps": [
                    "Masuk ke aplikasi Livin' by Mandiri.",
                    "Pilih Bayar, lalu Penerimaan Negara.",
                    f"Masukkan kode billing {code}.",
                    f"Pastikan jumlah {amount_text} sesuai, lalu masukkan PIN.",
                    "Unduh bukti pembayaran (BPN) yang memuat NTPN.",
                ],
            },
            {
                "bank": "BNI",
                "channel": "ATM",
                "steps": [
                    "Masukkan kartu ATM dan PIN.",
                    "Pilih Menu Lain, Pembayaran, lalu MPN G3 / Penerimaan Negara.",
                    f"Masukkan kode billing {code}.",
                    f"Periksa jumlah {amount_text}, lalu pilih Ya.",
                    "Ambil struk sebagai bukti pembayaran.",
                ],
            },
            {
                "bank": "Transfer Virtual Account",
                "channel": "Bank lain",
                "steps": [
                    "Pilih menu transfer ke Virtual Account.",
                    f"Masukkan nomor virtual account {va}.",
                    f"Transfer tepat {amount_text}.",
                    "Simpan bukti transfer.",
                ],
            },
        ],
    }


class _State:
    """In-memory state with optional JSON persistence; all access under ``lock``."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.billings: dict[str, dict[str, Any]] = {}
        self.by_request: dict[str, str] = {}
        self.webhooks: list[dict[str, Any]] = []
        self.faults: dict[str, Any] = {"fail_next": 0, "status": None, "delay_ms": 0}
        if path is not None and path.exists():
            self._load()

    def _load(self) -> None:
        assert self.path is not None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable state file %s: %s", self.path, exc)
            return
        self.billings = dict(doc.get("billings") or {})
        self.by_request = {b["request_id"]: code for code, b in self.billings.items()}
        self.webhooks = list(doc.get("webhooks") or [])[-200:]

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"billings": self.billings, "webhooks": self.webhooks[-200:]}
        fd, tmp = tempfile.mkstemp(prefix=".billing-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def reset(self) -> None:
        self.billings.clear()
        self.by_request.clear()
        self.webhooks.clear()
        self.faults = {"fail_next": 0, "status": None, "delay_ms": 0}
        self.save()


class BillingSimServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        addr: tuple[str, int],
        *,
        webhook_url: str | None,
        secret: bytes,
        state_file: str | os.PathLike[str] | None,
        api_key: str | None,
        clock: Callable[[], float],
        webhook_retries: int,
        webhook_backoff: float,
        webhook_timeout: float,
        log_requests: bool,
    ) -> None:
        super().__init__(addr, _Handler)
        self.webhook_url = webhook_url
        self.secret = secret
        self.api_key = api_key or None
        self.clock = clock
        self.webhook_retries = webhook_retries
        self.webhook_backoff = webhook_backoff
        self.webhook_timeout = webhook_timeout
        self.log_requests = log_requests
        self.state = _State(Path(state_file) if state_file else None)
        self.tokens: dict[str, float] = {}  # OAuth2 access token -> valid until (clock seconds)
        self.token_ttl = 300
        self.token_grants = 0
        self._stopping = threading.Event()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        host, port = self.server_address[:2]
        self.url = f"http://{host}:{port}"

    def __repr__(self) -> str:
        return f"BillingSimServer(url={self.url!r})"

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return  # a client that hung up is not an error worth a traceback
        logger.exception("error while handling a request from %s", client_address[0])

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), WIB)

    def stop(self) -> None:
        """Stop serving, abort pending webhook retries, close the socket."""
        self._stopping.set()
        self.shutdown()
        self.server_close()

    # -- domain operations (called with the state lock held) ---------------------------

    def new_code(self) -> str:
        while True:
            code = str(secrets.randbelow(9 * 10**14) + 10**14)
            if code not in self.state.billings:
                return code

    def status_of(self, billing: dict[str, Any]) -> str:
        if billing.get("paid_at"):
            return "paid"
        if billing.get("cancelled_at"):
            return "cancelled"
        if self.now() >= _parse_dt(billing["expires_at"]):
            return "expired"
        return "unpaid"

    def public_billing(self, billing: dict[str, Any]) -> dict[str, Any]:
        paid = bool(billing.get("paid_at"))
        return {
            "billing_code": billing["billing_code"],
            "status": self.status_of(billing),
            "amount_idr": billing["paid_amount_idr"] if paid else billing["amount_idr"],
            "billed_amount_idr": billing["amount_idr"],
            "ntpn": billing.get("ntpn"),
            "ntb": billing.get("ntb"),
            "paid_at": billing.get("paid_at"),
            "request_id": billing["request_id"],
            "expires_at": billing["expires_at"],
            "created_at": billing["created_at"],
        }

    # -- webhooks -------------------------------------------------------------------------

    def queue_webhooks(self, event: dict[str, Any], copies: int) -> None:
        raw = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        records = []
        with self.state.lock:
            for i in range(copies):
                record = {
                    "event_id": event["event_id"],
                    "billing_code": event["billing_code"],
                    "copy": i,
                    "attempts": 0,
                    "last_status": None,
                    "delivered": False,
                    "done": False,
                }
                self.state.webhooks.append(record)
                records.append(record)
            self.state.save()
        threading.Thread(
            target=self._deliver_all, args=(raw, records), name="billing-sim-webhook", daemon=True
        ).start()

    def _deliver_all(self, raw: bytes, records: list[dict[str, Any]]) -> None:
        for record in records:
            if self._stopping.is_set():
                return
            self._deliver(raw, record)

    def _deliver(self, raw: bytes, record: dict[str, Any]) -> None:
        assert self.webhook_url
        for attempt in range(self.webhook_retries + 1):
            if self._stopping.is_set():
                return
            status: int | None = None
            try:
                req = urllib.request.Request(  # noqa: S310 - scheme checked in make_server
                    self.webhook_url,
                    data=raw,
                    method="POST",
                    headers={
                        "Content-Type": "application/json",
                        HEADER_NAME: sign(self.secret, raw, int(self.clock())),
                        "User-Agent": "silastik-billing-sim/1",
                    },
                )
                with self._opener.open(req, timeout=self.webhook_timeout) as resp:
                    resp.read(64 * 1024)
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
                exc.close()
            except (OSError, ValueError) as exc:
                logger.info("webhook %s attempt %d: %s", record["event_id"], attempt + 1, type(exc).__name__)
            with self.state.lock:
                record["attempts"] = attempt + 1
                record["last_status"] = status
                if status is not None and 200 <= status < 300:
                    record["delivered"] = True
                retryable = status is None or status >= 500 or status == 429
                if record["delivered"] or not retryable or attempt == self.webhook_retries:
                    record["done"] = True
                self.state.save()
            logger.info("webhook %s -> %s (attempt %d)", record["event_id"], status, attempt + 1)
            if record["done"]:
                return
            delay = self.webhook_backoff * (2**attempt) * (0.5 + random.random() / 2)
            if self._stopping.wait(delay):
                return


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


class _Handler(BaseHTTPRequestHandler):
    server: BillingSimServer
    protocol_version = "HTTP/1.1"
    server_version = "SilastikBillingSim/1"
    sys_version = ""
    _raw_body = b""

    # -- plumbing -------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.log_requests:
            logger.info("%s - %s", self.address_string(), format % args)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.log_requests:
            path = urllib.parse.urlsplit(self.path).path
            code_value = code.value if isinstance(code, HTTPStatus) else code
            logger.info("%s %s %s", self.command, path, code_value)

    def _send_json(self, status: int, doc: Any) -> None:
        body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        self._send_json(status, {"error": {"code": code, "message": message}})

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise _HttpError(411, "length_required", "chunked bodies are not supported")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise _HttpError(400, "invalid_request", "bad Content-Length")
        if length > _MAX_BODY:
            self.close_connection = True
            raise _HttpError(413, "too_large", "body too large")
        return self.rfile.read(length) if length else b""

    def _read_json(self) -> dict[str, Any]:
        raw = self._raw_body
        if not raw.strip():
            return {}
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _HttpError(400, "invalid_json", "body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise _HttpError(400, "invalid_json", "body must be a JSON object")
        return doc

    def _dispatch(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        try:
            # Always consume the body first so a keep-alive connection stays in sync.
            self._raw_body = self._read_body()
            self._route(self.command, path)
        except _HttpError as exc:
            self._error(exc.status, exc.code, exc.message)
        except ConnectionError:
            self.close_connection = True  # the client went away (e.g. its timeout fired)
        except Exception:  # pragma: no cover - defensive: never leak a traceback to the client
            logger.exception("unhandled error on %s %s", self.command, path)
            self._error(500, "internal", "internal error")

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    # -- routing --------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> None:
        if method == "HEAD":
            method = "GET"
        routes: dict[tuple[str, str], Callable[[], None]] = {
            ("GET", "/health"): self._health,
            ("POST", "/billings"): self._create,
            ("POST", "/simulate/pay"): self._pay,
            ("POST", "/simulate/expire"): self._expire,
            ("GET", "/simulate/faults"): self._get_faults,
            ("POST", "/simulate/faults"): self._set_faults,
            ("GET", "/simulate/webhooks"): self._get_webhooks,
            ("GET", "/payments"): self._payments,
            ("POST", "/oauth/token"): self._token,
            ("POST", "/simulate/reset"): self._reset,
        }
        handler = routes.get((method, path))
        if handler is not None:
            handler()
            return
        if path.startswith("/billings/") and path.endswith("/cancel"):
            if method != "POST":
                raise _HttpError(405, "method_not_allowed", "method not allowed")
            self._cancel(path[len("/billings/") : -len("/cancel")])
            return
        if path.startswith("/billings/"):
            if method != "GET":
                raise _HttpError(405, "method_not_allowed", "method not allowed")
            self._get_billing(path[len("/billings/") :])
            return
        if any(p == path for _, p in routes):
            raise _HttpError(405, "method_not_allowed", "method not allowed")
        raise _HttpError(404, "not_found", "no such endpoint")

    def _check_api_key(self) -> None:
        expected = self.server.api_key
        if expected is None:
            return
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            with self.server.state.lock:
                until = self.server.tokens.get(auth[7:].strip())
            if until is not None and until > self.server.clock():
                return
            raise _HttpError(401, "invalid_token", "missing, invalid or expired token")
        given = self.headers.get("X-Api-Key") or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise _HttpError(401, "unauthorized", "missing or invalid API key")

    def _apply_faults(self) -> None:
        with self.server.state.lock:
            faults = self.server.state.faults
            if faults["fail_next"] <= 0:
                return
            faults["fail_next"] -= 1
            status, delay_ms = faults["status"], faults["delay_ms"]
        if delay_ms:
            time.sleep(delay_ms / 1000)
        if status:
            raise _HttpError(status, "injected_fault", "fault injected by the simulator")

    # -- endpoints ------------------------------------------------------------------------

    def _health(self) -> None:
        with self.server.state.lock:
            count = len(self.server.state.billings)
        self._send_json(200, {"status": "ok", "service": "billing-simulator", "billings": count})

    def _create(self) -> None:
        self._check_api_key()
        body = self._read_json()
        self._apply_faults()
        request_id = body.get("request_id")
        amount = body.get("amount_idr")
        if not isinstance(request_id, str) or not request_id.strip() or len(request_id) > 128:
            raise _HttpError(400, "invalid_request", "request_id must be a non-empty string (max 128)")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= _MAX_AMOUNT:
            raise _HttpError(400, "invalid_request", "amount_idr must be a positive integer")
        texts = {}
        for name, limit in (("payer_name", 200), ("payer_email", 254), ("description", 500)):
            value = body.get(name, "")
            if not isinstance(value, str) or len(value) > limit:
                raise _HttpError(400, "invalid_request", f"{name} must be a string (max {limit})")
            texts[name] = value
        try:
            expires_at = _parse_dt(body.get("expires_at"))
        except ValueError:
            raise _HttpError(
                400, "invalid_request", "expires_at must be an ISO-8601 timestamp with offset"
            ) from None
        extra = self._simponi_fields(body, amount)
        server = self.server
        with server.state.lock:
            existing = server.state.by_request.get(request_id)
            if existing is not None:
                billing = server.state.billings[existing]
                if billing["amount_idr"] != amount:
                    raise _HttpError(
                        409, "idempotency_conflict", "request_id already used with a different amount"
                    )
                self._send_json(200, self._create_response(billing))
                return
            if expires_at <= server.now():
                raise _HttpError(400, "invalid_request", "expires_at must be in the future")
            code = server.new_code()
            va = "8277" + code[3:]
            expires_text = _iso(expires_at)
            billing = {
                "billing_code": code,
                "request_id": request_id,
                "amount_idr": amount,
                "paid_amount_idr": None,
                "expires_at": expires_text,
                "created_at": _iso(server.now()),
                "virtual_account": va,
                "paid_at": None,
                "ntpn": None,
                **texts,
                **extra,
            }
            billing["payment_instructions"] = _payment_instructions(code, va, amount, expires_text)
            server.state.billings[code] = billing
            server.state.by_request[request_id] = code
            server.state.save()
        self._send_json(201, self._create_response(billing))

    @staticmethod
    def _simponi_fields(body: dict[str, Any], amount: int) -> dict[str, Any]:
        """The PNBP fields of docs/simponi.md, checked with the same rules as the app (billing.simponi); optional
        as a whole (older clients), but all-or-nothing and consistent when given."""
        if "items" not in body and "ministry_code" not in body:
            return {}
        try:
            items = body.get("items")
            if not isinstance(items, list) or not items:
                raise ValueError("items must be a non-empty list")
            lines = [simponi.TariffItem(str(i["item_id"]), str(i.get("description", "")), i["amount_idr"],
                                        str(i["revenue_account"])) for i in items]
            for t in lines:
                t.wire()
            if sum(t.amount_idr for t in lines) != amount:
                raise ValueError("the items do not add up to amount_idr")
            simponi.Codes(str(body["ministry_code"]), str(body["echelon1_code"]), str(body["work_unit_code"])).wire()
            payer = body.get("payer") or {}
            simponi.Payer(str(payer.get("name", "")), str(payer.get("email", "")), payer.get("npwp"),
                          payer.get("nik")).wire()
        except (KeyError, TypeError, ValueError) as exc:
            raise _HttpError(400, "invalid_request", f"invalid PNBP fields: {exc}") from None
        return {"items": items, "payer": payer, "codes": {k: body[k] for k in (
            "ministry_code", "echelon1_code", "work_unit_code")}}

    @staticmethod
    def _create_response(billing: dict[str, Any]) -> dict[str, Any]:
        return {
            "billing_code": billing["billing_code"],
            "request_id": billing["request_id"],
            "amount_idr": billing["amount_idr"],
            "expires_at": billing["expires_at"],
            "payment_instructions": billing["payment_instructions"],
        }

    def _get_billing(self, code: str) -> None:
        self._check_api_key()
        self._apply_faults()
        with self.server.state.lock:
            billing = self.server.state.billings.get(code) if _CODE_RE.match(code) else None
            if billing is None:
                raise _HttpError(404, "not_found", "unknown billing code")
            doc = self.server.public_billing(billing)
        self._send_json(200, doc)

    def _lookup(self, body: dict[str, Any]) -> dict[str, Any]:
        code = body.get("billing_code")
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise _HttpError(400, "invalid_request", "billing_code must be 15 digits")
        billing = self.server.state.billings.get(code)
        if billing is None:
            raise _HttpError(404, "not_found", "unknown billing code")
        return billing

    def _pay(self) -> None:
        body = self._read_json()
        send_webhook = body.get("send_webhook", True)
        duplicate = body.get("duplicate", 0)
        override = body.get("amount_idr")
        in_flight = body.get("in_flight", False)
        if not isinstance(in_flight, bool):
            raise _HttpError(400, "invalid_request", "in_flight must be a boolean")
        if not isinstance(send_webhook, bool):
            raise _HttpError(400, "invalid_request", "send_webhook must be a boolean")
        if isinstance(duplicate, bool) or not isinstance(duplicate, int) or not 0 <= duplicate <= 10:
            raise _HttpError(400, "invalid_request", "duplicate must be an integer 0..10")
        if override is not None and (
            isinstance(override, bool) or not isinstance(override, int) or not 0 <= override <= _MAX_AMOUNT
        ):
            raise _HttpError(400, "invalid_request", "amount_idr must be a non-negative integer")
        server = self.server
        with server.state.lock:
            billing = self._lookup(body)
            status = server.status_of(billing)
            if status == "paid":
                raise _HttpError(409, "already_paid", "billing already paid")
            if status == "expired" and not in_flight:
                raise _HttpError(409, "expired", "billing expired")
            if status == "cancelled" and not in_flight:
                raise _HttpError(409, "cancelled", "billing cancelled")
            paid_amount = billing["amount_idr"] if override is None else override
            ntpn = "".join(secrets.choice(_NTPN_ALPHABET) for _ in range(16))
            ntb = "".join(secrets.choice(string.digits) for _ in range(12))
            paid_at = _iso(server.now())
            billing.update(paid_at=paid_at, ntpn=ntpn, ntb=ntb, paid_amount_idr=paid_amount)
            server.state.save()
        event = {
            "event_id": "evt_" + secrets.token_hex(12),
            "billing_code": billing["billing_code"],
            "status": "paid",
            "amount_idr": paid_amount,
            "paid_at": paid_at,
            "ntpn": ntpn,
            "ntb": ntb,
        }
        if not send_webhook:
            webhook = "skipped"
        elif not server.webhook_url:
            webhook = "no_webhook_url"
        else:
            server.queue_webhooks(event, 1 + duplicate)
            webhook = "queued"
        logger.info("billing %s paid (webhook %s)", billing["billing_code"], webhook)
        self._send_json(
            200,
            {
                "billing_code": billing["billing_code"],
                "ntpn": ntpn,
                "paid_at": paid_at,
                "amount_idr": paid_amount,
                "event_id": event["event_id"],
                "webhook": webhook,
            },
        )

    def _expire(self) -> None:
        body = self._read_json()
        server = self.server
        with server.state.lock:
            billing = self._lookup(body)
            if server.status_of(billing) == "paid":
                raise _HttpError(409, "already_paid", "billing already paid")
            if server.status_of(billing) == "unpaid":
                billing["expires_at"] = _iso(server.now())
                server.state.save()
            doc = server.public_billing(billing)
        self._send_json(200, doc)

    def _cancel(self, code: str) -> None:
        self._check_api_key()
        self._apply_faults()
        server = self.server
        with server.state.lock:
            billing = server.state.billings.get(code) if _CODE_RE.match(code) else None
            if billing is None:
                raise _HttpError(404, "not_found", "unknown billing code")
            if server.status_of(billing) == "paid":
                raise _HttpError(409, "already_paid", "billing already paid")
            if not billing.get("cancelled_at"):
                billing["cancelled_at"] = _iso(server.now())
                server.state.save()
            doc = server.public_billing(billing)
        self._send_json(200, doc)

    def _payments(self) -> None:
        self._check_api_key()
        self._apply_faults()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        day = (query.get("date") or [""])[0]
        if not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", day):
            raise _HttpError(400, "invalid_request", "date must be YYYY-MM-DD")
        with self.server.state.lock:
            docs = [self.server.public_billing(b) for b in self.server.state.billings.values()
                    if b.get("paid_at") and _parse_dt(b["paid_at"]).astimezone(WIB).date().isoformat() == day]
        self._send_json(200, {"payments": docs})

    def _token(self) -> None:
        form = urllib.parse.parse_qs(self._raw_body.decode("utf-8", "replace"))
        secret = (form.get("client_secret") or [""])[0]
        expected = self.server.api_key or ""
        if (form.get("grant_type") or [""])[0] != "client_credentials" or not expected or not hmac.compare_digest(
                secret.encode(), expected.encode()):
            raise _HttpError(401, "invalid_client", "invalid client credentials")
        token = secrets.token_urlsafe(24)
        with self.server.state.lock:
            self.server.tokens[token] = self.server.clock() + self.server.token_ttl
            self.server.token_grants += 1
        self._send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": self.server.token_ttl})

    def _get_faults(self) -> None:
        with self.server.state.lock:
            doc = dict(self.server.state.faults)
        self._send_json(200, doc)

    def _set_faults(self) -> None:
        body = self._read_json()
        fail_next = body.get("fail_next", 1)
        delay_ms = body.get("delay_ms", 0)
        if isinstance(fail_next, bool) or not isinstance(fail_next, int) or not 0 <= fail_next <= 1000:
            raise _HttpError(400, "invalid_request", "fail_next must be an integer 0..1000")
        if isinstance(delay_ms, bool) or not isinstance(delay_ms, int) or not 0 <= delay_ms <= 30000:
            raise _HttpError(400, "invalid_request", "delay_ms must be an integer 0..30000")
        status = body.get("status", None if delay_ms else 503)
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599
        ):
            raise _HttpError(400, "invalid_request", "status must be an HTTP error status 400..599 or null")
        with self.server.state.lock:
            self.server.state.faults = {"fail_next": fail_next, "status": status, "delay_ms": delay_ms}
            doc = dict(self.server.state.faults)
        self._send_json(200, doc)

    def _get_webhooks(self) -> None:
        with self.server.state.lock:
            doc = [dict(r) for r in self.server.state.webhooks]
        self._send_json(200, {"webhooks": doc})

    def _reset(self) -> None:
        with self.server.state.lock:
            self.server.state.reset()
        self._send_json(200, {"status": "reset"})


def make_server(
    host: str = "127.0.0.1",
    port: int = 8070,
    webhook_url: str | None = None,
    secret: bytes | str = b"",
    state_file: str | os.PathLike[str] | None = None,
    *,
    api_key: str | None = None,
    clock: Callable[[], float] = time.time,
    webhook_retries: int = 5,
    webhook_backoff: float = 0.5,
    webhook_timeout: float = 5.0,
    log_requests: bool = False,
) -> BillingSimServer:
    """Create (bind, not start) the simulator. ``port=0`` picks a free port (see ``.url``)."""
    secret_bytes = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not secret_bytes:
        raise ValueError("a webhook signing secret is required")
    if webhook_url:
        parts = urllib.parse.urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("webhook_url must be an absolute http(s) URL")
    return BillingSimServer(
        (host, port),
        webhook_url=webhook_url or None,
        secret=secret_bytes,
        state_file=state_file,
        api_key=api_key,
        clock=clock,
        webhook_retries=webhook_retries,
        webhook_backoff=webhook_backoff,
        webhook_timeout=webhook_timeout,
        log_requests=log_requests,
    )


def serve_in_thread(
    host: str = "127.0.0.1",
    port: int = 0,
    webhook_url: str | None = None,
    secret: bytes | str = b"",
    **kw: Any,
) -> tuple[BillingSimServer, threading.Thread]:
    """Start the simulator in a daemon thread; stop it with ``server.stop()``."""
    server = make_server(host, port, webhook_url, secret, **kw)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="billing-sim", daemon=True
    )
    thread.start()
    return server, thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.billing_sim", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/webhooks/billing")
    parser.add_argument(
        "--secret", default=None, help="webhook signing secret (default: $BILLING_WEBHOOK_SECRET)"
    )
    parser.add_argument("--state-file", default=".devstack/billing.json")
    parser.add_argument("--api-key", default=None, help="require this X-Api-Key on /billings")
    parser.add_argument("--webhook-retries", type=int, default=6, help="extra delivery attempts (default 6)")
    parser.add_argument(
        "--webhook-backoff", type=float, default=0.5, help="first retry delay in seconds, doubled each time"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    secret = args.secret or os.environ.get("BILLING_WEBHOOK_SECRET")
    if not secret:
        parser.error("--secret (or BILLING_WEBHOOK_SECRET) is required")
    server = make_server(
        args.host,
        args.port,
        args.webhook_url or None,
        secret,
        args.state_file or None,
        api_key=args.api_key or None,
        webhook_retries=max(0, args.webhook_retries),
        webhook_backoff=max(0.0, args.webhook_backoff),
        log_requests=not args.quiet,
    )
    print(f"Billing simulator on {server.url} (webhook -> {server.webhook_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

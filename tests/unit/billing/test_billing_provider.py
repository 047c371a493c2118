from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from chalicelib.billing.provider import (
    BillingInfo,
    BillingNotFound,
    BillingProvider,
    BillingStatus,
    ProviderRejected,
    ProviderUnavailable,
    SimponiGatewayProvider,
    SimulatorProvider,
    make_provider,
)
from local.billing_sim import BillingSimServer, serve_in_thread

API_KEY = "sim-api-key-123"


@pytest.fixture(scope="module")
def sim() -> Iterator[BillingSimServer]:
    server, thread = serve_in_thread("127.0.0.1", 0, None, b"secret", api_key=API_KEY)
    yield server
    server.stop()
    thread.join(5)


@pytest.fixture(autouse=True)
def _reset(sim: BillingSimServer) -> None:
    requests.post(f"{sim.url}/simulate/reset", timeout=5).raise_for_status()


class _Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _provider(sim: BillingSimServer, sleeps: _Sleeps | None = None, **kw: Any) -> SimulatorProvider:
    provider = make_provider(
        "simulator", sim.url, API_KEY, sleep=sleeps if sleeps is not None else _Sleeps(), **kw
    )
    assert isinstance(provider, SimulatorProvider)
    return provider


def _create(
    provider: BillingProvider, request_id: str = "REQ-2025-0001", amount: int = 250_000
) -> BillingInfo:
    return provider.create_billing(
        request_id=request_id,
        amount_idr=amount,
        payer_name="Budi Santoso",
        payer_email="consumer1@example.id",
        description="Pembelian data Susenas 2024",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )


def _faults(sim: BillingSimServer, **body: Any) -> None:
    requests.post(f"{sim.url}/simulate/faults", json=body, timeout=5).raise_for_status()


def test_create_and_idempotent(sim: BillingSimServer) -> None:
    provider = _provider(sim)
    assert isinstance(provider, BillingProvider)
    info = _create(provider)
    assert len(info.billing_code) == 15 and info.billing_code.isdigit()
    assert info.amount_idr == 250_000
    assert info.expires_at.tzinfo is not None and info.expires_at > datetime.now(UTC)
    assert info.payment_instructions["virtual_account"]
    banks = [c["bank"] for c in info.payment_instructions["channels"]]
    assert "BRI" in banks
    assert any(
        info.billing_code in step for c in info.payment_instructions["channels"] for step in c["steps"]
    )
    again = _create(provider)
    assert again == info
    other = _create(provider, request_id="REQ-2025-0002")
    assert other.billing_code != info.billing_code


def test_status_unpaid_then_paid(sim: BillingSimServer) -> None:
    provider = _provider(sim)
    info = _create(provider)
    status = provider.get_status(info.billing_code)
    assert status == BillingStatus(info.billing_code, "unpaid", 250_000, None, None)
    r = requests.post(
        f"{sim.url}/simulate/pay", json={"billing_code": info.billing_code, "send_webhook": False}, timeout=5
    )
    assert r.status_code == 200
    status = provider.get_status(info.billing_code)
    assert status.status == "paid"
    assert status.ntpn == r.json()["ntpn"] and len(status.ntpn or "") == 16
    assert status.paid_at is not None and status.paid_at.tzinfo is not None


def test_expired_status(sim: BillingSimServer) -> None:
    provider = _provider(sim)
    info = _create(provider)
    requests.post(f"{sim.url}/simulate/expire", json={"billing_code": info.billing_code}, timeout=5)
    assert provider.get_status(info.billing_code).status == "expired"


def test_retries_on_503_then_succeeds(sim: BillingSimServer) -> None:
    sleeps = _Sleeps()
    provider = _provider(sim, sleeps)
    _faults(sim, fail_next=2, status=503)
    info = _create(provider)
    assert len(info.billing_code) == 15
    assert len(sleeps) == 2
    assert 0 < sleeps[0] <= sleeps[1] * 2  # exponential growth with jitter
    # status call also retries
    _faults(sim, fail_next=1, status=502)
    assert provider.get_status(info.billing_code).status == "unpaid"
    assert len(sleeps) == 3


def test_unavailable_after_retries_exhausted(sim: BillingSimServer) -> None:
    sleeps = _Sleeps()
    provider = _provider(sim, sleeps, retries=3)
    _faults(sim, fail_next=10, status=503)
    with pytest.raises(ProviderUnavailable) as exc:
        _create(provider)
    assert exc.value.status == 503
    assert len(sleeps) == 3
    remaining = requests.get(f"{sim.url}/simulate/faults", timeout=5).json()["fail_next"]
    assert remaining == 10 - 4  # one attempt + three retries


def test_4xx_is_not_retried(sim: BillingSimServer) -> None:
    sleeps = _Sleeps()
    provider = _provider(sim, sleeps)
    _faults(sim, fail_next=1, status=422)
    with pytest.raises(ProviderRejected) as exc:
        _create(provider)
    assert exc.value.status == 422
    assert sleeps == []


def test_idempotency_conflict_is_rejected(sim: BillingSimServer) -> None:
    provider = _provider(sim)
    _create(provider, amount=100_000)
    with pytest.raises(ProviderRejected) as exc:
        _create(provider, amount=200_000)
    assert exc.value.status == 409


def test_not_found(sim: BillingSimServer) -> None:
    provider = _provider(sim)
    with pytest.raises(BillingNotFound):
        provider.get_status("999999999999999")
    with pytest.raises(BillingNotFound):
        provider.get_status("../../etc")


def test_api_key(sim: BillingSimServer) -> None:
    wrong = make_provider("simulator", sim.url, "wrong-key", sleep=_Sleeps())
    with pytest.raises(ProviderRejected) as exc:
        _create(wrong)
    assert exc.value.status == 401
    assert "wrong-key" not in repr(wrong) and "wrong-key" not in str(exc.value)


def test_timeout_is_retried(sim: BillingSimServer) -> None:
    sleeps = _Sleeps()
    provider = _provider(sim, sleeps, timeout=0.2)
    _faults(sim, fail_next=1, delay_ms=600)
    info = _create(provider)
    assert info.amount_idr == 250_000
    assert len(sleeps) == 1


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = _Sleeps()
    provider = make_provider("simulator", f"http://127.0.0.1:{port}", None, sleep=sleeps, retries=2)
    with pytest.raises(ProviderUnavailable) as exc:
        provider.get_status("123456789012345")
    assert exc.value.code == "connection"
    assert len(sleeps) == 2


def test_make_provider_validation() -> None:
    with pytest.raises(ValueError):
        make_provider("paypal", "http://127.0.0.1:1", None)
    with pytest.raises(ValueError):
        make_provider("simponi", "https://gateway.example", None)
    with pytest.raises(ValueError):
        make_provider("simulator", "file:///etc/passwd", None)
    p = make_provider("simponi", "https://gateway.example/api/", "k3y")
    assert isinstance(p, SimponiGatewayProvider) and "k3y" not in repr(p)


# --------------------------------------------------------------------------- SIMPONI gateway paths


class _Gateway(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict[str, str], Any]] = []

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _reply(self, status: int, doc: Any) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(("POST", self.path, dict(self.headers), body))
        self._reply(
            201,
            {
                "billing_code": "820250000000123",
                "amount_idr": body["amount_idr"],
                "expires_at": body["expires_at"],
                "payment_instructions": {"channels": []},
            },
        )

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append(("GET", self.path, dict(self.headers), None))
        self._reply(
            200,
            {
                "billing_code": "820250000000123",
                "status": "paid",
                "amount_idr": 50_000,
                "ntpn": "0A1B2C3D4E5F6G7H",
                "paid_at": "2025-03-01T10:00:00+07:00",
            },
        )


def test_simponi_provider_paths_and_headers() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/v1"
        provider = make_provider("simponi", base, "gw-key", use_env_proxy=False)
        info = _create(provider, request_id="REQ-9", amount=50_000)
        assert info.billing_code == "820250000000123"
        status = provider.get_status(info.billing_code)
        assert status.status == "paid" and status.ntpn == "0A1B2C3D4E5F6G7H"
        assert status.paid_at == datetime.fromisoformat("2025-03-01T10:00:00+07:00")
        (post, get) = _Gateway.seen
        assert post[0:2] == ("POST", "/v1/billing")
        assert post[2]["X-Api-Key"] == "gw-key" and post[2]["Idempotency-Key"] == "REQ-9"
        assert post[3]["request_id"] == "REQ-9" and post[3]["amount_idr"] == 50_000
        assert get[0:2] == ("GET", "/v1/billing/820250000000123")
    finally:
        server.shutdown()
        server.server_close()

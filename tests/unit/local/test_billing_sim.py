from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.billing.signature import verify
from local.billing_sim import BillingSimServer, serve_in_thread

SECRET = b"whsec_local_test"


class _Receiver:
    """A tiny webhook receiver: records (headers, raw body); answers the scripted statuses, then 200."""

    def __init__(self) -> None:
        self.received: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        self.script: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.put((dict(self.headers), raw))
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/billing"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def get(self, timeout: float = 5.0) -> tuple[dict[str, str], bytes]:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[_Receiver]:
    r = _Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def sim(receiver: _Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BillingSimServer]:
    state = tmp_path_factory.mktemp("sim") / "billing.json"
    server, thread = serve_in_thread(
        "127.0.0.1", 0, receiver.url, SECRET, state_file=state, webhook_backoff=0.01
    )
    yield server
    server.stop()
    thread.join(5)


@pytest.fixture(autouse=True)
def _reset(sim: BillingSimServer, receiver: _Receiver) -> None:
    requests.post(f"{sim.url}/simulate/reset", timeout=5).raise_for_status()
    receiver.script.clear()
    while not receiver.received.empty():
        receiver.received.get_nowait()


def _new_billing(sim: BillingSimServer, request_id: str = "REQ-1", amount: int = 125_000) -> dict[str, Any]:
    r = requests.post(
        f"{sim.url}/billings",
        json={
            "request_id": request_id,
            "amount_idr": amount,
            "payer_name": "Siti Nurhaliza Putri",
            "payer_email": "consumer2@example.id",
            "description": "Data Sakernas Agustus 2024",
            "expires_at": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
        },
        timeout=5,
    )
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_health(sim: BillingSimServer) -> None:
    r = requests.get(f"{sim.url}/health", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_create_idempotent_and_status(sim: BillingSimServer) -> None:
    first = requests.post(
        f"{sim.url}/billings",
        json={
            "request_id": "REQ-7",
            "amount_idr": 75_000,
            "payer_name": "Budi",
            "payer_email": "consumer1@example.id",
            "description": "x",
            "expires_at": "2999-01-01T00:00:00+07:00",
        },
        timeout=5,
    )
    assert first.status_code == 201
    doc = first.json()
    assert len(doc["billing_code"]) == 15 and doc["billing_code"].isdigit()
    assert doc["payment_instructions"]["virtual_account"]
    steps = doc["payment_instructions"]["channels"][0]["steps"]
    assert any("kode billing" in s for s in steps)
    again = _new_billing(sim, "REQ-7", 75_000)
    assert again["billing_code"] == doc["billing_code"]
    status = requests.get(f"{sim.url}/billings/{doc['billing_code']}", timeout=5).json()
    assert status["status"] == "unpaid" and status["request_id"] == "REQ-7"
    assert status["ntpn"] is None and status["paid_at"] is None
    conflict = requests.post(
        f"{sim.url}/billings",
        json={"request_id": "REQ-7", "amount_idr": 1, "expires_at": "2999-01-01T00:00:00+07:00"},
        timeout=5,
    )
    assert conflict.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"request_id": "R", "amount_idr": -5, "expires_at": "2999-01-01T00:00:00+07:00"},
        {"request_id": "R", "amount_idr": "100", "expires_at": "2999-01-01T00:00:00+07:00"},
        {"request_id": "R", "amount_idr": 100, "expires_at": "2999-01-01T00:00:00"},
        {"request_id": "R", "amount_idr": 100, "expires_at": "2000-01-01T00:00:00+07:00"},
    ],
)
def test_create_validation(sim: BillingSimServer, body: dict[str, Any]) -> None:
    r = requests.post(f"{sim.url}/billings", json=body, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_request"


def test_bad_json_and_unknown(sim: BillingSimServer) -> None:
    r = requests.post(f"{sim.url}/billings", data=b"{nope", timeout=5)
    assert r.status_code == 400
    assert requests.get(f"{sim.url}/billings/123456789012345", timeout=5).status_code == 404
    assert requests.get(f"{sim.url}/billings/abc", timeout=5).status_code == 404
    assert requests.get(f"{sim.url}/nothing", timeout=5).status_code == 404


def test_pay_sends_signed_webhook(sim: BillingSimServer, receiver: _Receiver) -> None:
    billing = _new_billing(sim)
    r = requests.post(f"{sim.url}/simulate/pay", json={"billing_code": billing["billing_code"]}, timeout=5)
    assert r.status_code == 200
    paid = r.json()
    assert paid["webhook"] == "queued"
    assert len(paid["ntpn"]) == 16 and paid["ntpn"].isalnum() and paid["ntpn"] == paid["ntpn"].upper()
    headers, raw = receiver.get()
    assert headers["Content-Type"] == "application/json"
    verify(SECRET, headers["X-Signature"], raw, now=int(time.time()))
    event = json.loads(raw)
    assert set(event) == {"event_id", "billing_code", "status", "amount_idr", "paid_at", "ntpn", "ntb"}
    assert event["billing_code"] == billing["billing_code"]
    assert event["status"] == "paid" and event["amount_idr"] == 125_000
    assert event["ntpn"] == paid["ntpn"] and event["paid_at"] == paid["paid_at"]
    assert datetime.fromisoformat(event["paid_at"]).tzinfo is not None
    status = requests.get(f"{sim.url}/billings/{billing['billing_code']}", timeout=5).json()
    assert status["status"] == "paid" and status["ntpn"] == paid["ntpn"]
    # paying twice is a conflict
    r = requests.post(f"{sim.url}/simulate/pay", json={"billing_code": billing["billing_code"]}, timeout=5)
    assert r.status_code == 409


def test_pay_without_webhook_sends_none(sim: BillingSimServer, receiver: _Receiver) -> None:
    billing = _new_billing(sim)
    r = requests.post(
        f"{sim.url}/simulate/pay",
        json={"billing_code": billing["billing_code"], "send_webhook": False},
        timeout=5,
    )
    assert r.status_code == 200 and r.json()["webhook"] == "skipped"
    with pytest.raises(queue.Empty):
        receiver.get(timeout=0.3)
    assert requests.get(f"{sim.url}/simulate/webhooks", timeout=5).json()["webhooks"] == []
    status = requests.get(f"{sim.url}/billings/{billing['billing_code']}", timeout=5).json()
    assert status["status"] == "paid"


def test_webhook_retried_on_5xx_and_duplicates(sim: BillingSimServer, receiver: _Receiver) -> None:
    receiver.script[:] = [503, 500]
    billing = _new_billing(sim)
    r = requests.post(
        f"{sim.url}/simulate/pay",
        json={"billing_code": billing["billing_code"], "duplicate": 1, "amount_idr": 1_000},
        timeout=5,
    )
    assert r.status_code == 200
    bodies = [receiver.get()[1] for _ in range(4)]  # 2 failures + delivered + duplicate
    assert len({json.loads(b)["event_id"] for b in bodies}) == 1
    assert json.loads(bodies[0])["amount_idr"] == 1_000  # overridden amount (mismatch scenario)
    deadline = time.time() + 5
    while time.time() < deadline:
        log = requests.get(f"{sim.url}/simulate/webhooks", timeout=5).json()["webhooks"]
        if all(w["done"] for w in log):
            break
        time.sleep(0.02)
    assert [(w["attempts"], w["delivered"]) for w in log] == [(3, True), (1, True)]


def test_pay_expired_is_conflict(sim: BillingSimServer) -> None:
    billing = _new_billing(sim)
    r = requests.post(f"{sim.url}/simulate/expire", json={"billing_code": billing["billing_code"]}, timeout=5)
    assert r.json()["status"] == "expired"
    r = requests.post(f"{sim.url}/simulate/pay", json={"billing_code": billing["billing_code"]}, timeout=5)
    assert r.status_code == 409
    r = requests.post(f"{sim.url}/simulate/pay", json={"billing_code": "000000000000000"}, timeout=5)
    assert r.status_code == 404


def test_faults(sim: BillingSimServer) -> None:
    r = requests.post(f"{sim.url}/simulate/faults", json={"fail_next": 2, "status": 503}, timeout=5)
    assert r.json() == {"fail_next": 2, "status": 503, "delay_ms": 0}
    assert requests.get(f"{sim.url}/simulate/faults", timeout=5).json()["fail_next"] == 2
    assert requests.get(f"{sim.url}/billings/123456789012345", timeout=5).status_code == 503
    assert requests.get(f"{sim.url}/simulate/faults", timeout=5).json()["fail_next"] == 1
    assert requests.post(f"{sim.url}/billings", json={}, timeout=5).status_code == 503
    assert requests.get(f"{sim.url}/billings/123456789012345", timeout=5).status_code == 404
    # delay only
    requests.post(f"{sim.url}/simulate/faults", json={"fail_next": 1, "delay_ms": 150}, timeout=5)
    started = time.monotonic()
    assert requests.get(f"{sim.url}/billings/123456789012345", timeout=5).status_code == 404
    assert time.monotonic() - started >= 0.14
    # reset clears faults
    requests.post(f"{sim.url}/simulate/faults", json={"fail_next": 5}, timeout=5)
    requests.post(f"{sim.url}/simulate/reset", timeout=5)
    assert requests.get(f"{sim.url}/simulate/faults", timeout=5).json()["fail_next"] == 0


def test_state_survives_restart(tmp_path: Path) -> None:
    state = tmp_path / "billing.json"
    server, thread = serve_in_thread("127.0.0.1", 0, None, SECRET, state_file=state)
    try:
        billing = _new_billing(server, "REQ-P", 10_000)
        requests.post(
            f"{server.url}/simulate/pay", json={"billing_code": billing["billing_code"]}, timeout=5
        ).raise_for_status()
    finally:
        server.stop()
        thread.join(5)
    assert state.exists()
    server, thread = serve_in_thread("127.0.0.1", 0, None, SECRET, state_file=state)
    try:
        status = requests.get(f"{server.url}/billings/{billing['billing_code']}", timeout=5).json()
        assert status["status"] == "paid" and status["request_id"] == "REQ-P"
        assert _new_billing(server, "REQ-P", 10_000)["billing_code"] == billing["billing_code"]
    finally:
        server.stop()
        thread.join(5)


def test_secret_never_in_state_file(sim: BillingSimServer, receiver: _Receiver, tmp_path: Path) -> None:
    billing = _new_billing(sim)
    requests.post(f"{sim.url}/simulate/pay", json={"billing_code": billing["billing_code"]}, timeout=5)
    receiver.get()
    assert sim.state.path is not None
    text = sim.state.path.read_text()
    assert SECRET.decode() not in text and "v1=" not in text

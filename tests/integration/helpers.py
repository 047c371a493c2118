"""Flow helpers shared by integration tests."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any


def status_of(api: Any, rid: str, user: str = "consumer1") -> str:
    return api.get(f"/requests/{rid}", user)[1]["status"]


def submit(api: Any, body: dict[str, Any], user: str = "consumer1") -> str:
    st, req = api.post("/requests", user, body)
    assert st == 201, req
    return req["request_id"]


def order(items: list[str], **extra: Any) -> dict[str, Any]:
    return {"kind": "data_order", "items": [{"catalog_id": i} for i in items], "purpose": "Penelitian skripsi", **extra}


def signed_webhook(api: Any, payload: dict[str, Any], secret: str = "test-webhook-secret", t: int | None = None,
                   header: str | None = None) -> tuple[int, Any]:
    from chalicelib.billing.signature import sign

    raw = json.dumps(payload).encode()
    sig = header if header is not None else sign(secret.encode(), raw, int(time.time()) if t is None else t)
    return api.call("POST", "/webhooks/billing", body=raw, headers={"X-Signature": sig})


def paid_event(billing: dict[str, Any], **over: Any) -> dict[str, Any]:
    ev = {"event_id": f"evt-{uuid.uuid4().hex[:12]}", "billing_code": billing["billing_code"], "status": "paid",
          "amount_idr": billing["amount_idr"], "paid_at": "2026-11-29T10:00:00+07:00", "ntpn": "NTPN1234ABCD5678"}
    ev.update(over)
    return ev


def relay_outbox() -> int:
    """Relay the pending outbox rows to their queues, as the outbox table's stream does in AWS (core.outbox.relay),
    without consuming the queues; returns how many were relayed."""
    from chalicelib.core.outbox import PENDING, OutboxRecord, relay

    rows = list(OutboxRecord.by_pending.query(PENDING))
    for row in rows:
        relay(row.id, row.queue, row.body)
    return len(rows)


def refuse_first_send(monkeypatch: Any, event: str) -> list[str]:
    """SQS refuses the first send of a notice of `event` (every other send goes through); returns the keys refused."""
    from chalicelib.core import queues

    real_send = queues.send
    refused: list[str] = []

    def once(queue: str, body: dict[str, Any], **kw: Any) -> None:
        if body.get("event") == event and not refused:
            refused.append(body["key"])
            raise RuntimeError("SQS unavailable")
        real_send(queue, body, **kw)

    monkeypatch.setattr(queues, "send", once)
    return refused

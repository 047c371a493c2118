"""Report figures (SPEC §2.12) against a hand count of a small, fully controlled week of work: requests made
through the API and driven by the worker and the executing state machine, on a frozen clock."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import put_operator, standard_catalog

MONDAY_0900_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}


@pytest.fixture
def frozen(billing_sim: Any, monkeypatch: pytest.MonkeyPatch):
    from chalicelib.core import clock

    fc = clock.FrozenClock(MONDAY_0900_WIB)
    clock.set_clock(fc)
    monkeypatch.setattr(billing_sim, "clock", lambda: fc().timestamp())  # the simulator shares our time
    yield fc
    clock.set_clock(None)


def _status(api: Any, rid: str) -> str:
    return api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"]


def _wait(api: Any, worker: Any, rids: list[str], status: str) -> None:
    assert worker.run_until(lambda: all(_status(api, r) == status for r in rids), timeout_s=30), \
        {r: _status(api, r) for r in rids}


def _pay(billing_sim: Any, code: str) -> None:
    req = urllib.request.Request(f"{billing_sim.url}/simulate/pay", method="POST",
                                 data=json.dumps({"billing_code": code, "send_webhook": False}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200


def _ready(request_id: str) -> None:
    from chalicelib.core import clock
    from chalicelib.delivery.models import DeliverableRecord

    DeliverableRecord(request_id=request_id, deliverable_id="D1", filename="ihk-medan.xlsx",
                      content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", size_bytes=10,
                      sha256="0" * 64, s3_key=f"{request_id}/D1", status="ready", uploaded_by="operator1",
                      created_at=clock.iso()).save()


def _complete(api: Any, rid: str) -> None:
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
    assert st == 200 and r["status"] == "delivered", r


def test_summary_and_ledger_match_a_hand_count(api, worker, billing_sim, frozen):
    from chalicelib.fulfilment import payment as billing

    standard_catalog()
    put_operator("operator1", quota=10)

    def submit(user: str, body: dict[str, Any]) -> str:
        st, req = api.post("/requests", user, body)
        assert st == 201, req
        return req["request_id"]

    c1 = submit("consumer1", CONSULT)
    c2 = submit("consumer2", {**CONSULT, "topic": "classification", "subject": "KBLI"})
    k1 = submit("consumer1", {"kind": "complaint", "message": "Tautan unduhan tidak berfungsi."})
    d1 = submit("consumer1", {"kind": "data_order", "items": [{"catalog_id": "TS-PAID1"}], "purpose": "Tesis"})
    z1 = submit("consumer2", {"kind": "data_order", "items": [{"catalog_id": "MP-PAID2"}], "purpose": "Penelitian",
                              "zero_rupiah_justification": "Kerja sama penelitian dengan perguruan tinggi negeri"})
    s1 = submit("staff1", {"kind": "data_order", "items": [{"catalog_id": "TS-PAID1"}], "purpose": "Bahan rapat"})
    st, i1 = api.post("/ops/requests", "operator1", {
        "channel": "phone", "consumer": {"name": "Slamet Riyadi", "email": "slamet@example.id"},
        "kind": "consultation", "topic": "data", "subject": "Upah buruh", "question": "Upah buruh tani 2024?"})
    assert st == 201, i1
    i1 = i1["request_id"]

    _wait(api, worker, [c1, c2, k1, s1, i1], "assigned")
    _wait(api, worker, [d1], "awaiting_payment")
    _wait(api, worker, [z1], "awaiting_approval")
    st, r = api.post(f"/ops/requests/{z1}/approval", "supervisor1", {"decision": "approve", "reason": "sesuai aturan"})
    assert st == 200, r
    _wait(api, worker, [z1], "assigned")
    for rid in (c1, c2, k1):
        assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200

    frozen.advance(hours=2)  # Mon 11:00: c1 in 0.25 working day
    _complete(api, c1)
    st, r = api.patch(f"/ops/requests/{c2}", "supervisor1", {"due_at": "2026-03-02T12:00:00+07:00"})
    assert st == 200, r
    frozen.advance(hours=2)  # Mon 13:00: k1 and (late) c2 in 0.5 working day
    _complete(api, k1)
    _complete(api, c2)
    code = api.get(f"/requests/{d1}/billing", "consumer1")[1]["billing_code"]
    _pay(billing_sim, code)  # d1 waited 4 office hours on the consumer: not the office's time
    assert billing.reconcile()["applied"] == 1  # the payment, without a webhook
    _wait(api, worker, [d1], "assigned")
    assert api.post(f"/ops/requests/{d1}/start", "operator1")[0] == 200
    frozen.advance(hours=24)  # Tue 13:00: d1 in 12 office hours, 4 of them paused: 1.0 working day
    _ready(d1)
    _complete(api, d1)
    worker.drain()
    for user, rid, score in (("consumer1", c1, 5), ("consumer2", c2, 3), ("consumer1", d1, 4)):
        st, r = api.post(f"/requests/{rid}/rating", user, {"score": score})
        assert st == 201, r

    assert api.get("/ops/reports/summary?from=2026-03-01&to=2026-03-31", "operator1")[0] == 403
    st, rep = api.get("/ops/reports/summary?from=2026-03-01&to=2026-03-31", "supervisor1")
    assert st == 200, rep
    vol = rep["volumes"]
    assert vol["total"] == 7
    assert vol["by_kind"] == {"consultation": 3, "complaint": 1, "data_order": 3}
    assert vol["by_channel"] == {"portal": 6, "phone": 1}
    assert vol["by_transaction_type"] == {"free": 4, "paid": 1, "zero_rupiah": 1, "internal": 1}
    assert vol["by_day"] == {"2026-03-02": {"consultation": 3, "complaint": 1, "data_order": 3}}
    assert vol["delivered_by_kind"] == {"consultation": 2, "complaint": 1, "data_order": 1}
    assert rep["fulfilment_working_days"] == {"count": 4, "median": 0.5, "p90": 0.85,
                                              "histogram": {"0-1": 3, "1-2": 1, "2-3": 0, "3-5": 0, "5-10": 0,
                                                            "10+": 0}}
    assert rep["sla"] == {"on_time": 3, "late": 1, "attainment_pct": 75.0}
    assert rep["ratings"] == {"count": 3, "average": 4.0, "distribution": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}}
    assert rep["complaints"] == 1
    assert rep["revenue"] == {"pnbp_idr": 150000, "paid_transactions": 1, "zero_rupiah_transactions": 1}
    ops = {o["operator_id"]: o for o in rep["operators"]}
    assert (ops["operator1"]["delivered"], ops["operator1"]["load"]) == (4, 3)  # s1, i1, z1 still in hand

    # period bounds are local days, both inclusive
    st, mon = api.get("/ops/reports/summary?from=2026-03-02&to=2026-03-02", "supervisor1")
    assert mon["volumes"]["total"] == 7 and mon["volumes"]["delivered_by_kind"] == {"consultation": 2, "complaint": 1}
    assert mon["revenue"]["pnbp_idr"] == 150000 and mon["revenue"]["zero_rupiah_transactions"] == 1
    st, tue = api.get("/ops/reports/summary?from=2026-03-03&to=2026-03-03", "supervisor1")
    assert tue["volumes"]["total"] == 0 and tue["volumes"]["delivered_by_kind"] == {"data_order": 1}
    assert tue["ratings"]["count"] == 3 and tue["revenue"]["pnbp_idr"] == 0
    assert tue["sla"] == {"on_time": 1, "late": 0, "attainment_pct": 100.0}
    for bad in ("from=2026-03-31&to=2026-03-01", "from=kemarin&to=2026-03-01", "from=2026-04-01",
                "from=2024-01-01&to=2026-03-01", "to=besok"):
        assert api.get(f"/ops/reports/summary?{bad}", "supervisor1")[0] == 400, bad
    # desk: a bound left out is the last 30 days up to `to` (today when left out too): 31 January .. 1 March
    st, only_to = api.get("/ops/reports/summary?to=2026-03-01", "supervisor1")
    assert st == 200 and only_to["from"] == "2026-01-30T17:00:00+00:00" and only_to["volumes"]["total"] == 0

    # the PNBP ledger as CSV
    assert api.get("/ops/reports/ledger.csv?from=2026-03-01&to=2026-03-31", "operator1")[0] == 403
    resp = api.client.http.get("/ops/reports/ledger.csv?from=2026-03-02&to=2026-03-02",
                               headers=api.tokens.headers("supervisor1", Accept="text/csv"))
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv"), resp.body
    rows = list(csv.DictReader(io.StringIO(resp.body.decode())))
    assert sorted((r["request_id"], r["transaction_type"], r["amount_idr"]) for r in rows) == sorted(
        [(d1, "paid", "150000"), (z1, "zero_rupiah", "0")])
    paid = next(r for r in rows if r["transaction_type"] == "paid")
    assert paid["billing_code"] == code and paid["ntpn"]

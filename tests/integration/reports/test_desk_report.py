"""The desk's report (GET /ops/reports/desk, CSV per table) against a hand count: fulfilment and first-response
time per kind, the backlog with overdue counts, approvals and escalations pending, and the IKM of the
satisfaction survey sent with the rating; the default period is the last 30 days."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import put_operator, standard_catalog

MONDAY_0900_WIB = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}
SURVEY_A = {"persyaratan": 4, "prosedur": 4, "waktu": 3, "biaya": 4, "produk": 4, "kompetensi": 4, "perilaku": 4,
            "pengaduan": 3, "sarana": 4}
SURVEY_B = dict.fromkeys(SURVEY_A, 3)


@pytest.fixture
def frozen():
    from chalicelib.core import clock

    fc = clock.FrozenClock(MONDAY_0900_WIB)
    clock.set_clock(fc)
    yield fc
    clock.set_clock(None)


def _status(api: Any, rid: str) -> str:
    return api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"]


def _submit(api: Any, user: str, body: dict[str, Any]) -> str:
    st, req = api.post("/requests", user, body)
    assert st == 201, req
    return req["request_id"]


def test_desk_report_and_survey(api, worker, frozen):
    standard_catalog()
    put_operator("operator1", quota=10)
    c1 = _submit(api, "consumer1", CONSULT)
    c2 = _submit(api, "consumer2", {**CONSULT, "subject": "Upah"})
    k1 = _submit(api, "consumer1", {"kind": "complaint", "message": "Tautan unduhan tidak berfungsi."})
    c3 = _submit(api, "consumer2", {**CONSULT, "subject": "Kemiskinan"})
    z1 = _submit(api, "consumer2", {"kind": "data_order", "items": [{"catalog_id": "MP-PAID2"}],
                                    "purpose": "Penelitian",
                                    "zero_rupiah_justification": "Kerja sama penelitian dengan perguruan tinggi"})
    assert worker.run_until(lambda: all(_status(api, r) == "assigned" for r in (c1, c2, k1, c3))
                            and _status(api, z1) == "awaiting_approval", timeout_s=30)
    for rid in (c1, c2, k1):
        assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    frozen.advance(hours=1)  # Mon 10:00: the first reply to c1 after 1 office hour = 0.125 working day
    st, _ = api.post(f"/ops/requests/{c1}/messages", "operator1", {"body": "Sedang kami cek.", "internal": False})
    assert st == 201
    st, _ = api.post(f"/ops/requests/{c2}/messages", "operator1", {"body": "catatan", "internal": True})
    assert st == 201  # an internal note is not a response to the consumer
    frozen.advance(hours=3)  # Mon 13:00
    for rid in (c1, c2, k1):
        st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
        assert st == 200, r
    # rating with the IKM survey; a bad score is a 400, a survey is optional
    st, r = api.post(f"/requests/{c1}/rating", "consumer1", {"score": 5, "survey": {**SURVEY_A, "waktu": 5}})
    assert st == 400
    st, r = api.post(f"/requests/{c1}/rating", "consumer1", {"score": 5, "survey": SURVEY_A})
    assert st == 201 and r["status"] == "completed" and r["rating"]["survey"] == SURVEY_A, r
    assert "survei kepuasan" in r["timeline"][-1]["note"]
    st, r = api.post(f"/requests/{c2}/rating", "consumer2", {"score": 3, "survey": SURVEY_B})
    assert st == 201
    st, r = api.post(f"/requests/{k1}/rating", "consumer1", {"score": 4})
    assert st == 201 and r["rating"]["survey"] is None
    # c3 is overdue (3 working days from Mon 09:00 -> Thu 09:00) once we are past it
    frozen.advance(days=3, hours=1)  # Thu 14:00

    assert api.get("/ops/reports/desk", "operator1")[0] == 403
    st, rep = api.get("/ops/reports/desk?from=2026-03-01&to=2026-03-31", "supervisor1")
    assert st == 200, rep
    ful = {r["kind"]: r for r in rep["fulfilment"]}
    assert ful["consultation"] == {"kind": "consultation", "kind_name": "Konsultasi", "count": 2, "median": 0.5,
                                   "p90": 0.5}
    assert ful["complaint"]["count"] == 1 and ful["data_order"]["count"] == 0 and ful["data_order"]["median"] is None
    assert ful["all"]["count"] == 3
    first = {r["kind"]: r for r in rep["first_response"]}
    # c1 answered after 0.125 working day; c2 only through its delivery (0.5): median 0.31, p90 0.46
    assert (first["consultation"]["count"], first["consultation"]["median"], first["consultation"]["p90"]) == \
        (2, 0.31, 0.46)
    backlog = {(r["status"], r["kind"]): r for r in rep["backlog"]}
    assert backlog[("assigned", "consultation")]["open"] == 1 and backlog[("assigned", "consultation")]["overdue"] == 1
    assert backlog[("awaiting_approval", "data_order")] == {
        "status": "awaiting_approval", "status_name": "Menunggu persetujuan", "kind": "data_order",
        "kind_name": "Permintaan data", "open": 1, "overdue": 0}  # the consumer's time: never overdue
    assert rep["backlog_total"] == {"open": 2, "overdue": 1}
    assert rep["approvals"]["pending"] == 1
    assert all(r["pending"] == 0 for r in rep["escalations"])
    ikm = {r["kind"]: r for r in rep["ikm"]}
    # consultation: 2 respondents; NRR 3.5 for seven elements, 3.0 for waktu and pengaduan: mean 30.5/9 = 3.3889,
    # x 25 = 84.72 -> B
    assert ikm["consultation"]["respondents"] == 2
    assert (ikm["consultation"]["value"], ikm["consultation"]["index"], ikm["consultation"]["grade"]) == \
        (3.3889, 84.72, "B")
    assert ikm["complaint"]["respondents"] == 0 and ikm["complaint"]["grade"] is None
    assert ikm["all"]["index"] == 84.72

    # CSV of each table, through the OWASP-safe writer
    st, body = api.get("/ops/reports/csv/ikm?from=2026-03-01&to=2026-03-31", "supervisor1")
    assert st == 200, body
    rows = list(csv.reader(io.StringIO(body if isinstance(body, str) else body.decode())))
    assert rows[0][:3] == ["Layanan", "Responden", "Persyaratan"] and rows[0][-2:] == ["Mutu", "Kinerja"]
    assert rows[1][0] == "Konsultasi" and rows[1][-2:] == ["B", "Baik"]
    for table in ("fulfilment", "first_response", "backlog", "approvals", "escalations"):
        st, body = api.get(f"/ops/reports/csv/{table}?from=2026-03-01&to=2026-03-31", "supervisor1")
        assert st == 200, (table, body)
        assert len(list(csv.reader(io.StringIO(body if isinstance(body, str) else body.decode())))) >= 2
    assert api.get("/ops/reports/csv/nothing", "supervisor1")[0] == 404

    # default period: the last 30 local days, today included
    st, rep = api.get("/ops/reports/desk", "supervisor1")
    # today is Thu 5 March (WIB): 4 February 00:00 WIB .. 5 March 23:59:59 WIB
    assert st == 200 and (rep["from"], rep["to"]) == ("2026-02-03T17:00:00+00:00", "2026-03-05T16:59:59+00:00")
    assert {r["kind"]: r["count"] for r in rep["fulfilment"]}["consultation"] == 2
    st, summary = api.get("/ops/reports/summary", "supervisor1")
    assert st == 200 and summary["volumes"]["total"] == 5

"""End-to-end in-process: consultation from submission to completion through the executing state machine."""

from __future__ import annotations

from tests.factories import put_operator


def test_consultation_lifecycle(api, worker, monkeypatch):
    from chalicelib.requests import kpi

    counted: list[str] = []
    monkeypatch.setattr(kpi.obs, "count", lambda name, value=1: counted.append(name))
    put_operator("operator1")
    st, req = api.post("/requests", "consumer1", {"kind": "consultation", "topic": "data", "subject": "Inflasi",
                                                   "question": "Berapa inflasi Medan 2024?"})
    assert st == 201, req
    rid = req["request_id"]
    assert req["status"] == "submitted" and req["transaction_type"] == "free" and req["due_at"]

    def status():
        return api.get(f"/requests/{rid}", "consumer1")[1]["status"]

    assert worker.run_until(lambda: status() == "assigned"), status()
    st, queue = api.get("/ops/queue", "operator1")
    assert st == 200 and [r["request_id"] for r in queue] == [rid]

    st, r = api.post(f"/ops/requests/{rid}/start", "operator1")
    assert st == 200 and r["status"] == "in_progress", r
    st, m = api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Inflasi Medan 2024 adalah 2,1%."})
    assert st == 201
    worker.drain()
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "dijawab"})
    assert st == 200 and r["status"] == "delivered", r
    st, again = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "lagi"})
    assert st == 409 and again["error"]["code"] == "illegal_transition"
    # the delivery counted once for the dashboard's service level (on time: due in working days, done now)
    assert counted.count(kpi.DELIVERED) == 1 and kpi.DELIVERED_LATE not in counted
    worker.drain()
    st, rated = api.post(f"/requests/{rid}/rating", "consumer1", {"score": 5, "comment": "Cepat"})
    assert st == 201 and rated["status"] == "completed"
    st, dup = api.post(f"/requests/{rid}/rating", "consumer1", {"score": 4})
    assert st == 409
    statuses = [t["status"] for t in rated["timeline"]]
    assert statuses == ["submitted", "assigned", "in_progress", "delivered", "completed"]
    # another consumer cannot see it
    assert api.get(f"/requests/{rid}", "consumer2")[0] == 404

"""Only a producer of the escalation's unit answers it: the membership is a condition of the answer's one
transaction (no read before it), so a refused answer changes nothing — escalation, request and conversation."""

from __future__ import annotations

from tests.factories import put_operator
from tests.integration.escalation.test_forum_escalation import _in_progress


def test_a_producer_of_another_unit_cannot_answer(api, worker, aws_env):
    from chalicelib.escalation.service import add_member, remove_member

    put_operator("operator1")
    add_member("sosial", "producer1", "Bambang Prasetyo")  # not a member of "neraca"
    rid = _in_progress(api, worker)
    st, esc = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "neraca", "question": "PDRB?"})
    assert st == 201, esc
    eid = esc["escalation_id"]

    st, err = api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "Lihat publikasi PDRB."})
    assert st == 403, err
    st, r = api.get(f"/ops/requests/{rid}", "operator1")
    assert r["status"] == "escalated"
    assert api.get(f"/ops/requests/{rid}/messages", "operator1")[1] == []
    st, page = api.get(f"/ops/escalations?request_id={rid}", "operator1")
    assert [(x["escalation_id"], x["status"]) for x in page["items"]] == [(eid, "open")]

    add_member("neraca", "producer1", "Bambang Prasetyo")
    st, done = api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "Lihat publikasi PDRB."})
    assert st == 200 and done["status"] == "answered"
    assert api.get(f"/ops/requests/{rid}", "operator1")[1]["status"] == "in_progress"
    # answered already: a member hears 409, someone outside the unit still 403 (existence of an answer not leaked)
    assert api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "lagi"})[0] == 409
    remove_member("neraca", "producer1")
    assert api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "lagi"})[0] == 403

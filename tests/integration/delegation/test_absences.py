"""Absences (issue 20): an operator marked absent (or deactivated) has their open requests redistributed by the
delegation policy, or flagged for the supervisor when nobody on duty has room; the timeline says why."""

from __future__ import annotations

from tests.factories import put_operator
from tests.integration.helpers import status_of, submit

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}


def _ops(api):
    st, ops = api.get("/ops/operators", "supervisor1")
    assert st == 200
    return {o["operator_id"]: o for o in ops}


def _detail(api, rid):
    st, r = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert st == 200, r
    return r


def test_absent_operator_requests_redistributed_or_flagged(api, worker, aws_env):
    from chalicelib.fulfilment.tick import tick
    from tests.integration.notify.test_notifications import mails

    put_operator("operator1", quota=5)
    rids = [submit(api, {**CONSULT, "subject": f"Inflasi {i}"}) for i in range(3)]
    assert worker.run_until(lambda: all(status_of(api, r) == "assigned" for r in rids))
    assert {_detail(api, r)["assignee"] for r in rids} == {"operator1"}
    assert api.post(f"/ops/requests/{rids[0]}/start", "operator1")[0] == 200  # in progress moves too
    put_operator("operator2", quota=1)
    put_operator("operator3", quota=1)
    worker.drain()

    # only a supervisor marks someone absent; bad input is a 400
    assert api.patch("/ops/operators/operator1", "operator2", {"absent": True})[0] == 403
    assert api.patch("/ops/operators/operator1", "supervisor1", {"absent": "kadang"})[0] == 400
    st, op = api.patch("/ops/operators/operator1", "supervisor1", {"absent": True})
    assert st == 200 and op["absent"] is True and op["absent_since"], op
    worker.drain()  # the jobs queue: redistribute

    details = [_detail(api, r) for r in rids]
    moved = [d for d in details if d["assignee"] != "operator1"]
    stuck = [d for d in details if d["assignee"] == "operator1"]
    # two operators with room for one each; the most urgent (earliest due) go first
    assert sorted(d["assignee"] for d in moved) == ["operator2", "operator3"]
    last = max(details, key=lambda d: (d["due_at"], d["request_id"]))["request_id"]
    assert [d["request_id"] for d in stuck] == [last]
    for d in moved:
        note = d["timeline"][-1]["note"]
        assert "dialihkan dari operator1" in note and "tidak hadir" in note and d["attention"] is None
    assert next(d for d in details if d["request_id"] == rids[0])["status"] == "in_progress"
    [flagged] = stuck
    assert flagged["attention"] == "assignee_unavailable"
    assert "tidak ada operator piket dengan kapasitas" in flagged["timeline"][-1]["note"]
    ops = _ops(api)
    assert (ops["operator1"]["load"], ops["operator2"]["load"], ops["operator3"]["load"]) == (1, 1, 1)
    assert ops["operator1"]["absent"] is True
    [mail] = mails("supervisor1@bps.example.id", "belum dapat dialihkan")
    assert last in mail.subject and "tidak hadir" in mail.body
    assert len(mails("operator2@bps.example.id", "didelegasikan")) == 1  # the new assignee is told

    # flagged once: the tick looks again but does not flag (nor mail) twice
    assert tick()["absences"] == {"moved": 0, "flagged": 0}
    worker.drain()
    assert len(mails("supervisor1@bps.example.id", "belum dapat dialihkan")) == 1

    # nobody delegates to an absent operator: a new request waits in the queue, a reassignment is refused
    new = submit(api, {**CONSULT, "subject": "Baru"})
    assert worker.run_until(lambda: status_of(api, new) == "queued")
    st, err = api.patch(f"/ops/requests/{new}", "supervisor1", {"assignee": "operator1"})
    assert st == 409 and err["error"]["code"] == "operator_absent"

    # capacity frees: the tick's absences step moves the flagged request and clears the flag
    assert api.patch("/ops/operators/operator2", "supervisor1", {"quota": 2})[0] == 200
    out = tick()
    assert out["absences"] == {"moved": 1, "flagged": 0}, out
    d = _detail(api, last)
    assert d["assignee"] == "operator2" and d["attention"] is None
    worker.drain()

    # back at work; deactivating someone moves their requests the same way ("dinonaktifkan")
    st, op = api.patch("/ops/operators/operator1", "supervisor1", {"absent": False})
    assert st == 200 and op["absent"] is False and op["absent_since"] is None
    worker.drain()
    assert api.patch("/ops/operators/operator3", "supervisor1", {"active": False})[0] == 200
    worker.drain()
    moved3 = [r for r in rids if _detail(api, r)["timeline"][-1]["note"].startswith("dialihkan dari operator3")]
    assert len(moved3) == 1 and "dinonaktifkan" in _detail(api, moved3[0])["timeline"][-1]["note"]
    assert _ops(api)["operator3"]["load"] == 0


def _shift(operator_id, start, end):
    from chalicelib.core import clock

    return {"operator_id": operator_id, "start": clock.iso(start), "end": clock.iso(end)}


def test_operator_taken_off_the_roster_hands_over_what_they_have_not_started(api, worker, aws_env):
    """Issue 20: PUT /ops/roster that removes an operator's shifts (none left on now or soon) redistributes the
    requests they hold and have not started, as an absence does; what they started stays with them; an operator
    whose next shift starts within the grace keeps everything."""
    from datetime import timedelta

    from chalicelib.core import clock
    from chalicelib.delegation.service import OFF_ROSTER_GRACE_HOURS, local_day

    put_operator("operator1", quota=5)
    rids = [submit(api, {**CONSULT, "subject": f"Inflasi {i}"}) for i in range(3)]
    assert worker.run_until(lambda: all(status_of(api, r) == "assigned" for r in rids))
    assert api.post(f"/ops/requests/{rids[0]}/start", "operator1")[0] == 200
    put_operator("operator2", quota=5)
    worker.drain()
    now = clock.now()
    days = sorted({local_day(now - timedelta(hours=1)), local_day(now)})
    later = now + timedelta(hours=OFF_ROSTER_GRACE_HOURS - 1)
    two_on = [_shift("operator2", now - timedelta(hours=1), now + timedelta(hours=8))]

    # a shift of operator1's starts again within the grace: nothing moves
    soon = two_on + [_shift("operator1", later, later + timedelta(hours=2))]
    st, out = api.put("/ops/roster", "supervisor1", {"shifts": soon, "days": days + [local_day(later)]})
    assert st == 200, out
    worker.drain()
    assert {_detail(api, r)["assignee"] for r in rids} == {"operator1"}

    # no shift of theirs left: the two not started go to operator2, the one in progress stays
    st, out = api.put("/ops/roster", "supervisor1", {"shifts": two_on, "days": days + [local_day(later)]})
    assert st == 200, out
    assert "operator1" not in out["on_duty"]
    worker.drain()  # the jobs queue: redistribute
    details = {r: _detail(api, r) for r in rids}
    assert details[rids[0]]["assignee"] == "operator1" and details[rids[0]]["status"] == "in_progress"
    for r in rids[1:]:
        d = details[r]
        assert d["assignee"] == "operator2" and d["status"] == "assigned", d
        note = d["timeline"][-1]["note"]
        assert "dialihkan dari operator1 ke operator2" in note and "tidak lagi terjadwal piket" in note, note
    ops = _ops(api)
    assert (ops["operator1"]["load"], ops["operator2"]["load"]) == (1, 2)

    # the job again (SQS redelivery) moves nothing more
    from chalicelib.fulfilment import assign

    assert assign.redistribute("operator1", "off_roster") == {"moved": 0, "flagged": 0}

"""Producer escalations' SLA (issue 20): a due date per unit (set by admins), reminders to the unit's producers,
overdue notices to the unit head and the supervisor (once per threshold), and the report of producer response
times per unit (API and CSV)."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import put_operator
from tests.integration.helpers import status_of, submit
from tests.integration.notify.test_notifications import mails, tick

CONSULT = {"kind": "consultation", "topic": "metadata", "subject": "Definisi pengangguran",
           "question": "Apa definisi pengangguran terbuka yang dipakai Sakernas?"}


def test_unit_sla_reminders_overdue_head_and_report(api, worker, frozen):
    from chalicelib.core import clock
    from chalicelib.escalation.service import add_member
    from chalicelib.requests.sla import calendar
    from chalicelib.users.models import UserRecord

    put_operator("operator1")
    add_member("sosial", "producer1", "Bambang Prasetyo")
    add_member("neraca", "producer1", "Bambang Prasetyo")
    now = clock.iso()
    UserRecord(user_id="kepala-sosial", name="Dewi Kepala Sosial", email="kepala.sosial@bps.example.id",
               roles=["producer"], created_at=now, updated_at=now).save()

    # admins set the unit's SLA and its head (an active staff member)
    st, _ = api.post("/ops/staff", "admin1", {"user_id": "kepala-sosial", "name": "Dewi Kepala Sosial",
                                               "email": "kepala.sosial@bps.example.id", "roles": ["producer"]})
    assert st == 201
    assert api.patch("/ops/units/sosial", "admin1", {"head": "nobody-here"})[0] == 400
    assert api.patch("/ops/units/sosial", "admin1", {"sla_days": 0})[0] == 400
    assert api.patch("/ops/units/sosial", "supervisor1", {"sla_days": 3})[0] == 403
    st, unit = api.patch("/ops/units/sosial", "admin1", {"sla_days": 3, "head": "kepala-sosial"})
    assert st == 200 and unit["sla_days"] == 3 and unit["head"] == "kepala-sosial", unit
    st, units = api.get("/ops/units", "operator1")
    assert {u["code"]: u["sla_days"] for u in units}["sosial"] == 3

    rid = submit(api, CONSULT)
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    worker.drain()
    st, e = api.post(f"/ops/requests/{rid}/escalations", "operator1",
                     {"unit": "sosial", "question": "Apakah definisi pengangguran 2024 berubah?"})
    assert st == 201, e
    eid, due = e["escalation_id"], clock.parse_iso(e["due_at"])
    assert due == calendar().add_working_days(frozen.current, 3) and e["sla_days"] == 3  # the unit's own SLA
    worker.drain()

    frozen.set(due - timedelta(days=1, minutes=1))
    assert tick()["escalation_due_soon"] == 0
    frozen.set(due - timedelta(days=1))  # one working day before
    assert tick()["escalation_due_soon"] == 1
    assert tick()["escalation_due_soon"] == 0  # once per threshold
    frozen.set(due + timedelta(minutes=1))
    out = tick()
    assert (out["escalation_overdue"], out["escalation_overdue_head"]) == (1, 2), out  # producer; head + supervisor
    out = tick()
    assert (out["escalation_overdue"], out["escalation_overdue_head"]) == (0, 0)
    frozen.set(due + timedelta(days=1, minutes=1))  # a working day later: the producers again, the head not
    out = tick()
    assert (out["escalation_overdue"], out["escalation_overdue_head"]) == (1, 0), out
    worker.drain()
    st, mine = api.get("/me/notifications", "producer1")  # producer1 has no e-mail address here: in-app
    assert st == 200
    events = [n["event"] for n in mine["items"]]
    assert events.count("escalation_due_soon") == 1 and events.count("escalation_overdue") == 2, events
    [head_mail] = mails("kepala.sosial@bps.example.id", "belum dijawab unit produsen")
    assert rid in head_mail.subject and "Yth. Dewi Kepala Sosial" in head_mail.body
    assert f"/#/eskalasi/{eid}" in head_mail.body and "Statistik Sosial" in head_mail.body
    assert len(mails("supervisor1@bps.example.id", "belum dijawab unit produsen")) == 1
    st, page = api.get("/ops/escalations?status=open", "supervisor1")
    assert [(x["escalation_id"], x["overdue"]) for x in page["items"]] == [(eid, True)]

    # answered (late): no more reminders; a second escalation to neraca (default SLA, 2 days) answered on time
    assert api.post(f"/ops/escalations/{eid}/answer", "producer1", {"answer": "Tidak berubah."})[0] == 200
    frozen.set(due + timedelta(days=2))
    out = tick()
    assert out["escalation_overdue"] == 0 and out["escalation_overdue_head"] == 0
    st, e2 = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "neraca", "question": "PDRB?"})
    assert st == 201 and e2["sla_days"] == 2
    frozen.set(frozen.current + timedelta(hours=4))
    assert api.post(f"/ops/escalations/{e2['escalation_id']}/answer", "producer1", {"answer": "ADHB."})[0] == 200

    # the report: per unit, over the last 30 days by default
    assert api.get("/ops/reports/producers", "operator1")[0] == 403
    assert api.get("/ops/reports/producers?from=kemarin", "supervisor1")[0] == 400
    st, rep = api.get("/ops/reports/producers", "supervisor1")
    assert st == 200, rep
    rows = {r["unit"]: r for r in rep["units"]}
    sosial, neraca = rows["sosial"], rows["neraca"]
    assert (sosial["escalated"], sosial["answered"], sosial["answered_late"], sosial["on_time_pct"]) == (1, 1, 1, 0.0)
    assert sosial["sla_days"] == 3 and sosial["median_days"] > 3
    assert (neraca["escalated"], neraca["answered_late"], neraca["on_time_pct"]) == (1, 0, 100.0)
    assert neraca["median_days"] < 1
    assert rows["produksi"]["escalated"] == 0 and rows["produksi"]["median_days"] is None
    assert rep["total"]["escalated"] == 2 and rep["total"]["on_time_pct"] == 50.0
    st, empty = api.get("/ops/reports/producers?from=2020-01-01&to=2020-01-31", "supervisor1")
    assert st == 200 and empty["total"]["escalated"] == 0
    resp = api.client.http.get("/ops/reports/producers.csv",
                               headers={"Authorization": f"Bearer {api.tokens('supervisor1')}"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    lines = resp.body.decode().splitlines()
    assert lines[0].startswith('"Kode unit","Unit"') and any(line.startswith('"sosial"') for line in lines)

"""Approvals' SLA (issue 20): a request awaiting approval has its own due date (working days), reminders to the
approvers before and when overdue, then to the head of the service unit; when it expires, the consumer is told
why (it used to expire silently)."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit
from tests.integration.notify.test_notifications import mails, tick


def test_zero_rupiah_approval_due_date_reminders_and_head(api, worker, frozen, monkeypatch):
    from chalicelib.core import clock
    from chalicelib.core.config import reset_settings
    from chalicelib.requests.sla import calendar

    monkeypatch.setenv("SERVICE_HEAD", "kepala.layanan@bps.example.id")
    reset_settings()
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"], zero_rupiah_justification="Kerja sama instansi pemerintah (MoU 12/2026)"))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, r = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert st == 200
    due = clock.parse_iso(r["approval_due_at"])
    assert due == calendar().add_working_days(frozen.current, 2)  # SLA_DAYS_APPROVAL
    assert clock.parse_iso(r["approval_expires_at"]) == frozen.current + timedelta(days=14)
    worker.drain()

    frozen.set(due - timedelta(days=1, minutes=1))
    assert tick()["approval_due_soon"] == 0
    frozen.set(due - timedelta(days=1))
    assert tick()["approval_due_soon"] == 1  # the supervisor decides a zero-rupiah waiver
    assert tick()["approval_due_soon"] == 0
    frozen.set(due + timedelta(minutes=1))
    out = tick()
    assert (out["approval_overdue"], out["approval_overdue_head"]) == (1, 0), out
    assert tick()["approval_overdue"] == 0
    frozen.set(due + timedelta(days=1, minutes=1))  # a working day overdue: the head of the service unit
    out = tick()
    assert (out["approval_overdue"], out["approval_overdue_head"]) == (0, 1), out
    assert tick()["approval_overdue_head"] == 0
    worker.drain()
    sup = "supervisor1@bps.example.id"
    [soon] = mails(sup, "Pengingat: persetujuan")
    assert rid in soon.subject and "pembebasan tarif" in soon.body
    assert len(mails(sup, "Terlambat: persetujuan")) == 1
    [head] = mails("kepala.layanan@bps.example.id", "belum diputuskan")
    assert rid in head.subject and "supervisor layanan" in head.body and f"/#/permintaan/{rid}" in head.body

    # decided: no more approval reminders
    assert api.post(f"/ops/requests/{rid}/approval", "supervisor1", {"decision": "approve"})[0] == 200
    frozen.set(due + timedelta(days=3))
    out = tick()
    assert out["approval_overdue"] == 0 and out["approval_overdue_head"] == 0


def test_microdata_approval_reminds_operators_and_expiry_tells_the_consumer(api, worker, monkeypatch):
    from chalicelib.core.config import reset_settings
    from chalicelib.fulfilment import reminders

    monkeypatch.setenv("APPROVAL_TIMEOUT_S", "3")
    monkeypatch.setenv("SLA_DAYS_APPROVAL", "1")
    reset_settings()
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["MD-SUS1"], abstract="Analisis kemiskinan rumah tangga untuk tesis magister.",
                                agreement_accepted=True))
    assert worker.run_until(lambda: status_of(api, rid) in ("awaiting_approval", "expired"))
    rec = api.get(f"/ops/requests/{rid}", "supervisor1")[1]
    assert rec["approval_due_at"] and rec["approval_expires_at"]
    from chalicelib.requests.repository import RequestRepository

    run = reminders._Run(reminders.clock.now())
    assert run.approvers(RequestRepository().get(rid)) == [("operator1", None)]  # on duty reviews an abstract
    # nobody decides: the workflow's approval wait times out and the request expires, with notice and reason
    assert worker.run_until(lambda: status_of(api, rid) == "expired", timeout_s=30), status_of(api, rid)
    r = api.get(f"/requests/{rid}", "consumer1")[1]
    assert r["closed_reason"] == "approval_timeout"
    assert "pemohon diberi tahu" in r["timeline"][-1]["note"]
    worker.drain()
    [mail] = mails("consumer1@example.id", "persetujuan tidak diberikan tepat waktu")
    assert rid in mail.subject and "abstraksi penggunaan mikrodata" in mail.body and "Yth." in mail.body
    st, mine = api.get("/me/notifications", "consumer1")
    assert "approval_expired" in {n["event"] for n in mine["items"]}

"""Privacy (issue 12): the caller's data export, erasure by anonymization that keeps billings, the PNBP ledger
(pseudonymised) and the audit chains intact, the 409 while requests still need the contact, and retention."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core import clock
from chalicelib.core.clock import FrozenClock
from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Kemiskinan",
           "question": "Saya Budi Santoso dari UGM, berapa garis kemiskinan DIY 2025?"}


@pytest.fixture
def setup(aws_env: dict[str, str]) -> None:
    standard_catalog()
    put_operator("operator1", quota=10)


def _answered_consultation(api: Any, worker: Any) -> str:
    rid = submit(api, CONSULT)
    assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Nomor HP saya 0812-3456-7801"})[0] == 201
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Garis kemiskinan DIY ada di tabel"})[0] == 201
    assert api.post(f"/ops/requests/{rid}/messages", "operator1",
                    {"body": "Catatan internal: pemohon dosen", "internal": True})[0] == 201
    return rid


def _deliver(api: Any, worker: Any, rid: str) -> None:
    from chalicelib.delivery.models import DeliverableRecord, DownloadRecord

    rec = api.get(f"/ops/requests/{rid}", "operator1")[1]
    if rec["status"] != "in_progress":
        assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    if rec["kind"] == "data_order":
        DeliverableRecord(request_id=rid, deliverable_id="d1", filename="data.xlsx", content_type="application/xlsx",
                          size_bytes=10, sha256="0" * 64, s3_key=f"deliverables/{rid}/d1/data.xlsx", status="ready",
                          uploaded_by="operator1", created_at=clock.iso()).save()
        DownloadRecord(request_id=rid, at_id=f"{clock.iso()}#d1#x", deliverable_id="d1", user_id="consumer1",
                       s3_key=f"deliverables/{rid}/d1/data.xlsx", expires_at=clock.iso(), at=clock.iso(),
                       filename="data.xlsx").save()
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
    assert st == 200 and r["status"] == "delivered", r
    worker.drain()


def _paid_order(api: Any, worker: Any) -> str:
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    assert signed_webhook(api, paid_event(billing))[0] == 200
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    return rid


def test_export_holds_the_callers_data_only(api, worker, setup):
    assert api.put("/me", "consumer1", {"phone": "+6281234567801", "institution": "UGM"})[0] == 200
    rid = _answered_consultation(api, worker)
    other = submit(api, {**CONSULT, "question": "Pertanyaan konsumen lain"}, user="consumer2")
    assert api.post("/me/subscriptions", "consumer1", {"query": {"q": "kemiskinan"}})[0] == 201
    rid2 = _paid_order(api, worker)
    _deliver(api, worker, rid2)
    st, data = api.get("/me/export", "consumer1")
    assert st == 200, data
    assert data["user_id"] == "consumer1" and data["profile"]["email"] == "consumer1@example.id"
    assert data["profile"]["phone"] == "+6281234567801" and data["anonymized_at"] is None
    by_id = {r["request_id"]: r for r in data["requests"]}
    assert set(by_id) == {rid, rid2} and other not in by_id
    bodies = [m["body"] for m in by_id[rid]["messages"]]
    assert "Nomor HP saya 0812-3456-7801" in bodies and "Garis kemiskinan DIY ada di tabel" in bodies
    assert not any("internal" in b for b in bodies)  # staff notes are the office's, not the consumer's
    assert by_id[rid]["question"].startswith("Saya Budi Santoso")
    assert by_id[rid2]["billing"]["status"] == "paid" and by_id[rid2]["billing"]["ntpn"]
    assert [d["filename"] for d in data["downloads"]] == ["data.xlsx"]
    assert [s["kind"] for s in data["subscriptions"]] == ["search"]
    assert {n["event"] for n in data["notifications"]} >= {"request_received", "payment_received"}
    assert data["retention"] == {"messages_days": 730, "notifications_days": 365}
    # in-app notifications expire (TTL) after the retention period
    from chalicelib.notify.models import NotificationRecord

    exp = [n.expiration for n in NotificationRecord.query("consumer1")]
    assert exp and all(abs(e - (clock.now().timestamp() + 365 * 86400)) < 3600 for e in exp)
    assert api.get("/me/export")[0] == 401


def test_erasure_refused_while_a_request_needs_the_contact(api, worker, setup):
    rid = _answered_consultation(api, worker)
    st, err = api.call("DELETE", "/me", "consumer1")
    assert st == 409 and err["error"]["code"] == "requests_in_progress" and err["error"]["details"]["request_ids"] == [rid]
    assert api.get("/me", "consumer1")[1]["email"] == "consumer1@example.id"  # nothing changed
    assert api.call("DELETE", "/me", "operator1")[0] == 403  # staff accounts are managed by the office
    _deliver(api, worker, rid)
    assert api.call("DELETE", "/me", "consumer1")[0] == 200


def test_erasure_anonymizes_but_keeps_financial_records_and_audit(api, worker, setup):
    from chalicelib.audit.models import AuditRecord, verify_stream
    from chalicelib.billing.models import LedgerRecord
    from chalicelib.privacy.service import pseudonym

    api.get("/me", "consumer1")
    rid_c = _answered_consultation(api, worker)
    _deliver(api, worker, rid_c)
    assert api.post(f"/requests/{rid_c}/rating", "consumer1", {"score": 5, "comment": "Terima kasih, Pak Agus"})[0] == 201
    rid_o = _paid_order(api, worker)
    _deliver(api, worker, rid_o)
    assert api.post("/me/subscriptions", "consumer1", {"query": {"q": "kemiskinan"}})[0] == 201
    seq_before = len(list(AuditRecord.query(rid_o)))

    st, out = api.call("DELETE", "/me", "consumer1")
    assert st == 200, out
    name = pseudonym("consumer1")
    assert out["pseudonym"] == name and out["requests"] == 2 and out["messages"] == 1
    assert out["ledger_rows"] == 1 and out["subscriptions"] == 1 and out["notifications"] >= 3

    me = api.get("/me", "consumer1")[1]
    assert me["name"] == name and me["email"] is None and me["phone"] is None and me["institution"] is None
    for rid in (rid_c, rid_o):
        r = api.get(f"/ops/requests/{rid}", "supervisor1")[1]
        assert r["consumer"]["name"] == name and not r["consumer"]["email"] and not r["consumer"]["phone"]
    cons = api.get(f"/ops/requests/{rid_c}", "supervisor1")[1]
    assert cons["question"] == "[dihapus atas permintaan pemilik data]" and cons["rating"]["comment"] == ""
    assert cons["rating"]["score"] == 5
    msgs = api.get(f"/ops/requests/{rid_c}/messages", "supervisor1")[1]
    mine = [m for m in msgs if m["author"] == "consumer1"]
    assert [(m["body"], m["author_name"]) for m in mine] == [("[dihapus atas permintaan pemilik data]", name)]
    staff = {m["body"] for m in msgs if m["author"] == "operator1"}
    assert staff == {"Garis kemiskinan DIY ada di tabel", "Catatan internal: pemohon dosen"}  # staff texts stay

    # financial records stay: billing paid with its NTPN, the ledger amount; only the payer's name changes
    billing = api.get(f"/requests/{rid_o}/billing", "consumer1")[1]
    assert billing["status"] == "paid" and billing["ntpn"] == "NTPN1234ABCD5678" and billing["amount_idr"] == 150000
    rows = [r for r in LedgerRecord.query(clock.parse_iso(billing["paid_at"]).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")) if r.request_id == rid_o]
    assert len(rows) == 1 and rows[0].consumer_name == name and int(rows[0].amount_idr) == 150000
    assert rows[0].ntpn == "NTPN1234ABCD5678"
    st, pdf = api.call("GET", f"/requests/{rid_o}/receipt", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200

    # the audit chains are intact: old records untouched, one privacy event appended per request and per user
    recs = list(AuditRecord.query(rid_o))
    assert len(recs) == seq_before + 1 and verify_stream(recs)[0]
    assert recs[-1].action == "privacy.anonymized" and recs[-1].actor == "consumer1"
    user_events = list(AuditRecord.query("user#consumer1"))
    assert [e.action for e in user_events] == ["privacy.anonymized"] and verify_stream(user_events)[0]

    assert api.get("/me/subscriptions", "consumer1")[1] == []
    assert api.get("/me/notifications", "consumer1")[1]["items"] == []
    export = json.dumps(api.get("/me/export", "consumer1")[1])
    for personal in ("consumer1@example.id", "Budi Santoso", "0812-3456-7801", "+6281234567801", "Pak Agus"):
        assert personal not in export, personal

    # idempotent
    st, again = api.call("DELETE", "/me", "consumer1")
    assert st == 200 and again["requests"] == 0 and again["messages"] == 0 and again["ledger_rows"] == 0
    assert again["anonymized_at"] == out["anonymized_at"]
    from chalicelib.audit.service import verify_all

    assert verify_all()["broken"] == []


def test_retention_redacts_old_closed_conversations(api, setup):
    from chalicelib.privacy import service
    from chalicelib.privacy.models import RETENTION_TEXT

    real_now = clock.now()
    fc = FrozenClock(real_now - timedelta(days=800))
    clock.set_clock(fc)

    def consult(text: str, close: bool) -> str:
        rid = submit(api, {**CONSULT, "question": text})
        assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": f"pesan {text}"})[0] == 201
        if close:
            assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
        fc.advance(hours=1)
        return rid

    old_a = consult("lama A", close=True)
    old_b = consult("lama B masih terbuka", close=False)
    old_c = consult("lama C", close=True)
    fc.set(real_now)
    new_d = consult("baru D", close=True)

    def body(rid: str) -> str:
        return api.get(f"/ops/requests/{rid}/messages", "supervisor1")[1][0]["body"]

    out = service.apply_retention()
    assert out["requests"] == 1 and out["waiting_on"] == old_b
    assert body(old_a) == RETENTION_TEXT and body(old_c) == "pesan lama C"
    assert api.post(f"/requests/{old_b}/cancel", "consumer1")[0] == 200
    out = service.apply_retention()
    assert out["requests"] == 2 and out["waiting_on"] is None
    assert body(old_b) == RETENTION_TEXT and body(old_c) == RETENTION_TEXT
    assert body(new_d) == "pesan baru D"  # younger than RETENTION_DAYS_MESSAGES
    assert service.apply_retention()["examined"] == 0  # the watermark moved on
    # once a day from the tick
    assert isinstance(service.retention_tick(), dict) and service.retention_tick() == "done today"

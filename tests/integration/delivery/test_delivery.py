"""Secure delivery (issue 7): pre-signed upload, verification by the uploads worker from the S3 event,
completion gating, pre-signed download links with their log, and the access rules around them.

moto enforces neither POST-policy conditions nor URL expiry, so the tests decode what the app signs (the
POST policy, the GET URL's query) and check the conditions themselves; the uploads go through the real
form (`requests.post`, intercepted in-process by moto) and S3 delivers the ObjectCreated event to the
uploads queue, which the `worker` fixture hands to the `uploads_worker` handler."""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import time
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.factories import put_operator, standard_catalog

CSV = b"provinsi,penduduk\nACEH,5554800\nSUMATERA UTARA,15386600\n" * 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers ---------------------------------------------------------------------------------------------
def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def in_progress(api: Any, worker: Any, body: dict[str, Any] | None = None) -> str:
    """A free data order (or the given request) assigned to operator1 and started."""
    standard_catalog()
    put_operator("operator1")
    st, req = api.post("/requests", "consumer1", body or {
        "kind": "data_order", "items": [{"catalog_id": "TS-FREE1"}], "purpose": "Penelitian skripsi"})
    assert st == 201, req
    rid = req["request_id"]
    assert worker.run_until(lambda: api.get(f"/requests/{rid}", "consumer1")[1]["status"] == "assigned")
    st, r = api.post(f"/ops/requests/{rid}/start", "operator1")
    assert st == 200 and r["status"] == "in_progress", r
    return rid


def declare(api: Any, rid: str, data: bytes, filename: str = "penduduk 2024.csv", content_type: str = "text/csv",
            user: str = "operator1", **over: Any) -> tuple[int, Any]:
    body = {"filename": filename, "content_type": content_type, "size_bytes": len(data), "sha256": sha(data),
            **over}
    return api.post(f"/ops/requests/{rid}/deliverables", user, body)


def post_form(upload: dict[str, Any], data: bytes, filename: str = "x") -> None:
    resp = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, data)}, timeout=10)
    assert resp.status_code in (200, 201, 204), resp.text


def upload(api: Any, worker: Any, rid: str, declared: bytes, sent: bytes | None = None, **kw: Any) -> dict[str, Any]:
    st, out = declare(api, rid, declared, **kw)
    assert st == 201, out
    post_form(out["upload"], declared if sent is None else sent)
    worker.drain(settle_s=0.2)
    return out


def staff_items(api: Any, rid: str) -> dict[str, dict[str, Any]]:
    st, items = api.get(f"/ops/requests/{rid}/deliverables", "operator1")
    assert st == 200, items
    return {d["deliverable_id"]: d for d in items}


def versions(key: str) -> list[dict[str, Any]]:
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    resp = aws.client("s3").list_object_versions(Bucket=get_settings().deliverables_bucket_name, Prefix=key)
    return [v for v in resp.get("Versions", []) if v["Key"] == key]


def audit_actions(rid: str) -> list[str]:
    from chalicelib.audit.models import AuditRecord, verify_stream

    records = list(AuditRecord.query(rid))
    ok, broken, reason = verify_stream(records)
    assert ok, (broken, reason)
    return [r.action for r in sorted(records, key=lambda r: int(r.seq))]


@pytest.fixture
def notified(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The notify queue's messages the notify worker handled (what reached it, through the outbox or not)."""
    from chalicelib.notify import worker

    calls: list[tuple[str, dict[str, Any]]] = []
    original = worker.handle

    def record(message: dict[str, Any]) -> None:
        original(message)
        calls.append((message["event"], message))

    monkeypatch.setattr(worker, "handle", record)
    return calls


# --- tests -----------------------------------------------------------------------------------------------
def test_upload_verify_complete_download(api, worker):
    rid = in_progress(api, worker)
    st, out = declare(api, rid, CSV)
    assert st == 201, out
    did = out["deliverable_id"]
    key = f"deliverables/{rid}/{did}/penduduk 2024.csv"
    fields = out["upload"]["fields"]

    # the signed policy: one key, exact size, the type, SSE, a short expiry
    policy = json.loads(base64.b64decode(fields["policy"]))
    conds = policy["conditions"]
    assert {"key": key} in conds and fields["key"] == key
    assert ["content-length-range", len(CSV), len(CSV)] in conds
    assert {"Content-Type": "text/csv"} in conds and fields["Content-Type"] == "text/csv"
    assert {"x-amz-server-side-encryption": "AES256"} in conds and fields["x-amz-server-side-encryption"] == "AES256"
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conds)
    expiration = calendar.timegm(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert 0 < expiration - time.time() <= 900 + 5
    assert out["expires_at"] and out["status"] == "pending"

    # not uploaded yet: completion refused
    st, err = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
    assert st == 409 and err["error"]["code"] == "deliverables_not_ready", err

    post_form(out["upload"], CSV, "penduduk 2024.csv")
    worker.drain(settle_s=0.2)
    item = staff_items(api, rid)[did]
    assert item["status"] == "ready" and item["verified_at"] and item["size_bytes"] == len(CSV), item
    assert item["sha256"] == sha(CSV)

    # the consumer cannot download before delivery
    st, err = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 409 and err["error"]["code"] == "not_delivered"

    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "data terlampir"})
    assert st == 200 and r["status"] == "delivered", r
    # after delivery the files are frozen
    st, err = declare(api, rid, b"late")
    assert st == 409 and err["error"]["code"] == "not_in_progress"
    st, err = api.call("DELETE", f"/ops/requests/{rid}/deliverables/{did}", "operator1")
    assert st == 409 and err["error"]["code"] == "not_in_progress"

    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and len(links) == 1, links
    link = links[0]
    assert set(link) == {"deliverable_id", "filename", "size_bytes", "sha256", "download_url", "expires_at"}
    assert link["deliverable_id"] == did and link["filename"] == "penduduk 2024.csv"
    assert link["size_bytes"] == len(CSV) and link["sha256"] == sha(CSV)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(link["download_url"]).query)
    assert 0 < int(q["X-Amz-Expires"][0]) <= 900
    assert q["response-content-disposition"][0].startswith('attachment; filename="penduduk 2024.csv"')
    assert q["versionId"][0] == versions(key)[0]["VersionId"]
    resp = requests.get(link["download_url"], timeout=10)
    assert resp.status_code == 200 and sha(resp.content) == sha(CSV)
    assert resp.headers["content-disposition"].startswith("attachment;")

    # links are re-issuable; every issue is logged (download log + audit chain)
    st, again = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and again[0]["download_url"]
    st, log = api.get(f"/ops/requests/{rid}/downloads", "supervisor1")
    assert st == 200 and len(log) == 2, log
    assert {e["user_id"] for e in log} == {"consumer1"} and {e["deliverable_id"] for e in log} == {did}
    actions = audit_actions(rid)
    assert actions.count("delivery.download_issued") == 2
    assert "delivery.upload_issued" in actions and "delivery.verified" in actions
    st, detail = api.get(f"/requests/{rid}", "consumer1")
    assert [t["status"] for t in detail["timeline"]][-1] == "delivered"  # no timeline noise from downloads

    # another consumer: 404 like everywhere; staff only through /ops
    assert api.get(f"/requests/{rid}/deliverables", "consumer2")[0] == 404
    assert api.get(f"/requests/{rid}/deliverables", "operator1")[0] == 403
    assert api.get(f"/ops/requests/{rid}/downloads", "consumer1")[0] == 403

    # the download window (30 days from delivery): still open just before, 403 after; nothing logged then
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock

    delivered = clock.parse_iso(r["delivered_at"])
    try:
        clock.set_clock(FrozenClock(delivered + timedelta(days=29, hours=23)))
        assert api.get(f"/requests/{rid}/deliverables", "consumer1")[0] == 200
        clock.set_clock(FrozenClock(delivered + timedelta(days=30, seconds=1)))
        st, err = api.get(f"/requests/{rid}/deliverables", "consumer1")
        assert st == 403 and err["error"]["code"] == "download_window_closed", err
    finally:
        clock.set_clock(None)
    assert len(api.get(f"/ops/requests/{rid}/downloads", "operator1")[1]) == 3


def test_rejected_uploads_block_completion_until_replaced(api, worker, notified):
    rid = in_progress(api, worker)
    # altered in transit: same size, different bytes
    altered = upload(api, worker, rid, CSV, sent=CSV[:-1] + b"X")
    # oversized: S3 would refuse it by the policy; moto does not, so the worker must
    oversized = upload(api, worker, rid, CSV, sent=CSV + b"extra", filename="ipm.xlsx", content_type=XLSX)
    items = staff_items(api, rid)
    a, o = items[altered["deliverable_id"]], items[oversized["deliverable_id"]]
    assert a["status"] == "rejected" and a["reject_code"] == "sha256_mismatch" and a["reject_reason"], a
    assert o["status"] == "rejected" and o["reject_code"] == "size_mismatch", o
    # the rejected objects are not kept
    assert versions(f"deliverables/{rid}/{altered['deliverable_id']}/penduduk 2024.csv") == []
    assert versions(f"deliverables/{rid}/{oversized['deliverable_id']}/ipm.xlsx") == []
    # the uploader is told why, once per deliverable
    rejected = [kw for event, kw in notified if event == "deliverable_rejected"]
    assert len(rejected) == 2 and {kw["to_user"] for kw in rejected} == {"operator1"}
    assert all(kw["ctx"]["request_id"] == rid and kw["ctx"]["reason"] for kw in rejected)

    st, err = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
    assert st == 409 and err["error"]["code"] == "deliverables_not_ready"
    assert set(err["error"]["details"]["not_ready"]) == {altered["deliverable_id"], oversized["deliverable_id"]}

    # another operator cannot withdraw them; the assignee can (twice is harmless)
    put_operator("operator2")
    # (SPEC §8: someone else's request does not exist for them: 404)
    assert api.call("DELETE", f"/ops/requests/{rid}/deliverables/{altered['deliverable_id']}", "operator2")[0] == 404
    for d in (altered, oversized, altered):
        st, body = api.call("DELETE", f"/ops/requests/{rid}/deliverables/{d['deliverable_id']}", "operator1")
        assert st == 204, body
    assert api.call("DELETE", f"/ops/requests/{rid}/deliverables/DNOPE", "operator1")[0] == 404
    assert {d["status"] for d in staff_items(api, rid).values()} == {"deleted"}
    st, err = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"})
    assert st == 409 and err["error"]["code"] == "no_deliverables"

    good = upload(api, worker, rid, CSV)
    assert staff_items(api, rid)[good["deliverable_id"]]["status"] == "ready"
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "data terlampir"})
    assert st == 200 and r["status"] == "delivered", r
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and [x["deliverable_id"] for x in links] == [good["deliverable_id"]]
    actions = audit_actions(rid)
    assert actions.count("delivery.rejected") == 2 and actions.count("delivery.deleted") == 2


def test_the_rejection_notice_survives_a_queue_outage(api, worker, notified, monkeypatch):
    """SQS refuses every send while the worker rejects an altered upload: the notice committed with the verdict (an
    outbox row), so the uploader is told once SQS is back, exactly once."""
    from chalicelib.core import queues
    from chalicelib.core.outbox import OutboxRecord

    rid = in_progress(api, worker)
    worker.drain(settle_s=0.2)  # the assignment's notices are out
    real_send = queues.send

    def outage(queue: str, body: dict[str, Any]) -> Any:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(queues, "send", outage)
    altered = upload(api, worker, rid, CSV, sent=CSV[:-1] + b"X")
    assert staff_items(api, rid)[altered["deliverable_id"]]["status"] == "rejected"
    assert [r.id for r in OutboxRecord.scan()] == [f"notify#deliverable_rejected#{rid}#{altered['deliverable_id']}"]
    assert [e for e, _ in notified if e == "deliverable_rejected"] == []

    monkeypatch.setattr(queues, "send", real_send)
    worker.drain(settle_s=0.2)
    rejected = [m for e, m in notified if e == "deliverable_rejected"]
    assert [m["to_user"] for m in rejected] == ["operator1"] and rejected[0]["ctx"]["reason"].startswith('Berkas "penduduk 2024.csv": ')
    assert list(OutboxRecord.scan()) == []


def test_upload_declaration_is_validated(api, worker, monkeypatch):
    rid = in_progress(api, worker)
    bad = [
        {"filename": "../../etc/passwd.csv"},
        {"filename": "laporan/final.csv"},
        {"filename": ".hidden.csv"},
        {"filename": "program.exe", "content_type": "application/octet-stream"},
        {"filename": "tabel.csv", "content_type": "application/pdf"},
        {"filename": "tabel.csv", "content_type": "text/html"},
        {"size_bytes": 0},
        {"sha256": sha(CSV).upper()},
        {"sha256": "abc"},
        {"unexpected": 1},
    ]
    for over in bad:
        st, err = declare(api, rid, CSV, **over)
        assert st == 400, (over, err)
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("MAX_UPLOAD_BYTES", "100")
    reset_settings()
    st, err = declare(api, rid, CSV)
    assert st == 400 and err["error"]["code"] == "file_too_large"
    monkeypatch.delenv("MAX_UPLOAD_BYTES")
    reset_settings()

    # shapefiles in a zip, SPSS and Stata files are accepted
    for name, ctype in (("peta_wilkerstat_shp.zip", "application/zip"), ("susenas.sav", "application/x-spss-sav"),
                        ("sakernas.dta", "application/octet-stream")):
        assert declare(api, rid, CSV, filename=name, content_type=ctype)[0] == 201
    # roles and ownership
    put_operator("operator2")
    assert declare(api, rid, CSV, user="operator2")[0] == 404  # not the assignee: not theirs to see (SPEC §8)
    assert declare(api, rid, CSV, user="consumer1")[0] == 403  # not staff
    assert declare(api, rid, CSV, user="supervisor1")[0] == 201
    assert declare(api, "R000000-NOPE00", CSV)[0] == 404
    assert len(staff_items(api, rid)) == 4


def test_download_requires_payment_or_approval(api, worker):
    from chalicelib.requests.models import Approval
    from chalicelib.requests.repository import RequestRepository

    rid = in_progress(api, worker)
    upload(api, worker, rid, CSV)
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "ok"})[0] == 200
    repo = RequestRepository()
    # the same delivered order, as if it were a paid one without payment
    repo.update_fields(repo.get(rid), {"transaction_type": "paid", "total_idr": 150000})
    st, err = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 409 and err["error"]["code"] == "not_paid", err
    repo.update_fields(repo.get(rid), {"paid_at": "2025-01-02T03:04:05+00:00"})
    assert api.get(f"/requests/{rid}/deliverables", "consumer1")[0] == 200
    # a zero-rupiah order needs its approval
    repo.update_fields(repo.get(rid), {"transaction_type": "zero_rupiah", "needs_approval": True, "total_idr": 0},
                       remove=["paid_at"])
    st, err = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 409 and err["error"]["code"] == "not_approved", err
    repo.update_fields(repo.get(rid), {"approval": Approval(decision="approve", by="supervisor1",
                                                            at="2025-01-01T00:00:00+00:00", reason="sesuai")})
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and len(links) == 1
    assert len(api.get(f"/ops/requests/{rid}/downloads", "operator1")[1]) == 2  # refused attempts are not links


def test_uploads_worker_is_idempotent_and_keeps_only_verified_versions(api, worker):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.delivery import worker as service

    rid = in_progress(api, worker)
    out = upload(api, worker, rid, CSV)
    did = out["deliverable_id"]
    key = f"deliverables/{rid}/{did}/penduduk 2024.csv"
    bucket = get_settings().deliverables_bucket_name
    verified = versions(key)[0]["VersionId"]
    before = audit_actions(rid)
    event = {"Records": [{"eventName": "ObjectCreated:Post", "eventTime": "2025-01-01T00:00:00.000Z",
                          "s3": {"bucket": {"name": bucket},
                                 "object": {"key": urllib.parse.quote_plus(key), "size": len(CSV),
                                            "versionId": verified}}}]}
    # redelivery of the same event: nothing changes
    service.handle_upload_event(event)
    service.handle_upload_event({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket})
    assert audit_actions(rid) == before
    assert staff_items(api, rid)[did]["status"] == "ready"

    # a second upload to the same key (the form is reusable until it expires): discarded, the verified
    # version stays the one served
    post_form(out["upload"], CSV[::-1])
    worker.drain(settle_s=0.2)
    assert [v["VersionId"] for v in versions(key)] == [verified]

    # an object nobody issued an upload for is not kept
    stray = f"deliverables/{rid}/DSTRAY/bocor.csv"
    aws.client("s3").put_object(Bucket=bucket, Key=stray, Body=b"rahasia")
    worker.drain(settle_s=0.2)
    assert versions(stray) == []
    # a malformed message is dropped, not retried forever
    result = api.client.lambda_.invoke("uploads_worker", {"Records": [
        {"messageId": "m1", "body": json.dumps({"hello": "world"})},
        {"messageId": "m2", "body": "not json"}]}).payload
    assert result == {"batchItemFailures": [{"itemIdentifier": "m2"}]}


def test_consultation_answer_files(api, worker):
    rid = in_progress(api, worker, {"kind": "consultation", "topic": "metadata", "subject": "Metodologi IPM",
                                    "question": "Bagaimana IPM dihitung?"})
    pdf = b"%PDF-1.4\n% metodologi IPM\n" + bytes(range(256)) * 4
    out = upload(api, worker, rid, pdf, filename="metodologi_ipm.pdf", content_type="application/pdf")
    assert staff_items(api, rid)[out["deliverable_id"]]["status"] == "ready"
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "dijawab dengan lampiran"})
    assert st == 200 and r["status"] == "delivered"
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and len(links) == 1
    assert sha(requests.get(links[0]["download_url"], timeout=10).content) == sha(pdf)

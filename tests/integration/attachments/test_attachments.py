"""Consumers' attachments (issue 19 item 4): limits, the pre-signed upload, verification after the fact (size,
SHA-256, magic bytes — moto, like a careless client, does not enforce a POST's conditions), who can see them
(the owner; staff within chalicelib/requests/access.py; everybody else 404), messages that carry them, and the
retention policy that removes them."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, submit

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Ekspor kopi 2024?"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def declare(api, rid: str, data: bytes, user: str = "consumer1", filename: str = "surat.pdf",
            content_type: str = "application/pdf", **extra: Any) -> tuple[int, Any]:
    return api.post(f"/requests/{rid}/attachments", user, {"filename": filename, "content_type": content_type,
                                                            "size_bytes": len(data), "sha256": sha(data), **extra})


def attach(api, rid: str, data: bytes, sent: bytes | None = None, user: str = "consumer1", **kw: Any) -> dict:
    st, out = declare(api, rid, data, user=user, **kw)
    assert st == 201, out
    form = out["upload"]
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("x", data if sent is None else sent)},
                         timeout=10)
    assert resp.status_code in (200, 201, 204), resp.text
    st, verified = api.post(f"/requests/{rid}/attachments/{out['attachment_id']}/verify", user)
    assert st == 200, verified
    return verified


@pytest.fixture
def desk(aws_env):
    standard_catalog()
    put_operator("operator1", quota=20)


def test_attach_verify_and_read_by_owner_and_staff(api, worker, desk):
    rid = submit(api, CONSULT)
    st, out = declare(api, rid, PDF, purpose="supporting")
    assert st == 201, out
    fields = out["upload"]["fields"]
    assert fields["key"] == f"attachments/{rid}/{out['attachment_id']}/surat.pdf"
    assert fields["Content-Type"] == "application/pdf" and fields["x-amz-server-side-encryption"] == "AES256"
    assert out["status"] == "pending"
    # not uploaded yet: verification says so
    st, err = api.post(f"/requests/{rid}/attachments/{out['attachment_id']}/verify", "consumer1")
    assert st == 409 and err["error"]["code"] == "not_uploaded"
    requests.post(out["upload"]["url"], data=fields, files={"file": ("surat.pdf", PDF)}, timeout=10)
    st, ok = api.post(f"/requests/{rid}/attachments/{out['attachment_id']}/verify", "consumer1")
    assert st == 200 and ok["status"] == "ready" and ok["verified_at"]
    # repeating is harmless
    assert api.post(f"/requests/{rid}/attachments/{out['attachment_id']}/verify", "consumer1")[1]["status"] == "ready"
    st, mine = api.get(f"/requests/{rid}/attachments", "consumer1")
    assert st == 200 and [a["attachment_id"] for a in mine] == [out["attachment_id"]]
    assert requests.get(mine[0]["download_url"], timeout=10).content == PDF
    st, staff = api.get(f"/ops/requests/{rid}/attachments", "supervisor1")
    assert st == 200 and staff[0]["status"] == "ready" and staff[0]["download_url"]
    # the audit chain names each step
    from chalicelib.audit.models import AuditRecord

    actions = [r.action for r in AuditRecord.query(rid)]
    assert "attachment.upload_issued" in actions and "attachment.verified" in actions


def test_others_get_404(api, worker, desk):
    rid = submit(api, CONSULT)
    attach(api, rid, PDF)
    assert api.get(f"/requests/{rid}/attachments", "consumer2")[0] == 404
    assert declare(api, rid, PDF, user="consumer2")[0] == 404
    # an operator the request is not assigned to (and who never handled it) does not see it
    put_operator("operator2", quota=20, on_duty=False)
    assert api.get(f"/ops/requests/{rid}", "supervisor1")[1]["assignee"] != "operator2"
    assert api.get(f"/ops/requests/{rid}/attachments", "operator2")[0] == 404
    # admin is not a supervisor: no access to requests
    assert api.get(f"/ops/requests/{rid}/attachments", "admin1")[0] in (403, 404)


def test_mismatching_uploads_are_rejected_and_deleted(api, worker, desk):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    rid = submit(api, CONSULT)
    altered = attach(api, rid, PDF, sent=PDF[:-2] + b"X\n")
    assert altered["status"] == "rejected" and altered["reject_code"] == "sha256_mismatch"
    longer = attach(api, rid, PDF, sent=PDF + b"more")
    assert longer["status"] == "rejected" and longer["reject_code"] == "size_mismatch"
    # right size and hash, but not a PDF: the magic bytes decide, not the name
    fake = b"MZ" + b"\x90" * (len(PDF) - 2)
    disguised = attach(api, rid, fake)
    assert disguised["status"] == "rejected" and disguised["reject_code"] == "magic_mismatch"
    assert "PDF" in disguised["reject_reason"]
    # nothing of the rejected files is kept
    bucket = get_settings().deliverables_bucket_name
    left = aws.client("s3").list_object_versions(Bucket=bucket, Prefix=f"attachments/{rid}/")
    assert not left.get("Versions")
    # a PNG passes
    assert attach(api, rid, PNG, filename="ktm.png", content_type="image/png")["status"] == "ready"


@pytest.mark.parametrize("body,code", [
    ({"filename": "virus.exe", "content_type": "application/pdf"}, "invalid_input"),
    ({"filename": "surat.pdf", "content_type": "text/html"}, "invalid_input"),
    ({"filename": "../surat.pdf"}, "invalid_input"),
    ({"filename": "foto.png", "content_type": "application/pdf"}, "content_type_mismatch"),
    ({"size_bytes": 10 * 1024 * 1024 + 1}, "file_too_large"),
])
def test_limits(api, desk, body, code):
    rid = submit(api, CONSULT)
    full = {"filename": "surat.pdf", "content_type": "application/pdf", "size_bytes": 100, "sha256": "a" * 64, **body}
    st, err = api.post(f"/requests/{rid}/attachments", "consumer1", full)
    assert st == 400 and err["error"]["code"] == code, err


def test_the_size_limit_is_configurable_and_the_count_capped(api, desk, monkeypatch):
    from chalicelib.core.config import reset_settings

    monkeypatch.setenv("ATTACHMENT_MAX_BYTES", "50")
    monkeypatch.setenv("MAX_ATTACHMENTS", "2")
    reset_settings()
    rid = submit(api, CONSULT)
    assert declare(api, rid, PDF)[1]["error"]["code"] == "file_too_large"  # PDF is longer than 50 bytes
    assert declare(api, rid, PNG[:40], filename="a.png", content_type="image/png")[0] == 201
    assert declare(api, rid, PNG[:40], filename="b.png", content_type="image/png")[0] == 201
    st, err = declare(api, rid, PNG[:40], filename="c.png", content_type="image/png")
    assert st == 409 and err["error"]["code"] == "too_many_attachments"
    reset_settings()


def test_zero_rupiah_justification_letter_is_seen_by_the_approving_supervisor(api, worker, desk):
    rid = submit(api, order(["TS-PAID1"], zero_rupiah_justification="Penelitian tugas akhir mahasiswa"))
    letter = attach(api, rid, PDF, filename="surat_keterangan_kampus.pdf", purpose="zero_rupiah_justification")
    assert letter["status"] == "ready"
    worker.drain()
    st, staff = api.get(f"/ops/requests/{rid}/attachments", "supervisor1")
    assert st == 200 and staff[0]["purpose"] == "zero_rupiah_justification"
    st, rec = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert rec["status"] == "awaiting_approval" and rec["transaction_type"] == "zero_rupiah"


def test_owner_withdraws_and_retention_purges(api, worker, desk):
    from chalicelib.attachments.service import AttachmentService
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings
    from chalicelib.requests.repository import RequestRepository

    rid = submit(api, CONSULT)
    first = attach(api, rid, PDF)
    assert api.call("DELETE", f"/requests/{rid}/attachments/{first['attachment_id']}", "consumer1")[0] == 204
    assert api.get(f"/requests/{rid}/attachments", "consumer1")[1] == []
    second = attach(api, rid, PNG, filename="scan.png", content_type="image/png")
    rec = RequestRepository().get(rid)
    assert AttachmentService().purge(rec, "system:retention", "retention") == 1
    bucket = get_settings().deliverables_bucket_name
    assert not aws.client("s3").list_object_versions(Bucket=bucket, Prefix=f"attachments/{rid}/").get("Versions")
    assert second["attachment_id"] not in [a["attachment_id"] for a in api.get(f"/requests/{rid}/attachments",
                                                                             "consumer1")[1]]


def test_messages_carry_verified_attachments(api, worker, desk):
    rid = submit(api, CONSULT)
    ok = attach(api, rid, PDF)
    bad = attach(api, rid, PDF, sent=b"%PDF-" + b"0" * (len(PDF) - 5))
    st, err = api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Lampiran", "attachment_ids": [bad["attachment_id"]]})
    assert st == 400, err
    st, msg = api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Surat terlampir",
                                                                  "attachment_ids": [ok["attachment_id"]]})
    assert st == 201 and msg["attachments"] == [{"attachment_id": ok["attachment_id"], "filename": "surat.pdf"}]
    st, msgs = api.get(f"/ops/requests/{rid}/messages", "supervisor1")
    assert msgs[-1]["attachments"][0]["attachment_id"] == ok["attachment_id"]


def test_the_retention_run_removes_attachments_of_closed_requests(api, worker, desk, monkeypatch):
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings, reset_settings
    from chalicelib.privacy.service import apply_retention

    rid = submit(api, order(["TS-PAID1"]))
    attach(api, rid, PDF)
    worker.drain()
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    monkeypatch.setenv("RETENTION_DAYS_MESSAGES", "0")
    reset_settings()
    out = apply_retention()
    reset_settings()
    assert out["attachments"] == 1, out
    bucket = get_settings().deliverables_bucket_name
    assert not aws.client("s3").list_object_versions(Bucket=bucket, Prefix=f"attachments/{rid}/").get("Versions")
    assert api.get(f"/requests/{rid}/attachments", "consumer1")[1] == []

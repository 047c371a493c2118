"""File-backed catalog items (issue 19 §1): admins attach data files (pre-signed POST, verified by the uploads
worker from the S3 event), anyone downloads an open item's file (short-lived link, logged), and an order of
file-backed items is delivered automatically — free at once, paid as soon as the payment arrives — while a mixed
order delivers its files and goes to the desk for the rest.

moto enforces neither POST-policy conditions nor URL expiry: the tests check what the app signs and verify the
uploads after the fact, as tests/integration/delivery/test_delivery.py does."""

from __future__ import annotations

import hashlib
import urllib.parse
from typing import Any

import pytest
import requests

from tests.factories import put_catalog, put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit

CSV = b"provinsi,jumlah_penduduk\nACEH,5554800\nSUMATERA UTARA,15386600\nDKI JAKARTA,10679900\n" * 10
PDF = b"%PDF-1.4\n% publikasi statistik\n" + b"0" * 500 + b"\n%%EOF\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attach(api: Any, worker: Any, item_id: str, data: bytes, filename: str = "penduduk 2024.csv",
           content_type: str = "text/csv", sent: bytes | None = None, user: str = "admin1") -> dict[str, Any]:
    body = {"filename": filename, "content_type": content_type, "size_bytes": len(data), "sha256": sha(data)}
    st, out = api.post(f"/ops/catalog/items/{item_id}/files", user, body)
    assert st == 201, out
    resp = requests.post(out["upload"]["url"], data=out["upload"]["fields"],
                         files={"file": (filename, data if sent is None else sent)}, timeout=10)
    assert resp.status_code in (200, 201, 204), resp.text
    worker.drain(settle_s=0.2)
    return out


def admin_files(api: Any, item_id: str) -> dict[str, dict[str, Any]]:
    st, items = api.get(f"/ops/catalog/items/{item_id}/files", "admin1")
    assert st == 200, items
    return {f["file_id"]: f for f in items}


def fetch(url: str) -> bytes:
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.content


@pytest.fixture
def catalog(aws_env):
    standard_catalog()
    put_catalog([{"id": "PB-OPEN1", "type": "publication", "title": "Statistik Indonesia 2024", "format": "pdf"}])


# --- attach, verify, list, remove ------------------------------------------------------------------------
def test_an_admin_attaches_a_file_and_the_worker_verifies_it(api, worker, catalog):
    out = attach(api, worker, "TS-FREE1", CSV)
    fid = out["deliverable_id"]
    # the form binds the key under catalog/<item>/<file>/, the exact size, the type and SSE
    assert out["upload"]["fields"]["key"] == f"catalog/TS-FREE1/{fid}/penduduk 2024.csv"
    assert out["upload"]["fields"]["Content-Type"] == "text/csv"
    f = admin_files(api, "TS-FREE1")[fid]
    assert f["status"] == "ready" and f["size_bytes"] == len(CSV) and f["sha256"] == sha(CSV)
    assert f["uploaded_by"] == "admin1" and f["verified_at"]
    st, public = api.get("/catalog/items/TS-FREE1/files")
    assert st == 200 and [(p["file_id"], p["downloadable"]) for p in public] == [(fid, True)]


def test_a_file_that_does_not_match_its_declaration_is_rejected_and_not_kept(api, worker, catalog):
    out = attach(api, worker, "TS-FREE1", CSV, sent=CSV.replace(b"ACEH", b"ACEX"))
    f = admin_files(api, "TS-FREE1")[out["deliverable_id"]]
    assert f["status"] == "rejected" and f["reject_code"] == "sha256_mismatch" and f["reject_reason"]
    assert api.get("/catalog/items/TS-FREE1/files") == (200, [])
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    key = out["upload"]["fields"]["key"]
    resp = aws.client("s3").list_object_versions(Bucket=get_settings().deliverables_bucket_name, Prefix=key)
    assert [v for v in resp.get("Versions", []) if v["Key"] == key] == []


def test_only_admins_manage_files_and_declarations_are_validated(api, worker, catalog):
    body = {"filename": "a.csv", "content_type": "text/csv", "size_bytes": 10, "sha256": "0" * 64}
    for user in ("consumer1", "operator1", "supervisor1"):
        assert api.post("/ops/catalog/items/TS-FREE1/files", user, body)[0] == 403
        assert api.get("/ops/catalog/items/TS-FREE1/files", user)[0] == 403
    assert api.post("/ops/catalog/items/TS-FREE1/files", None, body)[0] == 401
    assert api.post("/ops/catalog/items/NOPE/files", "admin1", body)[0] == 404
    bad = [{**body, "filename": "../x.csv"}, {**body, "content_type": "application/pdf"}, {**body, "sha256": "xyz"},
           {**body, "size_bytes": 0}, {**body, "filename": "run.exe"}]
    for b in bad:
        st, err = api.post("/ops/catalog/items/TS-FREE1/files", "admin1", b)
        assert st == 400 and err["error"]["code"], (b, err)
    st, err = api.post("/ops/catalog/items/MD-SUS1/files", "admin1", body)
    assert st == 409 and err["error"]["code"] == "not_file_backed"


def test_a_removed_file_is_no_longer_offered_but_its_version_is_kept(api, worker, catalog):
    out = attach(api, worker, "TS-FREE1", CSV)
    fid = out["deliverable_id"]
    assert api.call("DELETE", f"/ops/catalog/items/TS-FREE1/files/{fid}", "admin1")[0] == 204
    assert api.call("DELETE", f"/ops/catalog/items/TS-FREE1/files/{fid}", "admin1")[0] == 204  # harmless again
    f = admin_files(api, "TS-FREE1")[fid]
    assert f["status"] == "deleted" and f["deleted_by"] == "admin1"
    assert api.get("/catalog/items/TS-FREE1/files") == (200, [])
    assert api.post(f"/catalog/items/TS-FREE1/files/{fid}/download")[0] == 404
    from chalicelib.core import aws
    from chalicelib.core.config import get_settings

    key = out["upload"]["fields"]["key"]
    resp = aws.client("s3").list_object_versions(Bucket=get_settings().deliverables_bucket_name, Prefix=key)
    assert len([v for v in resp.get("Versions", []) if v["Key"] == key]) == 1  # a delete marker, version kept
    assert api.call("DELETE", "/ops/catalog/items/TS-FREE1/files/FNOPE", "admin1")[0] == 404


# --- open downloads --------------------------------------------------------------------------------------
def test_anyone_downloads_an_open_items_file_through_a_short_lived_logged_link(api, worker, catalog):
    out = attach(api, worker, "PB-OPEN1", PDF, filename="Statistik Indonesia 2024.pdf",
                 content_type="application/pdf")
    fid = out["deliverable_id"]
    st, link = api.post(f"/catalog/items/PB-OPEN1/files/{fid}/download")
    assert st == 200, link
    assert link["filename"] == "Statistik Indonesia 2024.pdf" and link["sha256"] == sha(PDF)
    q = urllib.parse.parse_qs(urllib.parse.urlparse(link["download_url"]).query)
    assert int(q["X-Amz-Expires"][0]) <= 900 and q["versionId"][0]
    assert "attachment" in q["response-content-disposition"][0]
    assert fetch(link["download_url"]) == PDF
    # signed in: the log names the caller; anonymous otherwise
    assert api.post(f"/catalog/items/PB-OPEN1/files/{fid}/download", "consumer2")[0] == 200
    from chalicelib.delivery.models import DownloadRecord

    logs = list(DownloadRecord.query("item#PB-OPEN1"))
    assert sorted(r.user_id for r in logs) == ["anonymous", "consumer2"]
    assert {r.deliverable_id for r in logs} == {fid} and all(r.version_id == q["versionId"][0] for r in logs)


def test_files_of_a_paid_item_are_listed_but_only_delivered_through_an_order(api, worker, catalog):
    out = attach(api, worker, "TS-PAID1", CSV)
    st, public = api.get("/catalog/items/TS-PAID1/files")
    assert st == 200 and [p["downloadable"] for p in public] == [False]
    st, err = api.post(f"/catalog/items/TS-PAID1/files/{out['deliverable_id']}/download")
    assert st == 409 and err["error"]["code"] == "not_open"
    assert api.get("/catalog/items/NOPE/files")[0] == 404


# --- automatic delivery ----------------------------------------------------------------------------------
def _notifications(user: str) -> list[str]:
    from chalicelib.notify.models import NotificationRecord

    return [n.event for n in NotificationRecord.query(user)]


def test_a_free_order_of_file_backed_items_is_delivered_without_an_operator(api, worker, catalog):
    attach(api, worker, "TS-FREE1", CSV)
    attach(api, worker, "PB-OPEN1", PDF, filename="si2024.pdf", content_type="application/pdf")
    # nobody on duty: only the automatic delivery can deliver it
    rid = submit(api, order(["TS-FREE1", "PB-OPEN1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "delivered", timeout_s=30), status_of(api, rid)
    st, req = api.get(f"/requests/{rid}", "consumer1")
    assert req["assignee"] is None
    assert any("dikirim otomatis" in e["note"] for e in req["timeline"])
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and sorted(x["filename"] for x in links) == ["penduduk 2024.csv", "si2024.pdf"]
    assert all(x["deliverable_id"].startswith("C") for x in links)  # made from the catalog files
    assert sorted(fetch(x["download_url"]) for x in links) == sorted([CSV, PDF])
    worker.drain(settle_s=0.3)
    assert "delivered" in _notifications("consumer1")
    from chalicelib.reports.models import StatRecord

    keys = {s.stat_key.split("#", 1)[1] for s in StatRecord.scan()}
    assert {"delivered#data_order", "auto_delivered#data_order"} <= keys
    # the consumer rates it as any delivered request; the audit chain holds
    assert api.post(f"/requests/{rid}/rating", "consumer1", {"score": 5})[0] == 201
    from chalicelib.audit.service import verify_all

    assert verify_all()["broken"] == []


def test_a_paid_order_is_delivered_as_soon_as_the_payment_arrives(api, worker, catalog):
    attach(api, worker, "TS-PAID1", CSV)
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment", timeout_s=30)
    assert api.get(f"/requests/{rid}/deliverables", "consumer1")[0] == 409  # nothing before payment
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert signed_webhook(api, paid_event(billing))[0] == 200
    assert worker.run_until(lambda: status_of(api, rid) == "delivered", timeout_s=30), status_of(api, rid)
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and [fetch(x["download_url"]) for x in links] == [CSV]
    st, req = api.get(f"/ops/requests/{rid}", "supervisor1")
    assert req["paid_at"] and req["delivered_at"] and req["assignee"] is None


def test_a_mixed_order_delivers_its_files_and_the_desk_does_the_rest(api, worker, catalog):
    put_operator("operator1")
    out = attach(api, worker, "TS-FREE1", CSV)
    rid = submit(api, order(["TS-FREE1"], custom_request="Data penduduk per kecamatan di Kota Medan 2024"))
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=30), status_of(api, rid)
    st, req = api.get(f"/requests/{rid}", "consumer1")
    assert any("diteruskan ke petugas" in e["note"] for e in req["timeline"])
    # the catalog part is downloadable at once; the desk prepares the rest
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and [fetch(x["download_url"]) for x in links] == [CSV]
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    st, staff = api.get(f"/ops/requests/{rid}/deliverables", "operator1")
    auto = [d for d in staff if d["source"] == "catalog"]
    assert len(auto) == 1 and auto[0]["status"] == "ready"
    # withdrawing the automatic file from the request leaves the catalog's object alone
    assert api.call("DELETE", f"/ops/requests/{rid}/deliverables/{auto[0]['deliverable_id']}", "operator1")[0] == 204
    st, public = api.get("/catalog/items/TS-FREE1/files")
    st, link = api.post(f"/catalog/items/TS-FREE1/files/{out['deliverable_id']}/download")
    assert st == 200 and fetch(link["download_url"]) == CSV

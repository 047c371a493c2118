"""End to end through the local stack (issue 19 items 4-6): a walk-in consumer logged by phone alone, whose notices
reach the desk; a microdata application with the agreement version, returned for revision, resubmitted and
approved into billing; a consumer's attachment uploaded to the bucket through the pre-signed form and verified."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def until(fn: Any, timeout_s: float = 40.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.5)
    raise AssertionError(f"timed out: {what}")


def status(http: Any, rid: str, user: str) -> str:
    return http.call("GET", f"/requests/{rid}", user)[1]["status"]


def test_phone_only_walk_in_reaches_the_desk(http: Any) -> None:
    st, r = http.call("POST", "/ops/requests", "operator2", {
        "channel": "walk_in", "consumer": {"name": "Pak Ujang", "phone": "0813 2222 4444"},
        "kind": "consultation", "topic": "data", "subject": "Harga gabah", "question": "Harga gabah Karawang 2024?"})
    assert st == 201, r
    rid = r["request_id"]
    until(lambda: any(n["request_id"] == rid and n["delivery"] == "handover"
                      for n in http.call("GET", "/me/notifications", "operator2")[1]["items"]),
          what="the received notice handed to the desk")


def test_microdata_return_resubmit_approve_and_attach(http: Any) -> None:
    agr = http.call("GET", "/microdata/agreement", None)[1]
    st, page = http.call("GET", "/catalog/search?type=microdata&page_size=3", None)
    item = page["items"][0]
    project = {"title": "Pekerja informal", "institution": "Universitas Gadjah Mada", "purpose": "Skripsi",
               "outputs": "Skripsi"}
    st, r = http.call("POST", "/requests", "consumer1", {
        "kind": "data_order", "items": [{"catalog_id": item["id"]}], "purpose": "Skripsi", "abstract": "Analisis",
        "agreement_version": agr["version"], "project": project})
    assert st == 201, r
    rid = r["request_id"]
    assert r["agreement_version"] == agr["version"]
    until(lambda: status(http, rid, "consumer1") == "awaiting_approval", what="awaiting approval")
    st, r = http.call("POST", f"/ops/requests/{rid}/approval", "operator1",
                      {"decision": "return", "reason": "Sebutkan variabel yang diperlukan."})
    assert st == 200 and r["status"] == "awaiting_consumer", r
    # a scanned letter: pre-signed POST straight to the bucket, then verified
    body = {"filename": "surat.pdf", "content_type": "application/pdf", "size_bytes": len(PDF),
            "sha256": hashlib.sha256(PDF).hexdigest()}
    st, up = http.call("POST", f"/requests/{rid}/attachments", "consumer1", body)
    assert st == 201, up
    resp = requests.post(up["upload"]["url"], data=up["upload"]["fields"], files={"file": ("surat.pdf", PDF)}, timeout=10)
    assert resp.status_code in (200, 201, 204), resp.text
    st, att = http.call("POST", f"/requests/{rid}/attachments/{up['attachment_id']}/verify", "consumer1", {})
    assert st == 200 and att["status"] == "ready", att
    st, staff = http.call("GET", f"/ops/requests/{rid}/attachments", "operator1")
    assert st == 200 and requests.get(staff[0]["download_url"], timeout=10).content == PDF
    st, r = http.call("PUT", f"/requests/{rid}/application", "consumer1", {
        "abstract": "Analisis pekerja informal: umur, pendidikan, lapangan usaha.", "project": project,
        "agreement_version": agr["version"]})
    assert st == 200 and r["status"] == "awaiting_approval", r
    st, r = http.call("POST", f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve", "reason": "ok"})
    assert st == 200, r
    until(lambda: status(http, rid, "consumer1") in ("awaiting_payment", "queued", "assigned"), what="billed")

"""The microdata application (issue 19 item 5): the data-use agreement as versioned text (served; the consumer
accepts a specific version; version and time recorded on the request and quoted on the receipt), project
details, and the review with approve / reject / return for revision with comments, the consumer's
resubmission, and the workflow that keeps waiting on its approval through the return."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit

PROJECT = {"title": "Kemiskinan rumah tangga pesisir", "institution": "Universitas Padjadjaran",
           "purpose": "Tesis magister: determinan kemiskinan rumah tangga nelayan",
           "outputs": "Tesis dan satu artikel jurnal"}


def application(version: str, **over: Any) -> dict[str, Any]:
    return order(["MD-SUS1"], abstract="Analisis kemiskinan rumah tangga nelayan", agreement_version=version,
                 project=PROJECT, **over)


@pytest.fixture
def setup(aws_env):
    standard_catalog()
    put_operator("operator1", quota=10)


def current(api) -> dict[str, Any]:
    st, agr = api.get("/microdata/agreement")
    assert st == 200, agr
    return agr


def test_the_agreement_is_served_and_the_accepted_version_recorded(api, worker, setup):
    agr = current(api)
    assert agr["version"] and "mikrodata" in agr["text"].lower() and len(agr["sha256"]) == 64
    rid = submit(api, application(agr["version"]))
    st, mine = api.get(f"/requests/{rid}", "consumer1")
    assert mine["agreement_version"] == agr["version"] and mine["agreement_accepted_at"]
    assert mine["project"] == PROJECT
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, staff = api.get(f"/ops/requests/{rid}", "operator1")
    assert staff["project"]["title"] == PROJECT["title"] and staff["agreement_version"] == agr["version"]


def test_an_outdated_or_unknown_version_is_refused(api, setup, monkeypatch):
    from chalicelib.requests import agreement

    old = agreement.AGREEMENTS[0]
    newer = agreement.Agreement(version="2026.2", effective_from="2026-06-01", title=old.title, text=old.text + "\n8.")
    monkeypatch.setattr(agreement, "AGREEMENTS", (old, newer))
    agreement._by_version.cache_clear()
    try:
        assert current(api)["version"] == "2026.2"
        st, err = api.post("/requests", "consumer1", application(old.version))
        assert st == 409 and err["error"]["code"] == "agreement_outdated"
        assert err["error"]["details"]["current_version"] == "2026.2"
        st, err = api.post("/requests", "consumer1", application("1999.9"))
        assert st == 400 and err["error"]["code"] == "unknown_agreement_version"
        st, err = api.post("/requests", "consumer1", order(["MD-SUS1"], abstract="Analisis"))
        assert st == 400  # neither a version nor agreement_accepted
    finally:
        agreement._by_version.cache_clear()


def test_return_for_revision_resubmit_approve_and_the_receipt_quotes_the_version(api, worker, setup):
    from pypdf import PdfReader

    version = current(api)["version"]
    rid = submit(api, application(version))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    # a return needs the reviewer's comments
    st, err = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "return"})
    assert st == 400, err
    comment = "Jelaskan variabel yang dipakai dan cara menjaga kerahasiaan responden."
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "return", "reason": comment})
    assert st == 200, r
    assert r["status"] == "awaiting_consumer" and r["review"]["comment"] == comment and r["review"]["revision"] == 1
    # the consumer is told, and sees the comment on the request
    worker.drain()
    notes = api.get("/me/notifications", "consumer1")[1]["items"]
    assert any(n["event"] == "application_returned" and n["request_id"] == rid for n in notes)
    mine = api.get(f"/requests/{rid}", "consumer1")[1]
    assert mine["status"] == "awaiting_consumer" and mine["review"]["comment"] == comment
    # nobody can approve it meanwhile; another consumer cannot resubmit it
    assert api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve"})[0] in (403, 409)
    revised = {"abstract": "Analisis kemiskinan dengan variabel pendapatan dan aset; data disimpan terenkripsi.",
               "project": {**PROJECT, "outputs": "Tesis"}, "agreement_version": version}
    assert api.put(f"/requests/{rid}/application", "consumer2", revised)[0] == 404
    st, again = api.put(f"/requests/{rid}/application", "consumer1", revised)
    assert st == 200, again
    assert again["status"] == "awaiting_approval" and again["abstract"] == revised["abstract"]
    assert again["project"]["outputs"] == "Tesis" and again["review"]["resubmitted_at"]
    assert api.put(f"/requests/{rid}/application", "consumer1", revised)[0] == 409  # not returned any more
    worker.drain()
    notes = api.get("/me/notifications", "operator1")[1]["items"]
    assert any(n["event"] == "application_resubmitted" and n["request_id"] == rid for n in notes)
    # approved: the workflow, waiting on the same approval token throughout, bills it
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "approve", "reason": "lengkap"})
    assert st == 200, r
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment"), status_of(api, rid)
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    assert signed_webhook(api, paid_event(billing))[0] == 200
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    st, pdf = api.call("GET", f"/requests/{rid}/receipt", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200
    raw = pdf.encode("latin-1") if isinstance(pdf, str) else pdf
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(raw)).pages)
    assert "Perjanjian Data" in text and f"Penggunaan Mikrodata versi {version}" in text
    timeline = [t["status"] for t in api.get(f"/requests/{rid}", "consumer1")[1]["timeline"]]
    assert "awaiting_consumer" in timeline


def test_reject_still_closes_and_a_non_microdata_request_cannot_be_returned(api, worker, setup):
    version = current(api)["version"]
    rid = submit(api, application(version))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    st, r = api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "reject", "reason": "Tidak sesuai"})
    assert st == 200 and r["status"] == "rejected"
    zero = submit(api, order(["TS-PAID1"], zero_rupiah_justification="Penelitian mahasiswa"))
    assert worker.run_until(lambda: status_of(api, zero) == "awaiting_approval")
    st, err = api.post(f"/ops/requests/{zero}/approval", "supervisor1", {"decision": "return", "reason": "x"})
    assert st == 409 and err["error"]["code"] == "not_returnable"


def test_an_application_never_resubmitted_expires_with_the_approval_window(api, worker, setup):
    from chalicelib.fulfilment import tasks
    from chalicelib.requests.repository import RequestRepository

    rid = submit(api, application(current(api)["version"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_approval")
    api.post(f"/ops/requests/{rid}/approval", "operator1", {"decision": "return", "reason": "Lengkapi abstraksi"})
    tasks.approval_expired(RequestRepository().get(rid))
    assert status_of(api, rid) == "expired"

"""End-to-end through the local stack (issue 19): a custom request → the operator asks a question → the consumer's
answer resumes it → the operator sends a price quote from the tariff → the consumer accepts → billing (SIMPONI
simulator) → paid at the simulator → back to the operator → uploaded file → delivered and downloadable."""

from __future__ import annotations

import functools
import hashlib
import urllib.request

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e

wait = functools.partial(wait_for, timeout_s=40.0, interval=0.3)


def test_custom_request_quote_accept_pay_deliver(stack, http):
    body = {"kind": "data_order", "items": [], "purpose": "Penelitian disertasi",
            "custom_request": "Jumlah penduduk per kecamatan Kota Medan menurut kelompok umur, 2020-2024"}
    st, req = http.call("POST", "/requests", "consumer1", body)
    assert st == 201 and req["transaction_type"] == "free", req
    rid = req["request_id"]
    detail = wait(lambda: (lambda r: r if r["status"] == "assigned" else None)(
        http.call("GET", f"/requests/{rid}", "consumer1")[1]))
    assert detail, "delegated"
    op = detail["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200

    # a question: the clock pauses; the answer resumes it
    st, r = http.call("POST", f"/ops/requests/{rid}/question", op, {"question": "Kelompok umur lima tahunan?"})
    assert st == 200 and r["status"] == "awaiting_consumer", r
    st, mine = http.call("GET", f"/requests/{rid}", "consumer1")
    assert mine["awaiting"]["kind"] == "question"
    assert http.call("POST", f"/requests/{rid}/messages", "consumer1", {"body": "Ya, lima tahunan."})[0] == 201
    assert http.call("GET", f"/requests/{rid}", "consumer1")[1]["status"] == "in_progress"

    # the quote, from the tariff
    st, tariff = http.call("GET", "/ops/tariff", op)
    assert st == 200
    unit = {i["code"]: i["unit_price_idr"] for i in tariff["items"]}["TAB-KHUSUS"]
    st, r = http.call("POST", f"/ops/requests/{rid}/quote", op,
                      {"lines": [{"code": "TAB-KHUSUS", "quantity": 4}], "note": "Empat tabel"})
    assert st == 200 and r["quote"]["total_idr"] == 4 * unit, r
    st, r = http.call("POST", f"/requests/{rid}/quote/accept", "consumer1", {})
    assert st == 200 and r["status"] == "awaiting_payment", r

    billing = wait(lambda: (lambda x: x[1] if x[0] == 200 else None)(
        http.call("GET", f"/requests/{rid}/billing", "consumer1")))
    assert billing and billing["amount_idr"] == 4 * unit and billing["status"] == "unpaid"
    st, pdf = http.call("GET", f"/requests/{rid}/invoice", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200 and pdf[:4] == b"%PDF"
    from io import BytesIO

    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)
    assert "Tabulasi data khusus" in text  # the quote's line on the invoice
    st, paid = http.call("POST", "/simulate/pay", body={"billing_code": billing["billing_code"]}, base="billing")
    assert st == 200, paid

    # paid: back to the operator who quoted; delivered as today
    back = wait(lambda: (lambda x: x if x["status"] == "assigned" else None)(
        http.call("GET", f"/ops/requests/{rid}", op)[1]))
    assert back and back["assignee"] == op
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    data = b"kecamatan,umur,jumlah\nMedan Kota,0-4,1200\n"
    st, up = http.call("POST", f"/ops/requests/{rid}/deliverables", op, {
        "filename": "penduduk.csv", "content_type": "text/csv", "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})
    assert st == 201, up
    _post_form(up["upload"]["url"], up["upload"]["fields"], data)
    assert wait(lambda: any(d["status"] == "ready" for d in http.call(
        "GET", f"/ops/requests/{rid}/deliverables", op)[1]))
    st, done = http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "terkirim"})
    assert st == 200 and done["status"] == "delivered", done
    st, files = http.call("GET", f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and files and files[0]["filename"] == "penduduk.csv"
    with urllib.request.urlopen(files[0]["download_url"], timeout=10) as resp:
        assert resp.read() == data


def _post_form(url: str, fields: dict[str, str], data: bytes) -> None:
    import requests

    resp = requests.post(url, data=fields, files={"file": ("penduduk.csv", data)}, timeout=10)
    assert resp.status_code in (200, 201, 204), resp.text

"""End-to-end through the local stack (`make dev` on free ports), over HTTP like the portal and the
admin page: every service of SPEC §6 answers; a paid order goes billing → simulated payment (signed
webhook from the simulator) → delegation within seconds; the receipt shows the NTPN."""

from __future__ import annotations

import functools
import io
import time

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e


wait = functools.partial(wait_for, timeout_s=30.0, interval=0.3)


def test_all_services_answer(stack, http):
    assert http.call("GET", "/health")[1]["status"] == "ok"
    assert http.call("GET", "/.well-known/openid-configuration", base="sso")[1]["issuer"] == stack.url["sso"]
    assert http.call("GET", "/health", base="billing")[0] == 200
    st, page = http.call("GET", "/", base="admin")
    assert st == 200
    st, cfg = http.call("GET", "/config.json", base="admin")
    assert cfg["apiUrl"] == stack.url["api"] and cfg["ssoIssuer"] == stack.url["sso"]
    st, _ = http.call("GET", "/moto-api/", base="moto")
    assert st == 200


def test_search_over_seeded_catalog(http):
    st, res = http.call("GET", "/catalog/search?q=penduduk&page_size=5")
    assert st == 200 and res["total"] > 0 and len(res["items"]) <= 5
    assert sum(res["facets"]["type"].values()) == res["total"]
    item = res["items"][0]
    st, detail = http.call("GET", f"/catalog/items/{item['id']}")
    assert st == 200 and detail["title"] == item["title"]


def test_paid_order_payment_and_receipt(stack, http):
    st, res = http.call("GET", "/catalog/search?q=&page_size=100")
    paid = [i for i in res["items"] if i["price_idr"] > 0 and i["type"] != "microdata"]
    assert paid, "the demo catalog has priced items"
    body = {"kind": "data_order", "items": [{"catalog_id": paid[0]["id"]}], "purpose": "Penelitian tesis"}
    st, req = http.call("POST", "/requests", "consumer1", body)
    assert st == 201, req
    rid = req["request_id"]
    billing = wait(lambda: (lambda r: r[1] if r[0] == 200 else None)(
        http.call("GET", f"/requests/{rid}/billing", "consumer1")))
    assert billing and billing["status"] == "unpaid" and billing["amount_idr"] == paid[0]["price_idr"]
    t0 = time.monotonic()
    st, paid_res = http.call("POST", "/simulate/pay", body={"billing_code": billing["billing_code"]}, base="billing")
    assert st == 200, paid_res
    status = wait(lambda: (lambda s: s if s in ("assigned", "queued") else None)(
        http.call("GET", f"/requests/{rid}", "consumer1")[1]["status"]))
    moved_after = time.monotonic() - t0
    assert status in ("assigned", "queued") and moved_after < 15
    st, b = http.call("GET", f"/requests/{rid}/billing", "consumer1")
    assert b["status"] == "paid" and b["ntpn"] == paid_res["ntpn"]
    st, pdf = http.call("GET", f"/requests/{rid}/receipt", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200 and pdf[:4] == b"%PDF"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert paid_res["ntpn"] in text


def test_consultation_answered_and_rated(http):
    st, req = http.call("POST", "/requests", "consumer2", {"kind": "consultation", "topic": "classification",
                                                          "subject": "KBLI 2020", "question": "Kode KBLI kopi?"})
    assert st == 201
    rid = req["request_id"]
    detail = wait(lambda: (lambda r: r if r["status"] == "assigned" else None)(
        http.call("GET", f"/requests/{rid}", "consumer2")[1]))
    assert detail, "delegated to an operator on duty"
    op = detail["assignee"]
    assert http.call("POST", f"/ops/requests/{rid}/start", op, {})[0] == 200
    assert http.call("POST", f"/ops/requests/{rid}/messages", op, {"body": "KBLI 01270 untuk kopi."})[0] == 201
    st, done = http.call("POST", f"/ops/requests/{rid}/complete", op, {"note": "dijawab"})
    assert st == 200 and done["status"] == "delivered"
    st, rated = http.call("POST", f"/requests/{rid}/rating", "consumer2", {"score": 5})
    assert st == 201 and rated["status"] == "completed"
    st, msgs = http.call("GET", f"/requests/{rid}/messages", "consumer2")
    assert [m["body"] for m in msgs] == ["KBLI 01270 untuk kopi."]


def test_cors_preflight_for_admin_origin(stack, http):
    import urllib.request

    req = urllib.request.Request(stack.url["api"] + "/ops/queue", method="OPTIONS",
                                 headers={"Origin": stack.url["admin"], "Access-Control-Request-Method": "GET"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Access-Control-Allow-Origin"] == stack.url["admin"]

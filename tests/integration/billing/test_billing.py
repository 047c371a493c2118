"""Billing and payment (issue 5): SIMPONI adapter in the workflow, signed webhooks, reconciliation, expiry,
invoice and receipt."""

from __future__ import annotations

import io
import time

import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit


@pytest.fixture
def paid_order(api, worker):
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1", "TS-FREE1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment"), status_of(api, rid)
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200, billing
    return rid, billing


def test_billing_issued_and_paid_by_webhook(api, worker, paid_order):
    rid, billing = paid_order
    assert len(billing["billing_code"]) == 15 and billing["billing_code"].isdigit()
    assert billing["amount_idr"] == 150000 and billing["status"] == "unpaid"
    assert billing["payment_instructions"]
    st, req = api.get(f"/requests/{rid}", "consumer1")
    assert req["transaction_type"] == "paid" and req["total_idr"] == 150000
    st, res = signed_webhook(api, paid_event(billing))
    assert st == 200 and res["result"] == "applied", res
    assert worker.run_until(lambda: status_of(api, rid) == "assigned"), status_of(api, rid)
    st, b = api.get(f"/requests/{rid}/billing", "consumer1")
    assert b["status"] == "paid" and b["ntpn"] == "NTPN1234ABCD5678" and b["paid_at"]
    st, pdf = api.call("GET", f"/requests/{rid}/receipt", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.encode("latin-1") if isinstance(pdf, str)
                                                                  else pdf)).pages)
    assert "NTPN1234ABCD5678" in text and billing["billing_code"] in text


def test_webhook_replays_and_duplicates_change_nothing(api, worker, paid_order):
    rid, billing = paid_order
    ev = paid_event(billing)
    assert signed_webhook(api, ev)[1]["result"] == "applied"
    assert signed_webhook(api, ev) == (200, {"result": "duplicate"})
    other = paid_event(billing, ntpn="OTHERNTPN0000001")
    assert signed_webhook(api, other) == (200, {"result": "already_paid"})
    worker.drain()
    st, req = api.get(f"/requests/{rid}", "consumer1")
    notes = [t["note"] for t in req["timeline"]]
    assert sum("pembayaran diterima" in n for n in notes) == 1
    st, b = api.get(f"/requests/{rid}/billing", "consumer1")
    assert b["ntpn"] == "NTPN1234ABCD5678"


@pytest.mark.parametrize("case,expected", [("forged", 401), ("expired", 401), ("malformed_header", 401),
                                           ("missing", 401), ("bad_body", 400), ("unknown_billing", 404)])
def test_webhook_refusals(api, paid_order, case, expected):
    rid, billing = paid_order
    ev = paid_event(billing)
    if case == "forged":
        st, _ = signed_webhook(api, ev, secret="wrong-secret")
    elif case == "expired":
        st, _ = signed_webhook(api, ev, t=int(time.time()) - 301)
    elif case == "malformed_header":
        st, _ = signed_webhook(api, ev, header="v1=abc")
    elif case == "missing":
        st, _ = api.call("POST", "/webhooks/billing", body=b'{"event_id": "x"}')
    elif case == "bad_body":
        st, _ = signed_webhook(api, {"event_id": "e1", "billing_code": "12", "status": "paid"})
    else:
        st, _ = signed_webhook(api, paid_event(billing, billing_code="999999999999999"))
    assert st == expected
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "unpaid"


def test_amount_mismatch_refused_and_flagged(api, paid_order):
    rid, billing = paid_order
    st, body = signed_webhook(api, paid_event(billing, amount_idr=1000))
    assert st == 409 and body["error"]["code"] == "amount_mismatch"
    from chalicelib.billing.models import BillingRecord

    rec = BillingRecord.get(billing["billing_code"])
    assert rec.status == "unpaid" and rec.flagged == "amount_mismatch" and rec.flagged_detail["received_idr"] == 1000


def test_payment_before_token_stored_is_not_lost(api, worker, billing_sim):
    """Out of order: the webhook lands before the workflow's payment wait has stored its token."""
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["MP-PAID2"]))
    # run only until the billing exists, then pay before processing the await_payment task
    from chalicelib.requests.models import RequestRecord

    assert worker.run_until(lambda: bool(RequestRecord.get(rid).billing_code))
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert signed_webhook(api, paid_event(billing))[1]["result"] == "applied"
    assert worker.run_until(lambda: status_of(api, rid) == "assigned", timeout_s=20), status_of(api, rid)


def test_lost_webhook_recovered_by_reconciliation(api, worker, paid_order, billing_sim):
    import json
    import urllib.request

    rid, billing = paid_order
    req = urllib.request.Request(billing_sim.url + "/simulate/pay", method="POST",
                                 data=json.dumps({"billing_code": billing["billing_code"], "send_webhook": False}).encode(),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).read()
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "unpaid"
    from chalicelib.fulfilment import payment as service

    counts = service.reconcile()
    assert counts["applied"] == 1
    assert service.reconcile()["applied"] == 0  # exactly once
    assert worker.run_until(lambda: status_of(api, rid) == "assigned"), status_of(api, rid)
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "paid"


def test_billing_expiry_path(api, worker, monkeypatch):
    monkeypatch.setenv("BILLING_EXPIRY_S", "2")
    from chalicelib.core.config import reset_settings

    reset_settings()
    standard_catalog()
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "expired", timeout_s=20), status_of(api, rid)
    st, req = api.get(f"/requests/{rid}", "consumer1")
    assert req["closed_reason"] == "billing_expired"
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "expired"


def test_consumer_cancels_unpaid_order(api, worker, paid_order):
    rid, billing = paid_order
    st, req = api.post(f"/requests/{rid}/cancel", "consumer1")
    assert st == 200 and req["status"] == "cancelled"
    worker.drain()
    assert api.get(f"/requests/{rid}/billing", "consumer1")[1]["status"] == "expired"
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 409


def test_provider_down_then_recovers(api, worker, billing_sim):
    import json
    import urllib.request

    def faults(body):
        r = urllib.request.Request(billing_sim.url + "/simulate/faults", method="POST", data=json.dumps(body).encode(),
                                   headers={"Content-Type": "application/json"})
        urllib.request.urlopen(r, timeout=5).read()

    standard_catalog()
    faults({"fail_next": 5, "status": 503})  # more than the adapter's retries: the workflow retries later
    rid = submit(api, order(["TS-PAID1"]))
    from chalicelib.requests.models import RequestRecord

    assert worker.run_until(lambda: RequestRecord.get(rid).problem == "billing_unavailable", timeout_s=20)
    assert status_of(api, rid) == "submitted"  # nothing lost, clearly flagged
    st, seen = api.call("GET", f"/requests/{rid}", "consumer1")
    assert st == 200 and seen["billing_delayed"] is True  # the consumer is told, not left waiting silently
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment", timeout_s=30), status_of(api, rid)
    assert RequestRecord.get(rid).problem is None
    assert api.call("GET", f"/requests/{rid}", "consumer1")[1]["billing_delayed"] is False


def test_invoice_pdf(api, paid_order):
    rid, billing = paid_order
    st, pdf = api.call("GET", f"/requests/{rid}/invoice", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 200
    st, body = api.call("GET", f"/requests/{rid}/receipt", "consumer1", headers={"Accept": "application/pdf"})
    assert st == 409  # not paid yet
    assert api.call("GET", f"/requests/{rid}/invoice", "consumer2")[0] == 404

"""Issue 16, the consumer's side: a payment that arrived after the order was cancelled is shown to its payer
through `GET /requests/{id}/billing` (`after_close`): pending with the supervisors' due date, then the outcome
(resumed → the follow-up request; refunded → the refund's date). Staff-only fields (who decided, notes, the
refund's reference, the evidence) never appear; everyone but the owner gets 404, as everywhere."""

from __future__ import annotations

import json
import urllib.request

import pytest

from chalicelib.core.clock import parse_iso
from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, paid_event, signed_webhook, status_of, submit

STAFF_ONLY = ("by", "note", "reference", "evidence", "ntb", "event", "source", "work_item", "item_id")


def _sim_pay_in_flight(billing_sim, code):
    req = urllib.request.Request(billing_sim.url + "/simulate/pay", method="POST",
                                 data=json.dumps({"billing_code": code, "send_webhook": False,
                                                  "in_flight": True}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


@pytest.fixture
def late(api, worker, billing_sim):
    """An order cancelled before payment, then paid at the bank anyway (the work item is opened)."""
    standard_catalog()
    put_operator("operator1")
    rid = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment"), status_of(api, rid)
    billing = api.get(f"/requests/{rid}/billing", "consumer1")[1]
    assert billing["after_close"] is None and billing["closed_reason"] is None
    assert api.post(f"/requests/{rid}/cancel", "consumer1")[0] == 200
    paid = _sim_pay_in_flight(billing_sim, billing["billing_code"])
    st, res = signed_webhook(api, paid_event(billing, ntpn=paid["ntpn"], paid_at=paid["paid_at"]))
    assert (st, res) == (200, {"result": "paid_after_close"})
    worker.drain()
    [item] = api.get("/ops/payments/work-items", "supervisor1")[1]["items"]
    return rid, billing, item


def _no_staff_fields(after_close):
    assert not set(after_close) & set(STAFF_ONLY), after_close


def test_the_payer_sees_a_payment_after_close_pending_with_its_due_date(api, late):
    rid, billing, item = late
    st, b = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200, b
    assert b["status"] == "paid" and b["closed_reason"] == "cancelled" and b["ntpn"]
    ac = b["after_close"]
    _no_staff_fields(ac)
    assert ac["state"] == "pending" and ac["received_at"] == item["created_at"]
    assert ac["decided_at"] is None and ac["follow_up_request_id"] is None and ac["refunded_at"] is None
    # three working days (LATE_PAYMENT_DECISION_DAYS) after it was recorded: later, never more than a fortnight
    gap = parse_iso(ac["decide_by"]) - parse_iso(ac["received_at"])
    assert 3 <= gap.days <= 14, ac
    # the request itself says it was paid while closed
    req = api.get(f"/requests/{rid}", "consumer1")[1]
    assert req["status"] == "cancelled" and req["paid_at"]
    # object-level access: nobody else's billing, whatever the role
    for other in ("consumer2", "operator1"):
        assert api.get(f"/requests/{rid}/billing", other)[0] in (403, 404)
    assert api.get(f"/requests/{rid}/billing", "consumer2")[0] == 404
    # staff's route keeps its own shape (the work item is theirs)
    assert api.get(f"/ops/requests/{rid}/billing", "supervisor1")[1]["after_close"] is None


def test_a_resumed_payment_points_the_payer_to_the_follow_up_request(api, worker, late):
    rid, _billing, item = late
    st, done = api.post(f"/ops/payments/work-items/{item['item_id']}/resume", "supervisor1",
                        {"note": "internal: consumer called the desk"})
    assert st == 200, done
    follow = done["resolution"]["follow_up"]
    ac = api.get(f"/requests/{rid}/billing", "consumer1")[1]["after_close"]
    _no_staff_fields(ac)
    assert ac["state"] == "resumed" and ac["follow_up_request_id"] == follow and ac["decided_at"]
    assert "internal" not in json.dumps(ac)
    # the follow-up is the consumer's own request, already paid, pointing back; its billing is not "after close"
    st, f = api.get(f"/requests/{follow}", "consumer1")
    assert st == 200 and f["about_request_id"] == rid and f["paid_at"]
    assert api.get(f"/requests/{follow}/billing", "consumer1")[1]["after_close"] is None
    assert api.get(f"/requests/{follow}", "consumer2")[0] == 404


def test_a_refunded_payment_shows_the_refund_date_but_not_its_reference(api, late):
    rid, _billing, item = late
    st, done = api.post(f"/ops/payments/work-items/{item['item_id']}/refund", "supervisor1",
                        {"reference": "SPM-2026-0077", "note": "via KPPN", "refunded_at": "2026-12-01T09:00:00+07:00"})
    assert st == 200, done
    ac = api.get(f"/requests/{rid}/billing", "consumer1")[1]["after_close"]
    _no_staff_fields(ac)
    assert ac["state"] == "refunded" and ac["follow_up_request_id"] is None
    assert parse_iso(ac["refunded_at"]) == parse_iso("2026-12-01T09:00:00+07:00")
    assert "SPM-2026-0077" not in json.dumps(ac) and "supervisor1" not in json.dumps(ac)

"""The automatic delivery's pure rules (issue 19 §1): when an order is cleared for delivery without an operator,
and which transitions to `delivered` that path (and only that path) may take."""

from __future__ import annotations

import pytest

from chalicelib.fulfilment.autodeliver import FROM, cleared
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import Approval, RequestRecord


def order(**kw):
    base = {"request_id": "R1", "kind": "data_order", "status": lc.SUBMITTED, "consumer_id": "consumer1",
            "created_by": "consumer1", "created_at": "2026-12-01T02:00:00+00:00",
            "updated_at": "2026-12-01T02:00:00+00:00", "due_sort": "x", "transaction_type": "free"}
    return RequestRecord(**{**base, **kw})


def approve(decision="approve"):
    return Approval(decision=decision, by="supervisor1", at="2026-12-01T03:00:00+00:00")


@pytest.mark.parametrize("rec,ok", [
    (order(), True),
    (order(transaction_type="paid", needs_billing=True), False),
    (order(transaction_type="paid", needs_billing=True, paid_at="2026-12-01T04:00:00+00:00"), True),
    (order(transaction_type="zero_rupiah", needs_approval=True), False),
    (order(transaction_type="zero_rupiah", needs_approval=True, approval=approve("reject")), False),
    (order(transaction_type="zero_rupiah", needs_approval=True, approval=approve()), True),
    (order(transaction_type="paid", needs_approval=True, needs_billing=True, approval=approve()), False),
    (order(transaction_type="paid", needs_approval=True, needs_billing=True, approval=approve(),
           paid_at="2026-12-01T04:00:00+00:00"), True),
])
def test_an_order_is_cleared_once_approved_and_paid_as_it_needs(rec, ok):
    assert cleared(rec) is ok


def test_delivered_is_reachable_without_an_operator_only_from_before_assignment():
    assert {s for s in lc.STATUSES if lc.can(s, lc.DELIVERED)} == set(FROM) | {lc.IN_PROGRESS}
    for s in (lc.ASSIGNED, lc.ESCALATED, lc.CANCELLED, lc.EXPIRED, lc.REJECTED):
        assert not lc.can(s, lc.DELIVERED)

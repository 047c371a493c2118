"""Bad input is a 400, never a 500 (SPEC §4), for whole classes of input: bodies that nest too deeply,
malformed or tampered cursors, and dates/timestamps at the edges of the calendar in every date field."""

from __future__ import annotations

from urllib.parse import quote

import pytest

EDGE_TIMESTAMPS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59+00:00",
                   "0001-01-01T00:00:00Z", "2026-02-30T00:00:00+07:00"]
NAIVE = "2026-03-02T08:00:00"  # body timestamps carry an offset (report periods read a naive one as WIB)
EDGE_DAYS = ["0001-01-01", "9999-12-31", "2026-13-01", "1969-12-31"]


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, ("{\"a\":" * 3000 + "1" + "}" * 3000).encode(),
                                  b"[" * 40 + b"]" * 40])
@pytest.mark.parametrize("method,path,user", [("POST", "/requests", "consumer1"), ("PUT", "/me", "consumer1"),
                                              ("POST", "/ops/requests", "operator1")])
def test_deeply_nested_bodies_are_400(api, method, path, user, body):
    st, err = api.call(method, path, user, body=body)
    assert st == 400, (st, err)
    assert err["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("cursor", ["x", "!!!", "eyJ9", "e30", "eyJhIjoxfQ", "W10", "bnVsbA", "A" * 100, "%00"])
@pytest.mark.parametrize("path,user", [("/requests", "consumer1"), ("/ops/requests", "supervisor1"),
                                       ("/me/notifications", "consumer1"), ("/ops/forum/threads", "operator1"),
                                       ("/ops/escalations", "supervisor1"), ("/ops/faq", "supervisor1")])
def test_tampered_cursors_are_400(api, path, user, cursor):
    st, err = api.get(f"{path}?cursor={cursor}", user)
    assert st == 400, (st, err)


@pytest.mark.parametrize("value", EDGE_TIMESTAMPS + EDGE_DAYS)
@pytest.mark.parametrize("template", [
    "/ops/requests?due_before={v}", "/ops/reports/summary?from={v}&to={v}", "/ops/reports/summary?from=2026-01-01&to={v}",
    "/ops/reports/ledger.csv?from={v}&to=2026-12-31", "/ops/roster?from={v}&to={v}", "/ops/roster?from=2026-01-01&to={v}",
])
def test_edge_dates_in_queries_are_400(api, template, value):
    st, err = api.get(template.format(v=quote(value)), "supervisor1")
    assert st == 400, (template, value, st, err)


@pytest.mark.parametrize("value", EDGE_DAYS)
def test_edge_days_in_the_release_calendar_are_400(api, value):
    assert api.get(f"/catalog/releases?from={quote(value)}&to={quote(value)}")[0] == 400


@pytest.mark.parametrize("value", [*EDGE_TIMESTAMPS, NAIVE])
def test_edge_timestamps_in_bodies_are_400(api, value):
    st, _ = api.put("/ops/roster", "supervisor1", {"shifts": [{"operator_id": "operator1", "start": value,
                                                             "end": "2026-03-02T16:00:00+07:00"}]})
    assert st == 400
    st, _ = api.put("/ops/roster", "supervisor1", {"shifts": [], "days": ["9999-12-31"]})
    assert st == 400
    st, _ = api.patch("/ops/requests/R-nonexistent", "supervisor1", {"due_at": value})
    assert st == 400


@pytest.mark.parametrize("value", [*EDGE_TIMESTAMPS, NAIVE])
def test_edge_paid_at_in_the_webhook_is_400(api, value):
    from tests.integration.helpers import signed_webhook

    st, err = signed_webhook(api, {"event_id": "evt-edge", "billing_code": "123456789012345", "status": "paid",
                                   "amount_idr": 1000, "paid_at": value, "ntpn": "NTPN1234ABCD5678"})
    assert st == 400, (st, err)


def test_valid_dates_still_work(api):
    assert api.get("/ops/requests?due_before=2026-03-02T08:00:00%2B07:00", "supervisor1")[0] == 200
    assert api.get("/ops/reports/summary?from=2026-03-01&to=2026-03-31", "supervisor1")[0] == 200
    assert api.get("/ops/roster?from=2026-03-02&to=2026-03-08", "supervisor1")[0] == 200
    assert api.get("/catalog/releases?from=2026-03-01&to=2026-03-31")[0] == 200


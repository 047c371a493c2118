"""Abuse limits (SPEC §4 429): a cap on a consumer's open requests and per-user rate limits on creating
requests, complaints and messages, answered with `Retry-After` in the SPEC §4 error shape."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import submit

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Mohon data inflasi 2025"}


def _call(api, path, user, body):
    resp = api.client.http.post(path, headers=api.tokens.headers(user), body=json.dumps(body))
    return resp.status_code, json.loads(resp.body), resp.headers


def test_open_requests_are_capped_per_consumer(api, monkeypatch):
    monkeypatch.setenv("MAX_OPEN_REQUESTS", "3")
    monkeypatch.setenv("RATE_LIMITS", "create_consultation=0/60")  # only the cap is under test here
    from chalicelib.core.config import reset_settings

    reset_settings()
    ids = [submit(api, CONSULT) for _ in range(3)]
    st, err, headers = _call(api, "/requests", "consumer1", CONSULT)
    assert st == 429, err
    assert err["error"]["code"] == "too_many_open_requests"
    assert err["error"]["details"]["max_open_requests"] == 3 and int(headers["Retry-After"]) > 0
    assert submit(api, CONSULT, user="consumer2")  # another consumer is not affected
    assert api.post(f"/requests/{ids[0]}/cancel", "consumer1")[0] == 200  # closing one frees a place
    assert submit(api, CONSULT)


def test_creating_requests_is_rate_limited_with_retry_after(api, monkeypatch, frozen):
    monkeypatch.setenv("RATE_LIMITS", "create_consultation=2/3600,create_complaint=1/3600")
    from chalicelib.core.config import reset_settings

    reset_settings()
    submit(api, CONSULT)
    submit(api, CONSULT)
    st, err, headers = _call(api, "/requests", "consumer1", CONSULT)
    assert st == 429 and err["error"]["code"] == "too_many_requests", err
    retry = int(headers["Retry-After"])
    assert 0 < retry <= 3600 and err["error"]["details"]["retry_after_s"] == retry
    complaint = {"kind": "complaint", "message": "Layanan lambat sekali"}
    assert _call(api, "/requests", "consumer1", complaint)[0] == 201  # its own limit
    assert _call(api, "/requests", "consumer1", complaint)[0] == 429
    assert _call(api, "/requests", "consumer2", CONSULT)[0] == 201  # per user
    frozen.advance(seconds=retry)  # the next window
    assert _call(api, "/requests", "consumer1", CONSULT)[0] == 201


def test_messages_are_rate_limited(api, monkeypatch):
    monkeypatch.setenv("RATE_LIMITS", "post_message=2/600")
    from chalicelib.core.config import reset_settings

    reset_settings()
    rid = submit(api, CONSULT)
    for _ in range(2):
        assert api.post(f"/requests/{rid}/messages", "consumer1", {"body": "Apakah ada kabar?"})[0] == 201
    st, err, headers = _call(api, f"/requests/{rid}/messages", "consumer1", {"body": "Halo?"})
    assert st == 429 and "Retry-After" in headers, err


def test_limits_are_documented_in_openapi(api):
    doc = api.get("/openapi.json")[1]
    assert "429" in doc["paths"]["/requests"]["post"]["responses"]
    assert "429" in doc["paths"]["/requests/{request_id}/messages"]["post"]["responses"]
    assert "429" not in doc["paths"]["/requests"]["get"]["responses"]


@pytest.mark.parametrize("spec,expected", [("a=10/3600", {"a": (10, 3600)}), ("a=0/1, b=3/60", {"a": (0, 1), "b": (3, 60)}),
                                           ("", {})])
def test_limit_specs_parse(spec, expected):
    from chalicelib.core import ratelimit

    assert ratelimit.parse(spec) == expected

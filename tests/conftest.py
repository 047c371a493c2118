"""Shared fixtures: an in-process AWS (moto, executing Step Functions) provisioned from infra/, a real
local OIDC issuer and billing simulator on loopback, the Chalice test client, and the worker that
drives SQS/schedule handlers like AWS would."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_REGION": "ap-southeast-3",
    "STAGE": "test",
    "PREFIX": "silastik-test",
    "BILLING_WEBHOOK_SECRET": "test-webhook-secret",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_DEV": "false",
    "RECONCILE_AFTER_S": "0",
    # abuse limits off for the suite (storms and flows open many requests as one user);
    # tests/integration/test_abuse_limits.py switches them on
    "MAX_OPEN_REQUESTS": "0",
    "RATE_LIMITS": "create_consultation=0/1,create_data_order=0/1,create_complaint=0/1,post_message=0/1",
}

for _k, _v in TEST_ENV.items():
    os.environ[_k] = _v
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


def _serialize_moto_backend() -> None:
    """moto's in-process backends are not thread-safe (dicts mutate during iteration). A real AWS service
    serialises each API call per item; we do the same, per call, with one lock — our own code still runs
    concurrently between calls, which is what the concurrency tests are about."""
    import threading

    from moto.core.botocore_stubber import BotocoreStubber

    if getattr(BotocoreStubber, "_silastik_locked", False):
        return
    lock = threading.RLock()
    original = BotocoreStubber.__call__

    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(self, *args, **kwargs)

    BotocoreStubber.__call__ = locked  # type: ignore[method-assign]
    BotocoreStubber._silastik_locked = True  # type: ignore[attr-defined]


_serialize_moto_backend()


@pytest.fixture(scope="session")
def sso() -> Iterator[Any]:
    from local.sso import serve_in_thread

    server, _thread = serve_in_thread(host="127.0.0.1", port=0, log_requests=False)
    os.environ["OIDC_ISSUER"] = server.issuer
    yield server
    server.stop()


@pytest.fixture(scope="session")
def billing_sim() -> Iterator[Any]:
    from local.billing_sim import serve_in_thread

    server, _thread = serve_in_thread(host="127.0.0.1", port=0, webhook_url=None,
                                      secret=TEST_ENV["BILLING_WEBHOOK_SECRET"], log_requests=False)
    os.environ["BILLING_BASE_URL"] = server.url
    yield server
    server.stop()


def _reset_caches() -> None:
    from chalicelib.catalog import service as catalog_service
    from chalicelib.core import auth, aws, queues
    from chalicelib.core.config import reset_settings

    reset_settings()
    aws.reset_clients()
    queues.reset()
    auth.reset_verifier()
    catalog_service.reset()
    from chalicelib.billing import service as billing_service

    billing_service._provider.cache_clear()
    from chalicelib.faq import service as faq_service

    faq_service.invalidate()
    from chalicelib.escalation import service as escalation_service

    escalation_service.forget_units()  # the unit list is cached per container (units managed by admins)
    from chalicelib.delivery import cdn

    cdn.reset()


@pytest.fixture
def aws_env(sso: Any, billing_sim: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[dict[str, str]]:
    """A fresh, fully provisioned in-process AWS for one test."""
    import boto3
    from moto import mock_aws

    from local.provision import provision

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = provision(prefix=TEST_ENV["PREFIX"], region="ap-southeast-3", session=boto3.session.Session(),
                        asl_overrides={"States.CreateBilling.Retry.0.IntervalSeconds": 1})
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.setenv("SEARCH_LOCAL_ROOT", str(tmp_path / "search"))
        _reset_caches()
        from chalicelib.core import clock

        clock.set_clock(None)
        yield env
        clock.set_clock(None)
    _reset_caches()


@pytest.fixture
def client(aws_env: dict[str, str]) -> Iterator[Any]:
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app, stage_name="test") as c:
        yield c


@pytest.fixture
def worker(client: Any, aws_env: dict[str, str]) -> Any:
    import boto3

    import app as app_module
    from local.worker import QUEUE_HANDLERS, Worker

    urls = {name: aws_env[f"{name.upper()}_QUEUE_URL"] for name in QUEUE_HANDLERS
            if f"{name.upper()}_QUEUE_URL" in aws_env and hasattr(app_module, QUEUE_HANDLERS[name])}

    def invoke(name: str, event: dict[str, Any]) -> Any:
        return client.lambda_.invoke(name, event).payload

    return Worker(boto3.client("sqs", region_name="ap-southeast-3"), urls, invoke)


# --- tokens ----------------------------------------------------------------------------------------------
class Tokens:
    def __init__(self, server: Any) -> None:
        self.server = server
        self._cache: dict[str, str] = {}

    def __call__(self, user: str) -> str:
        if user not in self._cache:
            import urllib.parse
            import urllib.request

            data = urllib.parse.urlencode({"grant_type": "password", "username": user, "password": "demo"}).encode()
            with urllib.request.urlopen(f"{self.server.url}/token", data=data, timeout=5) as resp:
                self._cache[user] = json.loads(resp.read())["access_token"]
        return self._cache[user]

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self(user)}", "Content-Type": "application/json", **extra}


@pytest.fixture(scope="session")
def tokens(sso: Any) -> Tokens:
    return Tokens(sso)


class Api:
    """Small JSON helper over chalice.test.Client."""

    def __init__(self, client: Any, tokens: Tokens) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, method: str, path: str, user: str | None = None, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        h = dict(headers or {})
        h.setdefault("Content-Type", "application/json")
        if user:
            h["Authorization"] = f"Bearer {self.tokens(user)}"
        raw = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
        resp = getattr(self.client.http, method.lower())(path, headers=h, body=raw)
        try:
            data = json.loads(resp.body) if resp.body else None
        except ValueError:
            data = resp.body
        return resp.status_code, data

    def get(self, path: str, user: str | None = None, **kw: Any) -> tuple[int, Any]:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: str | None = None, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("POST", path, user, body if body is not None else {}, **kw)

    def put(self, path: str, user: str | None = None, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("PUT", path, user, body, **kw)

    def patch(self, path: str, user: str | None = None, body: Any = None, **kw: Any) -> tuple[int, Any]:
        return self.call("PATCH", path, user, body, **kw)


@pytest.fixture
def api(client: Any, tokens: Tokens) -> Api:
    return Api(client, tokens)


def wait_for(predicate: Any, timeout_s: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; returns that value (or the last, falsy one on timeout)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def frozen(aws_env: dict[str, str]) -> Any:
    """The injectable clock frozen at 09:00 WIB on a future all-working Monday."""
    from chalicelib.core import clock
    from chalicelib.core.clock import FrozenClock
    from tests.factories import future_monday

    fc = FrozenClock(future_monday())
    clock.set_clock(fc)
    return fc

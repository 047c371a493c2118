"""End-to-end fixtures: the whole local stack (`make dev`) on free ports, driven over HTTP."""

from __future__ import annotations

import json
import os
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def forget_in_process_clients() -> None:
    """Stack.start() provisions and seeds its stack from this process (settings, boto3 clients, the DynamoDB client
    every PynamoDB model shares). Several stacks run in one pytest process — the end-to-end suite's, the browser
    suite's, the fresh one of test_onboarding.py, in whatever order pytest-xdist hands their files to a worker —
    so before a stack starts and after it stops, nothing cached may still point at another one: without this, a
    stack started second was seeded into the first one's moto."""
    from pynamodb.models import Model

    from chalicelib.core import db
    from tests.conftest import _reset_caches

    _reset_caches()
    db._clients.clear()
    db.botocore_session.cache_clear()
    todo = list(Model.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        cls._connection = None
    # repositories that keep their own transaction connection (the staff directory's TransactWrite)
    from chalicelib.staff import repository as staff_repository

    if hasattr(staff_repository, "DynamoStaffRepository"):
        staff_repository.DynamoStaffRepository._connection = None


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from local.devstack import Stack

    saved = dict(os.environ)
    forget_in_process_clients()
    ports = {name: free_port() for name in ("moto", "sso", "billing", "api", "admin", "portal", "cdn")}
    st = Stack(catalog_items=int(os.environ.get("E2E_CATALOG_ITEMS", "400")), quiet=True, ports=ports,
               state_dir=tmp_path_factory.mktemp("devstack"), tick_seconds=2)
    try:
        st.start()
        yield st
    finally:
        st.stop()
        os.environ.clear()
        os.environ.update(saved)
        forget_in_process_clients()


class Http:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            data = urllib.parse.urlencode({"grant_type": "password", "username": user, "password": "demo"}).encode()
            with urllib.request.urlopen(self.stack.url["sso"] + "/token", data=data, timeout=10) as r:
                self.tokens[user] = json.loads(r.read())["access_token"]
        return self.tokens[user]

    def call(self, method: str, path: str, user: str | None = None, body: Any = None, base: str = "api",
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        h = {"Content-Type": "application/json", **(headers or {})}
        if user:
            h["Authorization"] = f"Bearer {self.token(user)}"
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.stack.url[base] + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                status = r.status
                ctype = r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raw, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
        if "json" in ctype and raw:
            return status, json.loads(raw)
        return status, raw


@pytest.fixture(scope="session")
def http(stack: Any) -> Http:
    return Http(stack)

"""PynamoDB glue: table names resolved lazily from settings (never at import time), and one botocore session
and DynamoDB client shared by every model."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.expressions.condition import Condition


class LazyMeta:
    """Model `Meta` whose table name comes from the configured prefix at first use."""

    billing_mode = "PAY_PER_REQUEST"

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def table_name(self) -> str:
        from chalicelib.core.config import get_settings

        return get_settings().table(self._name)


def meta(name: str) -> Any:
    return LazyMeta(name)


def index_meta(name: str) -> Any:
    """`Meta` of a global secondary index projecting all attributes."""
    from pynamodb.indexes import AllProjection

    class IndexMeta:
        index_name = name
        projection = AllProjection()

    return IndexMeta


class IsoDateTimeAttribute(UnicodeAttribute):
    """Stores an ISO-8601 UTC string; sortable, readable in the console, usable as a GSI range key."""


def and_all(*conditions: Condition | None) -> Condition | None:
    out = None
    for c in conditions:
        if c is None:
            continue
        out = c if out is None else out & c
    return out


# --- one DynamoDB client for every model ----------------------------------------------------------------------
# PynamoDB gives each model class its own Connection, and each Connection creates its own botocore session (so
# loads the service model and endpoint data again) and its own client: 35-75 ms on the first use of every table
# in a container, and a cold request touching five tables paid ~290 ms before its first call. All models share
# the same settings, so they share one session and one client per configuration (clients are thread-safe;
# their creation is not, hence the lock). `bench/bench_cold_start.py` measures it
# (dynamodb_first_use_5_models_ms).
_clients_lock = threading.Lock()
_clients: dict[tuple[Any, ...], Any] = {}


@cache
def botocore_session() -> Any:
    from botocore.session import get_session

    return get_session()


def _usable(client: Any) -> bool:
    # PynamoDB's own rule: a client that cached empty credentials (metadata service hiccup) is replaced
    signer = getattr(client, "_request_signer", None)
    return client is not None and not (signer is not None and not signer._credentials)


def share_dynamodb_clients() -> None:
    """Make every PynamoDB Connection use the shared session and a shared client (idempotent, no AWS call)."""
    from pynamodb.connection import base

    if getattr(base.Connection, "_silastik_shared", False):
        return
    create = base.Connection.client.fget
    own_session = base.Connection.session.fget

    def session(self: Any) -> Any:
        return own_session(self) if self._aws_access_key_id else botocore_session()

    def client(self: Any) -> Any:
        if _usable(self._client) or self._aws_access_key_id:  # explicit keys: PynamoDB's own per-model client
            return create(self)
        key = (self.region, self.host, self._connect_timeout_seconds, self._read_timeout_seconds,
               self._max_retry_attempts_exception, repr(self._retry_configuration), self._max_pool_connections,
               tuple(sorted((self._extra_headers or {}).items())))
        with _clients_lock:
            shared = _clients.get(key)
            if not _usable(shared):
                self._client = None
                shared = _clients[key] = create(self)
        self._client = shared
        return shared

    base.Connection.session = property(session)  # type: ignore[method-assign]
    base.Connection.client = property(client)  # type: ignore[method-assign]
    base.Connection._silastik_shared = True  # type: ignore[attr-defined]


share_dynamodb_clients()

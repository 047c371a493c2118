"""PynamoDB glue: table names resolved lazily from settings (never at import time), and one botocore session
and DynamoDB client shared by every model."""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.core.aws import botocore_session, creation_lock


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


# --- transactions ---------------------------------------------------------------------------------------------
_connection: Any = None


def connection() -> Any:
    """The PynamoDB connection TransactWrite uses (one per container)."""
    from pynamodb.connection import Connection

    global _connection
    if _connection is None:
        _connection = Connection()
    return _connection


def batch_get(reads: list[tuple[Any, list[Any], bool]]) -> dict[Any, list[Any]]:
    """Items of several tables in ONE BatchGetItem (more calls only past 100 keys or for unprocessed keys):
    `reads` = [(Model class, hash keys, consistent)]; returns {Model class: the items found}. For a use case
    that needs a few items of different tables before its transaction (e.g. a staff change: the entry, the
    operator record and the unit memberships)."""
    import time

    out: dict[Any, list[Any]] = {cls: [] for cls, _, _ in reads}
    by_table: dict[str, tuple[Any, bool]] = {}
    pending: list[tuple[str, dict[str, Any]]] = []
    for cls, keys, consistent in reads:
        table = cls.Meta.table_name
        by_table[table] = (cls, consistent)
        attr = cls._hash_key_attribute()
        pending += [(table, {attr.attr_name: {attr.attr_type: attr.serialize(k)}}) for k in dict.fromkeys(keys)]
    client = connection().client
    delay = 0.05
    while pending:
        chunk, pending = pending[:100], pending[100:]
        request: dict[str, Any] = {}
        for table, key in chunk:
            request.setdefault(table, {"Keys": [], "ConsistentRead": by_table[table][1]})["Keys"].append(key)
        resp = client.batch_get_item(RequestItems=request)
        for table, items in resp.get("Responses", {}).items():
            out[by_table[table][0]] += [by_table[table][0].from_raw_data(i) for i in items]
        left = [(t, k) for t, r in (resp.get("UnprocessedKeys") or {}).items() for k in r.get("Keys", [])]
        if left:
            time.sleep(delay)
            delay = min(1.0, delay * 2)
        pending = left + pending
    return out


# --- page cursors --------------------------------------------------------------------------------------------
def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    from chalicelib.core.errors import BadRequest as _bad_request

    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad_request("invalid cursor") from exc
    if not isinstance(value, dict) or len(json.dumps(value)) > 1024:
        raise _bad_request("invalid cursor")
    return value



# --- one DynamoDB client for every model ----------------------------------------------------------------------
# PynamoDB gives each model class its own Connection, and each Connection creates its own botocore session (so
# loads the service model and endpoint data again) and its own client: 35-75 ms on the first use of every table
# in a container, and a cold request touching five tables paid ~290 ms before its first call. All models share
# the same settings, so they share one session (the container's, `chalicelib.core.aws.botocore_session`, which
# boto3's clients use too) and one client per configuration (clients are thread-safe; their creation is not,
# hence the lock). `bench/bench_cold_start.py` measures it (dynamodb_first_use_5_models_ms).
_clients: dict[tuple[Any, ...], Any] = {}


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
        with creation_lock:
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

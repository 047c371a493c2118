"""Lazily created, cached AWS clients. Nothing is created at import time; tests reset the cache.

Every client of the container (boto3's here, PynamoDB's through :mod:`chalicelib.core.db`) comes from one
botocore session: a session loads the endpoint data (``endpoints.json``, 1.25 MB of JSON), the partitions, the
SDK defaults, the list of known services and the credential chain once, and every later client reuses them. A
boto3 client from a session of its own paid all of that again: the S3 client of a cold search after the
DynamoDB client cost ~2.7x as much CPU (146 -> 54 ms, ``bench/bench_first_request.py``'s method). Client
creation is not thread-safe, so it happens under :data:`creation_lock` (clients themselves are).
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

creation_lock = threading.RLock()


@cache
def botocore_session() -> Any:
    """The container's one botocore session (endpoint data, service models and credentials loaded once)."""
    from botocore.session import get_session

    with creation_lock:
        return get_session()


@cache
def _session() -> Any:
    import boto3

    with creation_lock:
        return boto3.session.Session(botocore_session=botocore_session())


@cache
def client(service: str) -> Any:
    from botocore.config import Config

    from chalicelib.core.config import get_settings

    with creation_lock:
        return _session().client(
            service,
            region_name=get_settings().region,
            config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10),
        )


def reset_clients() -> None:
    client.cache_clear()
    _session.cache_clear()
    botocore_session.cache_clear()

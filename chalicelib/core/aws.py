"""Lazily created, cached boto3 clients. Nothing is created at import time; tests reset the cache."""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


@cache
def client(service: str) -> Any:
    from botocore.config import Config

    from chalicelib.core.config import get_settings

    with _lock:
        return _session().client(
            service,
            region_name=get_settings().region,
            config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10),
        )


def reset_clients() -> None:
    client.cache_clear()
    _session.cache_clear()

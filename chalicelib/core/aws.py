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
        session = get_session()
        session.register_component("data_loader", quick_loader(session.get_config_variable("data_path")))
        return session


class _Services:
    """The services that have data of one type, as botocore's loader answers `list_available_services`: here
    `name in services` looks in that service's own directory only. botocore lists every one of its ~450
    service directories (~2,700 stat calls) to check the one name a client is created for, once per data type:
    ~30 ms of a cold request's first client (``bench/bench_first_request.py``). Iterating lists them all."""

    def __init__(self, loader: Any, type_name: str) -> None:
        self._loader, self._type = loader, type_name

    def __contains__(self, name: object) -> bool:
        from botocore.exceptions import DataNotFoundError

        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            return False
        try:
            return bool(self._loader.list_api_versions(name, self._type))
        except DataNotFoundError:
            return False

    def _all(self) -> list[str]:
        from botocore.loaders import Loader

        return list(Loader.list_available_services(self._loader, self._type))

    def __iter__(self) -> Any:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def quick_loader(data_path: str | None) -> Any:
    """botocore's own data loader for the session's data path (`botocore.loaders.create_loader`: AWS_DATA_PATH
    first), answering `list_available_services` with :class:`_Services`."""
    from botocore.loaders import create_loader

    loader = create_loader(data_path)
    loader.list_available_services = lambda type_name: _Services(loader, type_name)
    return loader


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


#: the codes S3 answers for a key (or a version of it) that is not there
NOT_FOUND = ("404", "NoSuchKey", "NoSuchVersion", "NotFound")


def error_code(exc: BaseException) -> str:
    """An AWS error's code (a botocore ClientError's ``Error.Code``; never its message), else "". Read from the
    exception's ``response`` without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code") or "")


def not_found(exc: BaseException) -> bool:
    """Whether an S3 call failed because the object (or its version) does not exist."""
    return error_code(exc) in NOT_FOUND

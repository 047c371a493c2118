"""The local AWS endpoint: moto's server, applying one API call at a time.

DynamoDB evaluates each conditional write and each TransactWriteItems atomically; moto's in-memory backends
do not when calls arrive on several threads at once (two transactions can both pass their conditions: seen
as a payment applied twice in `make stress`). The code relies on those guarantees, so the local stack must
keep them: every DynamoDB call takes one lock, as `tests/conftest.py` does for in-process moto.

    python -m local.moto_server -H 127.0.0.1 -p 5000
"""

from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any


class Serialized:
    """WSGI middleware: DynamoDB calls go through `app` one at a time (the response body produced inside).
    Other services stay concurrent: moto's Step Functions executions call back into SQS while a client
    waits, and only DynamoDB promises atomic conditional writes."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.RLock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - exercised by make dev and the e2e tests
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description="moto server with serialized API calls")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    # moto's Step Functions executions call the other services through this server: tell them its port
    os.environ["MOTO_PORT"] = str(args.port)
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, Serialized(app), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()

"""The tests' in-process stack, for benchmarks run outside pytest: moto (provisioned from infra/, executing
Step Functions), the local OIDC issuer and billing simulator on loopback, the Chalice test client, the JSON
helper `Api` and the queue `Worker` — exactly what the `aws_env`, `client`, `api` and `worker` fixtures of
tests/conftest.py build (importing tests.conftest also sets the test environment and the moto call lock)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Stack:
    env: dict[str, str]
    client: Any
    api: Any
    worker: Any
    tokens: Any


@contextlib.contextmanager
def local_stack(execute_state_machine: bool = True, extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    import boto3
    from chalice.test import Client
    from moto import mock_aws

    from local.billing_sim import serve_in_thread as billing_serve
    from local.provision import provision
    from local.sso import serve_in_thread as sso_serve
    from local.worker import QUEUE_HANDLERS, Worker
    from tests import conftest  # noqa: F401 - sets TEST_ENV, serialises moto calls

    sso, _ = sso_serve(host="127.0.0.1", port=0, log_requests=False)
    sim, _ = billing_serve(host="127.0.0.1", port=0, webhook_url=None,
                           secret=conftest.TEST_ENV["BILLING_WEBHOOK_SECRET"], log_requests=False)
    saved = dict(os.environ)
    tmp = tempfile.TemporaryDirectory(prefix="silastik-bench-")
    try:
        os.environ["OIDC_ISSUER"] = sso.issuer
        os.environ["BILLING_BASE_URL"] = sim.url
        os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", "ERROR")
        os.environ.update(extra_env or {})
        with mock_aws(config={"stepfunctions": {"execute_state_machine": execute_state_machine}}):
            env = provision(prefix=conftest.TEST_ENV["PREFIX"], region="ap-southeast-3",
                            session=boto3.session.Session(),
                            asl_overrides={"States.CreateBilling.Retry.0.IntervalSeconds": 1})
            os.environ.update(env)
            os.environ["SEARCH_LOCAL_ROOT"] = os.path.join(tmp.name, "search")
            conftest._reset_caches()
            from chalicelib.core import clock

            clock.set_clock(None)
            import app as app_module

            with Client(app_module.app, stage_name="test") as client:
                tokens = conftest.Tokens(sso)
                api = conftest.Api(client, tokens)
                urls = {name: env[f"{name.upper()}_QUEUE_URL"] for name in QUEUE_HANDLERS
                        if f"{name.upper()}_QUEUE_URL" in env and hasattr(app_module, QUEUE_HANDLERS[name])}

                def invoke(name: str, event: dict[str, Any]) -> Any:
                    return client.lambda_.invoke(name, event).payload

                worker = Worker(boto3.client("sqs", region_name="ap-southeast-3"), urls, invoke)
                yield Stack(env=env, client=client, api=api, worker=worker, tokens=tokens)
            conftest._reset_caches()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sso.stop()
        sim.stop()
        tmp.cleanup()

"""API fuzzing (issue 10): schemathesis against the running local stack's GET /openapi.json, every
operation, with a valid token per role: no 5xx and no response that violates the documented schema.

Bounded in `make test` (FUZZ_EXAMPLES, default 5 per operation, each sent with every role's token);
`make fuzz` runs longer. A second, stateful run chains calls through the links schemathesis infers from
the schema (a request created by one call is read, messaged, cancelled... by the next), once per role. The file is named so it runs after the other end-to-end tests (it writes
random data into the stack)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
ROLES = ("consumer1", "staff1", "operator1", "supervisor1", "producer1", "admin1")
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "8"))


def test_api_fuzz(stack, http):
    schema = schemathesis.openapi.from_url(stack.url["api"] + "/openapi.json")
    failures: list[str] = []
    stats = {"operations": 0, "calls": 0}
    for result in schema.get_all_operations():
        op = result.ok()
        stats["operations"] += 1

        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case):
            roles = (None,) if case.path == "/webhooks/billing" else ROLES
            for role in roles:
                headers = {"Authorization": f"Bearer {http.token(role)}"} if role else {}
                response = case.call(base_url=stack.url["api"], headers=headers, timeout=30)
                stats["calls"] += 1
                assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
                case.validate_response(response, checks=(response_schema_conformance, content_type_conformance))

        try:
            run()
        except Exception as exc:  # collect every operation's first failure
            failures.append(f"{op.method.upper()} {op.path}: {str(exc)[:600]}")
    print(f"FUZZ operations={stats['operations']} calls={stats['calls']} failures={len(failures)}")
    assert stats["operations"] >= 40
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_api_fuzz_stateful(stack, http, role):
    """Sequences of calls with real ids from earlier responses, with one role's token: no 5xx, every
    response conforming to the documented schema."""
    schema = schemathesis.openapi.from_url(stack.url["api"] + "/openapi.json")
    base = schema.as_state_machine()
    token = http.token(role)
    calls = {"n": 0}

    class Machine(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"base_url": stack.url["api"], "headers": {"Authorization": f"Bearer {token}"}, "timeout": 30}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            calls["n"] += 1
            assert response.status_code < 500, f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
            case.validate_response(response, checks=(response_schema_conformance, content_type_conformance))

    Machine.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=STATEFUL_STEPS, deadline=None,
                                  suppress_health_check=list(HealthCheck), derandomize=True, database=None))
    print(f"FUZZ stateful role={role} calls={calls['n']}")
    assert calls["n"] > 0

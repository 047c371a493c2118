"""A fresh local stack WITHOUT the demo seed brought to a working desk through the API (issue 18, "Done when"):
the first admin is bootstrapped with the CLI, creates a producer unit, operators, a supervisor and a producer;
the supervisor rosters the operators; a consumer's new request is delegated to one of them.

The stack's SSO runs like a production IdP that only authenticates (SSO_STAFF_ROLES=0): its tokens carry no
staff roles, every staff role below comes from the product's staff directory."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.e2e.conftest import Http, forget_in_process_clients, free_port

pytestmark = pytest.mark.e2e
wait = functools.partial(wait_for, timeout_s=60.0, interval=0.5)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from local.devstack import ROOT, Stack

    saved = dict(os.environ)
    forget_in_process_clients()
    ports = {name: free_port() for name in ("moto", "sso", "billing", "api", "admin", "portal")}
    st = Stack(catalog_items=0, quiet=True, ports=ports, state_dir=tmp_path_factory.mktemp("fresh"),
               tick_seconds=2, seed=False)
    try:
        st.start()
        st.root = ROOT
        yield st
    finally:
        st.stop()
        os.environ.clear()
        os.environ.update(saved)
        forget_in_process_clients()


def _bootstrap(stack: Any, sub: str, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scripts.bootstrap_admin", "--sub", sub, "--name", name],
                          cwd=stack.root, env=stack.env, capture_output=True, text=True, timeout=60)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def test_fresh_stack_to_a_working_desk(fresh):
    http = Http(fresh)
    # nobody is staff yet: the SSO's tokens carry no staff roles and there is no demo seed
    assert http.call("GET", "/ops/operators", "supervisor1")[0] == 403
    # no role at all (not admin1: the API would cache "no entry" for them for staff_roles_cache_s, and the CLI
    # below writes from another process)
    assert http.call("GET", "/me/roles", "operator3")[0] == 403

    out = _bootstrap(fresh, "admin1", "Andi Nugroho")
    assert out.returncode == 0 and '"created"' in out.stdout, out.stderr
    again = _bootstrap(fresh, "admin1", "Andi Nugroho")
    assert again.returncode == 0 and '"unchanged"' in again.stdout, again.stderr
    st, staff = http.call("GET", "/ops/staff", "admin1")
    assert st == 200 and [s["user_id"] for s in staff] == ["admin1"], staff

    st, unit = http.call("POST", "/ops/units", "admin1", {"code": "ipds", "name": "Integrasi Pengolahan dan "
                                                                            "Diseminasi Statistik"})
    assert st == 201, unit
    people = [
        {"user_id": "operator1", "name": "Agus Setiawan", "roles": ["operator"], "quota": 2},
        {"user_id": "operator2", "name": "Rina Wulandari", "roles": ["operator"], "quota": 2,
         "services": ["consultation", "complaint"]},
        {"user_id": "supervisor1", "name": "Yuliana Hartati", "roles": ["supervisor"]},
        {"user_id": "producer1", "name": "Bambang Prasetyo", "roles": ["producer"], "units": ["ipds"]},
    ]
    for body in people:
        st, out = http.call("POST", "/ops/staff", "admin1", body)
        assert st == 201, out
    st, ops = http.call("GET", "/ops/operators", "supervisor1")  # the directory made them supervisor/operators
    assert st == 200 and sorted(o["operator_id"] for o in ops) == ["operator1", "operator2"], ops
    st, detail = http.call("GET", "/ops/units/ipds", "admin1")
    assert st == 200 and [m["user_id"] for m in detail["members"]] == ["producer1"]

    now = datetime.now(UTC)
    shifts = [{"operator_id": op, "start": _iso(now - timedelta(minutes=5)), "end": _iso(now + timedelta(hours=8))}
              for op in ("operator1", "operator2")]
    st, roster = http.call("PUT", "/ops/roster", "supervisor1", {"shifts": shifts})
    assert st == 200 and sorted(roster["on_duty"]) == ["operator1", "operator2"], roster

    st, req = http.call("POST", "/requests", "consumer1", {"kind": "consultation", "topic": "data",
                                                           "subject": "Ekspor", "question": "Data ekspor 2024?"})
    assert st == 201, req
    rid = req["request_id"]
    detail = wait(lambda: (lambda r: r if r.get("status") == "assigned" else None)(
        http.call("GET", f"/requests/{rid}", "consumer1")[1]))
    assert detail and detail["assignee"] in ("operator1", "operator2"), detail
    st, queue = http.call("GET", "/ops/queue", detail["assignee"])
    assert st == 200 and [r["request_id"] for r in queue] == [rid]
    st, mine = http.call("GET", "/me/roles", detail["assignee"])
    assert mine["idp_roles"] == [] and mine["roles"] == ["operator"]

"""A request's executions: its first one is named after it, a supervisor's n-th restart `<rid>-r<n>`; the current
one is the stored name (chalicelib.requests.workflow)."""

from __future__ import annotations

from chalicelib.requests import workflow
from chalicelib.requests.models import RequestRecord


def test_execution_names_and_restart_counts():
    rid = "R261203-BU88R4"  # upper case: an id never ends in "-r<digits>" by itself
    assert workflow.execution_name(rid) == rid and workflow.restart_count(rid) == 0
    for n in (1, 2, 12):
        assert workflow.restart_count(workflow.execution_name(rid, n)) == n
    assert workflow.restart_count(f"{rid}-L") == 0  # a follow-up request's first execution
    assert workflow.restart_count(f"{rid}-L-r3") == 3
    assert workflow.restart_count("-r5") == 0 and workflow.restart_count(f"{rid}-rx") == 0


def test_the_current_execution_is_the_stored_one():
    rec = RequestRecord(request_id="R261203-AAAAAA")
    assert workflow.current_execution(rec) == "R261203-AAAAAA"
    rec.execution_name = "R261203-AAAAAA-r2"
    assert workflow.current_execution(rec) == "R261203-AAAAAA-r2"

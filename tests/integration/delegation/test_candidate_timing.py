"""The real delegation path gives the policy what the system knows of the operators' time (issue 22 item 5):
the mean handling time from their deliveries and the minutes left in their shift — on the first ranking and on
every re-ranking of a drain (the candidates were once rebuilt positionally there, dropping both)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import put_operator
from tests.integration.helpers import status_of, submit

CONSULT = {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa inflasi Medan 2024?"}


def _timing(operator_id: str, handled: int, minutes: float) -> None:
    from chalicelib.delegation.models import OperatorRecord

    OperatorRecord(operator_id).update(actions=[OperatorRecord.handled.set(handled),
                                                OperatorRecord.handled_minutes.set(minutes)])


def test_candidates_carry_handling_time_and_shift_end(frozen):
    from chalicelib.delegation import service

    put_operator("operator1")  # on a shift that ends 8 hours from now (tests/factories.py)
    put_operator("operator2")
    _timing("operator1", 4, 40.0)
    _timing("operator2", 2, 10.0)  # too few deliveries: unknown
    got = {c.operator_id: c for c in service.candidates()}
    assert got["operator1"].minutes_per_request == 10.0 and got["operator2"].minutes_per_request is None
    assert got["operator1"].minutes_left == pytest.approx(480.0, abs=0.2)
    frozen.advance(hours=7, minutes=30)
    assert {c.operator_id: c.minutes_left for c in service.candidates()} == pytest.approx(
        {"operator1": 30.0, "operator2": 30.0}, abs=0.2)


def test_a_delivery_adds_its_handling_time(api, worker, frozen):
    from chalicelib.delegation.models import OperatorRecord

    put_operator("operator1", quota=5)
    rid = submit(api, CONSULT)
    assert worker.run_until(lambda: status_of(api, rid) == "assigned")
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    frozen.advance(minutes=12)
    assert api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "terjawab"})[0] == 200
    op = OperatorRecord.get("operator1", consistent_read=True)
    assert int(op.load) == 0 and int(op.handled) == 1 and float(op.handled_minutes) == pytest.approx(12.0, abs=0.1)


def test_drain_re_ranks_with_the_timing_fields(api, worker, frozen, monkeypatch):
    """Two queued requests, one drain: the second ranking still sees both operators' handling times and shift
    ends, so the fast operator (shortest expected delay) takes both while the slow one stays free."""
    from chalicelib.fulfilment import assign

    for op in ("operator1", "operator2"):
        put_operator(op, quota=5, on_duty=False)
    rids = [submit(api, CONSULT) for _ in range(2)]
    assert worker.run_until(lambda: all(status_of(api, r) == "queued" for r in rids))
    seen: list[list[Any]] = []
    real_rank = assign.rank

    def spy(cands: Any, kind: str, topic: Any) -> Any:
        seen.append(list(cands))
        return real_rank(cands, kind, topic)

    monkeypatch.setattr(assign, "rank", spy)
    put_operator("operator1", quota=5)
    put_operator("operator2", quota=5)
    _timing("operator1", 5, 25.0)  # 5 minutes a request
    _timing("operator2", 5, 150.0)  # 30 minutes a request
    assert assign.drain() == 2
    assert len(seen) >= 2
    for cands in seen:
        assert {c.operator_id: c.minutes_per_request for c in cands} == {"operator1": 5.0, "operator2": 30.0}
        assert all(c.minutes_left is not None and c.minutes_left > 400 for c in cands)
    assert {status_of(api, r) for r in rids} == {"assigned"}
    assert [api.get(f"/ops/requests/{r}", "supervisor1")[1]["assignee"] for r in rids] == ["operator1", "operator1"]

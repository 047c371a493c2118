"""The delegation policy, pure (delegation/policy.py): who may take a request and in which order — checked on
plain candidates, no roster or table behind them."""

from __future__ import annotations

from chalicelib.delegation.policy import Candidate, rank, round_robin, serves


def cand(op: str, load: int = 0, quota: int = 5, active: bool = True, services: tuple[str, ...] = (),
         last: str = "") -> Candidate:
    return Candidate(op, load, quota, active, services, last)


def ids(cands: list[Candidate]) -> list[str]:
    return [c.operator_id for c in cands]


def test_nobody_at_quota_inactive_or_without_quota_is_offered_a_request():
    cands = [cand("full", 5, 5), cand("over", 6, 5), cand("off", active=False), cand("zero", 0, 0), cand("ok", 4, 5)]
    assert ids(rank(cands, "consultation", "data")) == ["ok"]
    assert rank([cand("full", 5, 5)], "consultation", None) == []


def test_least_loaded_share_first_then_the_longest_idle():
    cands = [cand("a", 2, 4, last="2026-12-01T03:00:00+00:00"), cand("b", 1, 4, last="2026-12-01T04:00:00+00:00"),
             cand("c", 2, 8, last="2026-12-01T05:00:00+00:00"), cand("d", 1, 4, last="2026-12-01T01:00:00+00:00")]
    assert ids(rank(cands, "data_order", None)) == ["d", "b", "c", "a"]


def test_services_limit_who_serves_which_kind_and_topic():
    assert serves((), "complaint", None)
    assert serves(("consultation",), "consultation", "metadata")
    assert serves(("consultation:data",), "consultation", "data")
    assert not serves(("consultation:data",), "consultation", "metadata")
    assert not serves(("data_order",), "complaint", None)
    cands = [cand("orders", services=("data_order",)), cand("meta", services=("consultation:metadata",)), cand("all")]
    assert ids(rank(cands, "consultation", "metadata")) == ["all", "meta"]
    assert ids(rank(cands, "complaint", None)) == ["all"]


def test_round_robin_takes_turns_but_respects_quota():
    cands = [cand("c"), cand("a"), cand("b", 5, 5)]
    assert ids(round_robin(cands, 0, "consultation", None)) == ["a", "c"]
    assert ids(round_robin(cands, 1, "consultation", None)) == ["c", "a"]
    assert round_robin([cand("b", 5, 5)], 3, "consultation", None) == []


def test_shift_time_orders_but_never_leaves_a_request_queued():
    from dataclasses import replace

    # operator1's backlog (3 × 120 min) does not fit the 60 minutes left of the shift, operator2's empty desk does:
    # operator2 first; with operator2 gone, operator1 still takes it (has room) rather than the queue
    busy = replace(cand("operator1", load=3, quota=10), minutes_per_request=120.0, minutes_left=60.0)
    free = replace(cand("operator2", load=0, quota=10), minutes_per_request=120.0, minutes_left=60.0)
    assert [c.operator_id for c in rank([busy, free], "consultation", "data")] == ["operator2", "operator1"]
    assert [c.operator_id for c in rank([busy], "consultation", "data")] == ["operator1"]

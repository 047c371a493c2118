"""The redistribution choice of an absent operator's open requests (delegation.policy.redistribute), pure."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.delegation.policy import Candidate, Work, redistribute


def cand(op: str, load: int, quota: int = 3, services: tuple[str, ...] = (), last: str = "",
         active: bool = True) -> Candidate:
    return Candidate(op, load, quota, active, services, last)


def work(rid: str, due: str, kind: str = "consultation", topic: str | None = "data", consumer: str = "c1") -> Work:
    return Work(rid, kind, topic, consumer, due)


def test_most_urgent_first_to_the_least_loaded_and_quota_kept() -> None:
    cands = [cand("away", 0), cand("a", 2), cand("b", 0), cand("c", 1)]
    plan = redistribute([work("R3", "2026-12-09"), work("R1", "2026-12-07"), work("R2", "2026-12-08"),
                         work("R4", "2026-12-10"), work("R5", "2026-12-11")], cands, "away")
    # least loaded share first, ties to the one idle longest (a hand-out in the plan counts as the latest)
    assert plan == [("R1", "b"), ("R2", "c"), ("R3", "b"), ("R4", "a"), ("R5", "b")]


def test_nobody_with_room_or_the_right_service_is_none() -> None:
    cands = [cand("away", 0), cand("a", 3), cand("b", 0, services=("complaint",)), cand("c", 0, active=False)]
    assert redistribute([work("R1", "2026-12-07")], cands, "away") == [("R1", None)]
    # b serves complaints: it takes the complaint, not the consultation
    plan = redistribute([work("R1", "2026-12-07"), work("R2", "2026-12-08", kind="complaint", topic=None)],
                        cands, "away")
    assert plan == [("R1", None), ("R2", "b")]


def test_never_to_the_requests_own_consumer() -> None:
    cands = [cand("away", 0), cand("staff7", 0), cand("d", 2)]
    plan = redistribute([work("R1", "2026-12-07", consumer="staff7")], cands, "away")
    assert plan == [("R1", "d")]


def test_plan_counts_its_own_handouts_against_quota() -> None:
    cands = [cand("away", 0), cand("a", 0, quota=1), cand("b", 0, quota=1)]
    plan = redistribute([work(f"R{i}", f"2026-12-0{i}") for i in range(1, 4)], cands, "away")
    assert sorted(op for _, op in plan if op) == ["a", "b"] and plan[-1] == ("R3", None)


@given(loads=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=6),
       n=st.integers(0, 12))
def test_no_one_is_ever_over_quota(loads: list[tuple[int, int]], n: int) -> None:
    cands = [cand(f"op{i}", min(load, quota), quota) for i, (load, quota) in enumerate(loads)]
    plan = redistribute([work(f"R{i:02d}", f"2026-12-{1 + i % 28:02d}") for i in range(n)], cands, "op0")
    for c in cands:
        if c.operator_id == "op0":
            assert all(op != "op0" for _, op in plan)
            continue
        assert c.load + sum(1 for _, op in plan if op == c.operator_id) <= c.quota
    room = sum(c.quota - c.load for c in cands if c.operator_id != "op0")
    assert sum(1 for _, op in plan if op) == min(n, room)  # nobody with room is passed over

"""The lifecycle rules of SPEC §3, pure: legal transitions, the sparse index attributes that follow the
status, and the SLA clock pausing while the consumer is the one we wait for."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.repository import derived
from chalicelib.requests.sla import pause_changes

HAPPY_PATHS = [
    [lc.SUBMITTED, lc.ASSIGNED, lc.IN_PROGRESS, lc.DELIVERED, lc.COMPLETED],
    [lc.SUBMITTED, lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT, lc.QUEUED, lc.ASSIGNED, lc.IN_PROGRESS,
     lc.ESCALATED, lc.IN_PROGRESS, lc.DELIVERED, lc.COMPLETED],
]


@pytest.mark.parametrize("path", HAPPY_PATHS)
def test_the_happy_paths_are_legal(path):
    for frm, to in zip(path, path[1:], strict=False):
        lc.check(frm, to)


def test_closed_requests_never_move_again():
    for frm in lc.TERMINAL:
        assert all(not lc.can(frm, to) for to in lc.STATUSES)


@pytest.mark.parametrize("frm,to", [(lc.DELIVERED, lc.IN_PROGRESS), (lc.IN_PROGRESS, lc.CANCELLED),
                                    (lc.AWAITING_PAYMENT, lc.AWAITING_APPROVAL), (lc.ASSIGNED, lc.DELIVERED),
                                    (lc.QUEUED, lc.IN_PROGRESS)])
def test_illegal_transitions_are_a_conflict_naming_both_ends(frm, to):
    with pytest.raises(Conflict) as exc:
        lc.check(frm, to)
    assert exc.value.code == "illegal_transition" and exc.value.details == {"from": frm, "to": to}


def test_only_requests_not_yet_in_process_can_be_cancelled():
    assert {s for s in lc.STATUSES if lc.can(s, lc.CANCELLED)} == {lc.SUBMITTED, lc.AWAITING_APPROVAL,
                                                                  lc.AWAITING_PAYMENT, lc.QUEUED, lc.ASSIGNED,
                                                                  lc.AWAITING_CONSUMER}
    assert {s for s in lc.STATUSES if lc.can(s, lc.CANCELLED)} >= lc.CANCELLABLE


def test_index_attributes_follow_the_status():
    sets, removes = derived(lc.IN_PROGRESS, "operator1", "2026-12-10T00:00:00+00:00", "2026-12-01T00:00:00+00:00")
    assert sets == {"due_sort": "2026-12-10T00:00:00+00:00#2026-12-01T00:00:00+00:00", "open_shard": "OPEN",
                    "active_assignee": "operator1"}
    assert removes == ["delivered_shard"]
    sets, removes = derived(lc.DELIVERED, "operator1", "2026-12-10T00:00:00+00:00", "2026-12-01T00:00:00+00:00")
    assert sets["delivered_shard"] == "D" and set(removes) == {"open_shard", "active_assignee"}
    sets, _ = derived(lc.SUBMITTED, None, None, "2026-12-01T00:00:00+00:00")
    assert sets == {"due_sort": "9999-12-31T00:00:00+00:00#2026-12-01T00:00:00+00:00"}


def test_the_sla_clock_pauses_while_waiting_on_the_consumer():
    now = "2026-12-07T02:00:00+00:00"  # a Monday, 09:00 in Jakarta
    assert pause_changes(lc.SUBMITTED, lc.AWAITING_PAYMENT, None, "2026-12-14T02:00:00+00:00", now) == (
        {"paused_at": now}, [])
    assert pause_changes(lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT, now, None, now) == ({}, [])  # still paused
    later = "2026-12-08T02:00:00+00:00"  # one working day later
    sets, removes = pause_changes(lc.AWAITING_PAYMENT, lc.QUEUED, now, "2026-12-14T02:00:00+00:00", later)
    assert sets["due_at"] > "2026-12-14T02:00:00+00:00" and "paused_at" in removes

"""The month simulation's accounting (bench/sim_month.py): reminders never delay an answer, auto-delivered
orders need no operator, an approval's wait pauses the SLA clock but counts in the fulfilment time, every
request is delivered once, and the figures are computed as stated. Pure (no AWS): small months."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench import sim_month as sm


@pytest.fixture(scope="module")
def cal():
    return sm.calendar()


def test_reminders_never_delay_and_cut_the_tail():
    sla, half = 16.0, 8.0
    assert sm.reminded(3.0, sla, 0.0, 0.1, 4.0) == 3.0  # answered before the first reminder: unchanged
    assert sm.reminded(12.0, sla, 0.0, 1.0, 4.0) == half + 1.0 * sm.REMIND_MEAN_H  # reminded, answers soon after
    assert sm.reminded(12.0, sla, 0.99, 1.0, 4.0) == 12.0  # reminded, ignores it, answers before the due date
    assert sm.reminded(40.0, sla, 0.99, 1.0, 4.0) == sla + 4.0  # overdue: the head of the unit has it answered
    assert sm.reminded(17.0, sla, 0.99, 1.0, 4.0) == 17.0  # the head's time is not a delay either
    for natural in (1.0, 9.0, 15.0, 30.0, 200.0):
        for u in (0.1, 0.9):
            assert sm.reminded(natural, sla, u, 2.5, 6.0) <= natural


def test_quantile_and_groups():
    assert sm.quantile([5.0], 0.9) == 5.0
    values = [float(i) for i in range(1, 101)]
    assert sm.quantile(values, 0.9) == pytest.approx(90.9)
    assert sm.quantile(values, 0.5) == pytest.approx(50.5)
    r = sm.Req(0, "data_order", None, None, 10.0, approval_h=3.0)
    assert sm._groups(r) == ["data_order", "approval"]


def test_summarize_counts_as_stated(cal):
    monday = sm.month_bounds(cal, "2026-10")[0] + timedelta(days=4, hours=9)  # Mon 5 Oct 2026, 09:00 WIB
    assert cal.is_working_day(monday.date())
    reqs = []
    for i, (kind, days_late, auto) in enumerate([("consultation", 0, False), ("consultation", 2, False),
                                                  ("data_order", 0, True), ("complaint", 1, False)]):
        r = sm.Req(i, kind, None, monday, 5.0, auto=auto)
        r.due = cal.add_working_days(monday, 1)
        r.delivered = monday if auto else cal.add_working_days(r.due, days_late) if days_late else r.due
        r.assignee = None if auto else "op1"
        reqs.append(r)
    ops = [sm.Op("op1", 0, 1.0, delivered=3), sm.Op("op2", 1, 1.0, delivered=0)]
    res = sm.summarize(cal, reqs, ops)
    assert res["sla_attainment_pct"] == 50.0  # two late of four; the auto-delivered order is on time
    assert res["auto_delivered"] == 1
    assert res["count_by"] == {"consultation": 2, "data_order": 1, "complaint": 1, "file_backed": 1}
    assert res["median_by"]["file_backed"] == 0.0 and res["median_by"]["consultation"] == pytest.approx(2.0, abs=0.01)
    assert res["load_imbalance"] == 2.0  # max 3 / mean 1.5


def test_a_small_month_end_to_end(cal):
    reqs = sm.arrivals(cal, "2026-10", 300, seed=3)
    absent = sm.absences(cal, "2026-10", seed=3)
    auto = [r for r in reqs if r.auto]
    approvals = [r for r in reqs if r.approval_h is not None]
    escalated = [r for r in reqs if r.escalated]
    assert auto and approvals and escalated
    assert all(r.kind == "data_order" and r.approval_h is None for r in auto)  # microdata/zero-rupiah: never auto
    assert all(r.producer_h_sla <= r.producer_h for r in escalated)
    assert all(r.approval_h_sla <= r.approval_h for r in approvals)

    full = sm.simulate("rank", reqs, cal, absent, sm.FULL)
    assert full["requests"] == len(reqs) and full["auto_delivered"] == len(auto)
    assert sum(full["delivered_per_operator"].values()) == len(reqs) - len(auto)  # each desk request once
    off = sm.simulate("rank", reqs, cal, absent, sm.NO_AUTO)
    assert off["auto_delivered"] == 0 and sum(off["delivered_per_operator"].values()) == len(reqs)
    assert off["p90_by"]["file_backed"] > 0.0 == full["p90_by"]["file_backed"]
    rr = sm.simulate("round_robin", reqs, cal, absent, sm.FULL)
    assert sum(rr["delivered_per_operator"].values()) == len(reqs) - len(auto)


def test_an_approval_pauses_the_sla_clock_but_not_the_fulfilment_time(cal, monkeypatch):
    """One order awaiting approval for 16 office hours (2 working days), then 10 minutes of work: it is on time
    (the clock ran from the approval) while its fulfilment time counts the two days."""
    start = sm.month_bounds(cal, "2026-10")[0] + timedelta(days=4, hours=9)
    r = sm.Req(0, "data_order", None, start, 10.0, approval_h=16.0, approval_h_sla=16.0)
    res = sm.simulate("rank", [r], cal, set(), sm.FULL)
    assert res["sla_attainment_pct"] == 100.0
    assert res["median_days"] == pytest.approx(2.0, abs=0.1)

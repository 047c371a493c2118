"""The service-level metric: late means delivered after the due date; counted once per delivery."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from chalicelib.requests import kpi


@pytest.mark.parametrize(("due", "delivered", "late"), [
    ("2027-01-05T16:00:00+07:00", "2027-01-05T15:59:59+07:00", False),
    ("2027-01-05T16:00:00+07:00", "2027-01-05T09:00:01+00:00", True),   # 16:00:01 in Jakarta
    (None, "2027-01-05T09:00:00+07:00", False),
])
def test_late(due, delivered, late):
    assert kpi.late(SimpleNamespace(due_at=due, delivered_at=delivered)) is late


def test_delivered_counts_late_ones_twice(monkeypatch):
    counted: list[str] = []
    monkeypatch.setattr(kpi.obs, "count", lambda name, value=1: counted.append(name))
    kpi.delivered(SimpleNamespace(due_at="2027-01-05T16:00:00+07:00", delivered_at="2027-01-06T08:00:00+07:00"))
    kpi.delivered(SimpleNamespace(due_at="2027-01-05T16:00:00+07:00", delivered_at="2027-01-05T08:00:00+07:00"))
    assert counted == [kpi.DELIVERED, kpi.DELIVERED_LATE, kpi.DELIVERED]

"""Issue 16 §3: the daily provider-vs-ledger reconciliation report runs from the schedule (the tick), once per local
day for the previous day; a discrepancy notifies finance and emits the alarmed metric; a provider that cannot be
asked is tried again on the next tick."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from chalicelib.core.clock import FrozenClock
from tests.integration.fulfilment.test_money import paid_order, sim  # noqa: F401 - the fixture
from tests.integration.notify.test_notifications import mails

FINANCE = "keuangan@bps.example.id"


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    from chalicelib.billing.service import JAKARTA

    return datetime.combine(day, time(hour, minute), tzinfo=JAKARTA)


def _counted(name: str) -> float:
    from chalicelib.core import obs

    return sum(obs.metrics().metric_set.get(name, {}).get("Value", []))


def test_the_tick_reports_yesterday_once_and_tells_finance(api, worker, paid_order, billing_sim,  # noqa: F811
                                                           monkeypatch):
    from chalicelib.core import clock
    from chalicelib.core.config import reset_settings
    from chalicelib.fulfilment import reconciliation
    from chalicelib.fulfilment.tick import tick

    monkeypatch.setenv("FINANCE_RECIPIENTS", FINANCE)
    reset_settings()
    rid, billing = paid_order
    # paid at the bank, the webhook lost: the provider has a payment the ledger does not
    st, paid = sim(billing_sim, "/simulate/pay", {"billing_code": billing["billing_code"], "send_webhook": False})
    assert st == 200, paid
    day = date.fromisoformat(paid["paid_at"][:10])
    before = _counted(reconciliation.DISCREPANCIES)

    clock.set_clock(FrozenClock(_local(day + timedelta(days=1), 0, 30)))  # before the day's run time
    assert reconciliation.run() == "not yet"
    fc = FrozenClock(_local(day + timedelta(days=1), 1, 5))
    clock.set_clock(fc)
    # (the step itself: the tick's `reconcile` step, before it, would apply the lost payment and leave nothing)
    out = reconciliation.run()
    assert out["day"] == day.isoformat() and out["ok"] is False, out
    assert out["missing_in_ledger"] >= 1 and out["discrepancies"] >= out["missing_in_ledger"], out
    assert _counted(reconciliation.DISCREPANCIES) - before == out["discrepancies"]
    worker.drain()
    [mail] = mails(to=FINANCE)
    assert "rekonsiliasi" in mail.subject.lower()
    assert "#/pembayaran" in mail.body and "Tidak tercatat di buku besar" in mail.body, mail.body

    # the tick runs the step; later in the same day it does nothing more
    fc.advance(minutes=1)
    assert tick()["daily_reconciliation"] == "done today"
    worker.drain()
    assert len(mails(to=FINANCE)) == 1


def test_a_provider_outage_is_retried_on_the_next_tick(api, billing_sim, aws_env):
    from chalicelib.core import clock, obs
    from chalicelib.fulfilment import reconciliation
    from chalicelib.fulfilment.tick import tick

    day = date.today() + timedelta(days=30)  # a day nobody has paid on
    clock.set_clock(FrozenClock(_local(day + timedelta(days=1), 2)))
    errors = _counted(obs.RECONCILIATION_ERRORS)
    sim(billing_sim, "/simulate/faults", {"fail_next": 1000, "status": 503})
    try:
        assert reconciliation.run() == "provider_unavailable"
        assert _counted(obs.RECONCILIATION_ERRORS) > errors  # alarmed
    finally:
        sim(billing_sim, "/simulate/faults", {"fail_next": 0})
    out = reconciliation.run()
    assert out == {"day": day.isoformat(), "ok": True, "discrepancies": 0, "missing_in_ledger": 0,
                   "duplicated_in_ledger": 0, "different": 0, "not_at_provider": 0}, out
    assert reconciliation.run() == "done today"
    # the next day's first tick after the run time reports on this one
    clock.set_clock(FrozenClock(_local(day + timedelta(days=2), 1, 0)))
    assert tick()["daily_reconciliation"]["day"] == (day + timedelta(days=1)).isoformat()

"""The consumer loop's rules (issue 19), pure: the new transitions of awaiting_consumer, the paused SLA clock, the
answer deadline in working days, the tariff and the quote's prices — ConsumerLoop against an in-memory request
repository (no moto, no AWS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.clock import FrozenClock
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.fulfilment.consumer import ConsumerLoop, can_quote, deadlines
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import tariff
from chalicelib.requests.models import Contact, RequestRecord, TimelineEntry
from chalicelib.requests.service import RequestService, to_out
from chalicelib.requests.sla import calendar, pause_changes
from tests.fakes import FakeRequestRepository

OPERATOR = Principal(sub="operator1", roles=frozenset({"operator"}), name="Andi")
CONSUMER = Principal(sub="consumer1", roles=frozenset({"consumer"}), name="Siti")
MONDAY = datetime.fromisoformat("2026-12-07T02:00:00+00:00")  # 09:00 WIB, a working Monday


class TransitionRepo(FakeRequestRepository):
    """The fake repository plus the transition rules of RequestRepository: the lifecycle check, the SLA pause and
    the fields set/removed; the effects are kept to look at."""

    def __init__(self) -> None:
        super().__init__()
        self.effects: list[Any] = []
        self.messages: list[Any] = []
        self.notices: list[Any] = []  # outbox messages written with a message

    def transition(self, rec: Any, to: str, actor: str, note: str = "", *, set_: Any = None, remove: Any = (),
                   action: Any = None, audit_data: Any = None, effects: Any = None, also: Any = None) -> Any:
        if to != rec.status:
            lc.check(rec.status, to)
        now = clock.iso()
        set_ = dict(set_ or {})
        psets, premoves = pause_changes(rec.status, to, rec.paused_at, set_.get("due_at", rec.due_at), now)
        set_ = {**psets, **set_}
        for k in [*remove, *premoves]:
            setattr(rec, k, None)
        for k, v in set_.items():
            setattr(rec, k, v)
        rec.timeline = [*(rec.timeline or []), TimelineEntry(at=now, status=to, actor=actor, note=note)]
        rec.status = to
        self.effects.append(effects)
        return rec

    def add_message(self, msg: Any, messages: Any = ()) -> Any:
        self.messages.append(msg)
        self.notices.extend(messages)
        return msg


@pytest.fixture
def frozen():
    fc = FrozenClock(MONDAY)
    clock.set_clock(fc)
    yield fc
    clock.set_clock(None)


def request(status: str = lc.IN_PROGRESS, **kw: Any) -> RequestRecord:
    now = clock.iso()
    base = dict(request_id="R261207-ABCDEF", kind="consultation", channel="portal", status=status,
                consumer_id="consumer1", consumer=Contact(name="Siti", email="siti@example.id", email_verified=True),
                created_by="consumer1", created_at=now, updated_at=now, due_sort="x", assignee="operator1",
                due_at=clock.iso(calendar().add_working_days(clock.now(), 3)), sla_days=3, transaction_type="free")
    base.update(kw)
    return RequestRecord(**base)


def loop_with(rec: RequestRecord) -> tuple[ConsumerLoop, TransitionRepo]:
    repo = TransitionRepo()
    repo.items[rec.request_id] = rec
    return ConsumerLoop(RequestService(repo)), repo


def events(effects: Any) -> list[str]:
    return [m.body["event"] for m in effects.messages if m.body.get("event")]


# --- transitions ----------------------------------------------------------------------------------------------
def test_the_side_loop_edges():
    assert lc.can(lc.IN_PROGRESS, lc.AWAITING_CONSUMER) and lc.can(lc.AWAITING_CONSUMER, lc.IN_PROGRESS)
    for to in (lc.AWAITING_PAYMENT, lc.EXPIRED, lc.CANCELLED):
        assert lc.can(lc.AWAITING_CONSUMER, to)
    assert not lc.can(lc.AWAITING_CONSUMER, lc.DELIVERED)  # answer first, then deliver
    assert not lc.can(lc.ASSIGNED, lc.AWAITING_CONSUMER)
    assert lc.AWAITING_CONSUMER in lc.PAUSED and lc.AWAITING_CONSUMER in lc.IN_PROCESS
    assert lc.AWAITING_CONSUMER in lc.OPEN and lc.AWAITING_CONSUMER in lc.CANCELLABLE


def test_a_question_pauses_and_the_answer_resumes_with_the_due_date_pushed(frozen):
    rec = request()
    due0 = rec.due_at
    loop, repo = loop_with(rec)
    loop.ask(OPERATOR, rec.request_id, "Tahun berapa?")
    assert rec.status == lc.AWAITING_CONSUMER and rec.paused_at == clock.iso()
    assert rec.consumer_wait.kind == "question" and rec.consumer_wait.text == "Tahun berapa?"
    assert events(repo.effects[-1]) == ["consumer_question"]
    assert to_out(rec).awaiting["answer_by"] == rec.consumer_wait.answer_by
    frozen.advance(days=3)  # Monday → Thursday: three working days paused
    loop.post_message(CONSUMER, rec.request_id, "2024")
    assert rec.status == lc.IN_PROGRESS and rec.consumer_wait is None and rec.paused_at is None
    cal = calendar()
    assert rec.due_at == clock.iso(cal.add_working_days(clock.parse_iso(due0), 3))
    assert [m.body["event"] for m in repo.effects[-1].messages] == ["new_message"]  # the operator is told
    assert repo.messages == []  # the answer went into the transaction, not a separate write


def test_a_message_without_a_waiting_question_changes_nothing(frozen):
    rec = request()
    loop, repo = loop_with(rec)
    loop.post_message(CONSUMER, rec.request_id, "Halo")
    assert rec.status == lc.IN_PROGRESS and len(repo.messages) == 1 and repo.effects == []
    # the handler's notice is written with the message (the outbox), not sent on its own
    [told] = repo.notices
    assert told.body["to_user"] == "operator1" and told.body["ctx"]["message_excerpt"] == "Halo"
    assert told.key == f"msg#{repo.messages[0].msg_id}#{rec.request_id}"


def test_only_in_progress_requests_are_asked_and_only_by_their_handler(frozen):
    loop, _ = loop_with(request(lc.ASSIGNED))
    with pytest.raises(Conflict):
        loop.ask(OPERATOR, "R261207-ABCDEF", "?")
    with pytest.raises(Conflict):  # no quote waits
        loop.accept(CONSUMER, "R261207-ABCDEF")
    other = Principal(sub="operator2", roles=frozenset({"operator"}))
    loop, _ = loop_with(request())
    with pytest.raises(Exception) as exc:
        loop.ask(other, "R261207-ABCDEF", "?")
    assert type(exc.value).__name__ in ("NotFound", "Forbidden")


def custom(**kw: Any) -> RequestRecord:
    return request(**{"kind": "data_order", "custom_request": "Penduduk per kecamatan", "topic": None, **kw})


def test_quote_accept_bills_and_frees_the_load(frozen):
    rec = custom()
    loop, repo = loop_with(rec)
    loop.send_quote(OPERATOR, rec.request_id, [("TAB-KHUSUS", 2), ("SERI-WAKTU", 1), ("TAB-KHUSUS", 1)], "tiga tabel")
    t = tariff.current().by_code()
    total = 3 * t["TAB-KHUSUS"].unit_price_idr + t["SERI-WAKTU"].unit_price_idr
    assert rec.status == lc.AWAITING_CONSUMER and rec.quote.status == "sent" and int(rec.quote.total_idr) == total
    assert [(ln.code, int(ln.quantity)) for ln in rec.quote.lines] == [("TAB-KHUSUS", 3), ("SERI-WAKTU", 1)]
    assert events(repo.effects[-1]) == ["quote_sent"]
    with pytest.raises(NotFound):  # another consumer's request does not exist for them
        loop.accept(Principal(sub="consumer2", roles=frozenset({"consumer"})), rec.request_id)
    loop.post_message(CONSUMER, rec.request_id, "Bisa lebih murah?")  # a message does not decide a quote
    assert rec.status == lc.AWAITING_CONSUMER
    loop.accept(CONSUMER, rec.request_id)
    assert rec.status == lc.AWAITING_PAYMENT and rec.transaction_type == "paid" and rec.needs_billing
    assert int(rec.total_idr) == total and rec.quote.status == "accepted" and rec.consumer_wait is None
    eff = repo.effects[-1]
    assert len(eff.parts) == 1  # the operator's load released in the same transaction
    assert eff.answer.answer == {"ok": True, "output": {"quote": True}}  # the workflow goes back to billing
    assert rec.paused_at  # still paused: now waiting for the payment
    with pytest.raises(Conflict):
        loop.accept(CONSUMER, rec.request_id)


def test_quote_decline_closes(frozen):
    rec = custom()
    loop, repo = loop_with(rec)
    loop.send_quote(OPERATOR, rec.request_id, [("TAB-KHUSUS", 1)], "")
    loop.decline(CONSUMER, rec.request_id, "mahal")
    assert rec.status == lc.CANCELLED and rec.closed_reason == "quote_declined" and rec.quote.reason == "mahal"
    assert events(repo.effects[-1]) == ["quote_declined"] and len(repo.effects[-1].parts) == 1
    assert repo.effects[-1].answer.answer["ok"] is False  # the workflow ends


@pytest.mark.parametrize("why,kw", [
    ("only a data order", {"kind": "consultation", "custom_request": None}),
    ("not billed", {"transaction_type": "internal"}),
    ("already has a billing", {"billing_code": "820261207000001"}),
])
def test_what_cannot_be_quoted(why, kw, frozen):
    rec = custom(**kw)
    assert why in (can_quote(rec) or "")
    loop, _ = loop_with(rec)
    with pytest.raises(Conflict):
        loop.send_quote(OPERATOR, rec.request_id, [("TAB-KHUSUS", 1)], "")


# --- deadlines and the tariff ---------------------------------------------------------------------------------
def test_the_answer_deadline_counts_working_days():
    cal = calendar()
    friday = "2026-12-11T02:00:00+00:00"
    answer_by, remind_at = deadlines(friday, cal, answer_days=3, reminder_days=1)
    assert answer_by == clock.iso(cal.add_working_days(clock.parse_iso(friday), 3))
    assert clock.parse_iso(answer_by).weekday() == 2  # Fri + 3 working days = Wednesday
    assert remind_at == clock.iso(cal.add_working_days(clock.parse_iso(friday), 2))
    assert deadlines(friday, cal, answer_days=1, reminder_days=1)[1] is None  # no room for a reminder


def test_the_tariff_prices_and_refuses():
    t = tariff.parse({"version": "x", "items": [{"code": "A", "service": "Tabel", "unit": "tabel",
                                                 "unit_price_idr": 1000}]})
    lines, total = tariff.price(t, [("A", 2), ("A", 3)])
    assert total == 5000 and [(ln.code, ln.quantity, ln.amount_idr) for ln in lines] == [("A", 5, 5000)]
    with pytest.raises(BadRequest) as exc:
        tariff.price(t, [("B", 1)])
    assert exc.value.details == {"unknown": ["B"]}
    for bad in ({"items": []}, {"items": [{"code": "A", "service": "s", "unit": "u", "unit_price_idr": 0}]},
                {"items": [{"code": "A", "service": "s", "unit": "u", "unit_price_idr": 1}] * 2}):
        with pytest.raises(ValueError):
            tariff.parse(bad)
    assert tariff.current().items  # the built-in data file is valid

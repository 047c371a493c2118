"""Reports, the write side: the aggregates updated as requests change (submitted, delivered, rated). Writers are
idempotent per request (a claim in the idempotency table), so redelivered worker tasks do not double count; the
delivery's and the rating's aggregates are parts of the very transaction that changes the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, idem, obs
from chalicelib.reports import repository
from chalicelib.requests.models import RequestRecord


def _safely(fn: Any) -> Any:
    def run(*a: Any, **k: Any) -> None:
        try:
            fn(*a, **k)
        except Exception:  # noqa: BLE001 - reporting never breaks the business flow
            obs.logger().exception("report aggregate update failed")
    return run


@_safely
def record_submitted(rec: RequestRecord) -> None:
    if not idem.claim(f"stats#submitted#{rec.request_id}"):
        return
    repository.add(rec.created_at, "kind", rec.kind)
    repository.add(rec.created_at, "channel", rec.channel)
    repository.add(rec.created_at, "ttype", rec.transaction_type or "free")


def _delivered_stats(rec: RequestRecord, delivered_at: str) -> list[tuple[Any, list[Any]]]:
    from chalicelib.requests.sla import calendar

    cal = calendar()
    days = cal.working_days_between(clock.parse_iso(rec.created_at), clock.parse_iso(delivered_at))
    days = max(0.0, days - paused_working_days(rec, cal))  # the office's time, like the SLA clock
    on_time = bool(rec.due_at and delivered_at <= rec.due_at)
    out = [repository.stat_update(delivered_at, "delivered", rec.kind, sample=days),
           repository.stat_update(delivered_at, "sla", "on_time" if on_time else "late")]
    # desk: the first-response time (to the desk's first reply, or to the delivery itself when that came
    # first), counted with the delivery, in working days with the consumer's waits taken out
    first = min(rec.first_response_at or delivered_at, delivered_at)
    wait = cal.working_days_between(clock.parse_iso(rec.created_at), clock.parse_iso(first))
    wait = max(0.0, wait - paused_working_days(rec, cal, until=first))
    out.append(repository.stat_update(delivered_at, "first_response", rec.kind, sample=wait))
    if rec.assignee:
        out.append(repository.stat_update(delivered_at, "operator", rec.assignee))
    return out


@_safely
def record_delivered(rec: RequestRecord) -> None:
    if not rec.delivered_at or not idem.claim(f"stats#delivered#{rec.request_id}"):
        return
    for item, actions in _delivered_stats(rec, rec.delivered_at):
        item.update(actions=actions)


def delivered_in(rec: RequestRecord, delivered_at: str) -> Callable[[TransactWrite], None]:
    """The delivery's aggregates as part of the transaction that delivers `rec` (in progress -> delivered, which
    happens once per request): counted exactly once, with no extra calls on the request path."""
    return repository.tx_part(_delivered_stats(rec, delivered_at), claim=f"stats#delivered#{rec.request_id}")


def rating_in(score: int, at: str, survey: dict[str, int] | None = None,
              kind: str | None = None) -> Callable[[TransactWrite], None]:
    """The rating's aggregate as part of the transaction that records the rating (delivered -> completed);
    with the IKM questionnaire, per service (kind) and element: respondents (count) and the sum of the answers
    (total), which is all the regulation's NRR needs (reports/ikm.py)."""
    updates = [repository.stat_update(at, "rating", str(score))]
    if survey:
        updates += [repository.stat_update(at, "ikm", f"{kind or 'all'}|{code}", total=int(v))
                    for code, v in survey.items()]
    return repository.tx_part(updates)


def paused_working_days(rec: RequestRecord, cal: Any, until: str | None = None) -> float:
    """Working time the request spent waiting on the consumer (awaiting approval or payment), from its
    timeline (up to `until`, when given): the SLA clock does not run then, so neither does the fulfilment time."""
    from chalicelib.requests import lifecycle as lc

    total = 0.0
    since: str | None = None
    for entry in rec.timeline or []:
        if until is not None and entry.at > until:
            if since is not None:
                total += cal.working_days_between(clock.parse_iso(since), clock.parse_iso(until))
            return total
        if entry.status in lc.PAUSED:
            since = since or entry.at
        elif since is not None:
            total += cal.working_days_between(clock.parse_iso(since), clock.parse_iso(entry.at))
            since = None
    return total



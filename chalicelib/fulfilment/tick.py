"""Scheduled work, run every tick (one minute in AWS; SCHEDULE_TICK_SECONDS locally), step by step; one
failing step never starves the others."""

from __future__ import annotations

from typing import Any

from chalicelib.core import obs


def _step(name: str, fn: Any, out: dict[str, Any]) -> None:
    try:
        out[name] = fn()
    except Exception:  # noqa: BLE001 - one failing job must not starve the others
        obs.logger().exception("tick step failed", extra={"step": name})
        out[name] = "error"


def tick() -> dict[str, Any]:
    from chalicelib.catalog import releases
    from chalicelib.catalog import service as catalog
    from chalicelib.core import outbox
    from chalicelib.fulfilment import assign, consumer, payment, reconciliation, reminders, tasks
    from chalicelib.privacy import service as privacy
    from chalicelib.requests import sweeper

    out: dict[str, Any] = {}
    _step("reconcile", payment.reconcile, out)  # payments whose webhook was lost
    _step("stuck_paid", payment.unstick, out)  # paid requests whose workflow did not move on
    _step("stranded", payment.retry_stranded, out)  # orders the provider could not bill (backoff)
    _step("sweep", sweeper.sweep, out)  # executions never started or lost
    _step("workflow_problems", tasks.problems_to_supervisors, out)  # stopped workflows: a supervisor's work item
    _step("answers", sweeper.confirm_answers, out)  # workflow answers left unconfirmed
    _step("outbox", outbox.sweep, out)  # outbox rows the stream did not relay
    _step("absences", assign.redistribute_unavailable, out)  # open requests of operators away (issue 20)
    _step("drain", assign.drain, out)  # queued requests, operators with room
    _step("reminders", reminders.run, out)  # due dates, billings, rating prompts, auto-completion
    _step("consumer_waits", consumer.sweep, out)  # unanswered questions/quotes: reminder, then expiry (issue 19)
    _step("releases", releases.publish_due, out)  # planned releases whose day has come
    _step("search_schema", catalog.request_rebuild_if_stale, out)  # a deployment changed the index schema
    _step("retention", privacy.retention_tick, out)  # the daily retention run
    _step("daily_reconciliation", reconciliation.run, out)  # provider vs ledger, the previous day (issue 16)
    return out

"""Scheduled work, run every tick (one minute in AWS; SCHEDULE_TICK_SECONDS locally)."""

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
    from chalicelib.billing import service as billing
    from chalicelib.delegation import service as delegation
    from chalicelib.requests import sweeper

    out: dict[str, Any] = {}
    _step("reconcile", billing.reconcile, out)
    _step("sweep", sweeper.sweep, out)
    _step("answers", sweeper.confirm_answers, out)
    _step("drain", delegation.drain, out)
    try:
        from chalicelib.notify import reminders
    except ImportError:
        reminders = None
    if reminders is not None:
        _step("reminders", reminders.run, out)
    # beyond the original system (issue 12): planned releases whose day has come; the daily retention run
    from chalicelib.catalog import releases
    from chalicelib.privacy import service as privacy

    _step("releases", releases.publish_due, out)
    _step("retention", privacy.retention_tick, out)
    return out

"""The jobs queue: background work that is not a workflow task — drain the delegation queue (an operator has
room again, the roster changed), tell a published item's subscribers, tell a unit's producers of an escalation.
Each job is idempotent."""

from __future__ import annotations

from typing import Any

from chalicelib.core import obs


def _drain(message: dict[str, Any]) -> None:
    from chalicelib.fulfilment import assign

    assign.drain()


def _release(message: dict[str, Any]) -> None:
    from chalicelib.subscriptions import service as subscriptions

    subscriptions.on_release(str(message.get("item_id") or ""))


def _cancel_billing(message: dict[str, Any]) -> None:
    from chalicelib.fulfilment import payment

    payment.cancel_at_provider(str(message.get("billing_code") or ""))


def _redistribute(message: dict[str, Any]) -> None:
    from chalicelib.fulfilment import assign

    assign.redistribute(str(message.get("operator_id") or ""), str(message.get("reason") or "absent"))


def _escalation_notice(message: dict[str, Any]) -> None:
    from chalicelib.escalation import service as escalation

    escalation.notify_unit(str(message.get("unit") or ""), str(message.get("escalation_id") or ""),
                           dict(message.get("ctx") or {}))


JOBS = {"drain": _drain, "release": _release, "cancel_billing": _cancel_billing, "redistribute": _redistribute,
        "escalation_notice": _escalation_notice}


def handle(message: dict[str, Any]) -> None:
    """Dispatch one jobs-queue message. Raises to have SQS redeliver it."""
    job = message.get("job")
    fn = JOBS.get(job) if isinstance(job, str) else None
    if fn is None:
        obs.logger().error("unknown job", extra={"job": job})
        return
    fn(message)

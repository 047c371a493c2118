"""Glue for event handlers (SQS batches with partial failures, schedules): logging, metrics, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def sqs_batch(event: dict[str, Any], handle: Callable[[dict[str, Any]], None], source: str) -> dict[str, Any]:
    """Process an SQS event record by record; report the failed ones (ReportBatchItemFailures), so one bad
    message never makes the whole batch redeliver and nothing is dropped silently."""
    from chalicelib.core import obs

    log = obs.logger()
    failures = []
    for record in event.get("Records", []):
        mid = record.get("messageId", "")
        log.set_correlation_id(mid)
        try:
            body = record.get("body") or "{}"
            message = json.loads(body)
            if not isinstance(message, dict):
                raise ValueError("message body is not an object")
            handle(message if source != "uploads" else {**message, "_record": record})
        except Exception:
            log.exception("message failed; it will be retried", extra={"source": source})
            failures.append({"itemIdentifier": mid})
    obs.flush_metrics()
    return {"batchItemFailures": failures}


def scheduled(name: str, fn: Callable[[], Any]) -> Any:
    from chalicelib.core import obs

    log = obs.logger()
    log.set_correlation_id(name)
    try:
        result = fn()
        log.info("scheduled job done", extra={"job": name, "result": result})
        return result
    except Exception:
        log.exception("scheduled job failed", extra={"job": name})
        raise
    finally:
        obs.flush_metrics()

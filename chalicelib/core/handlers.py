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


def stream_batch(event: dict[str, Any], handle: Callable[[dict[str, Any]], None], source: str) -> dict[str, Any]:
    """Process a DynamoDB stream batch record by record; on the first failure report it and everything after it
    (ReportBatchItemFailures by SequenceNumber: a stream shard is ordered, so the batch resumes there)."""
    from chalicelib.core import obs

    log = obs.logger()
    records = event.get("Records", [])
    for i, record in enumerate(records):
        try:
            handle(record)
        except Exception:
            log.exception("stream record failed; it will be retried", extra={"source": source})
            obs.flush_metrics()
            return {"batchItemFailures": [{"itemIdentifier": (r.get("dynamodb") or {}).get("SequenceNumber", "")}
                                          for r in records[i:i + 1]]}
    obs.flush_metrics()
    return {"batchItemFailures": []}


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

"""SQS access: queue URLs resolved lazily by name (cached per container), JSON messages."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from chalicelib.core import aws
from chalicelib.core.config import get_settings

WORKFLOW = "workflow"
NOTIFY = "notify"
CATALOG = "catalog"
JOBS = "jobs"  # background jobs that are not workflow tasks: drain the delegation queue, tell subscribers


@cache
def queue_url(name: str) -> str:
    override = os.environ.get(f"{name.upper()}_QUEUE_URL")
    if override:
        return override
    return aws.client("sqs").get_queue_url(QueueName=get_settings().queue(name))["QueueUrl"]


def send(name: str, body: dict[str, Any], *, delay_s: int = 0) -> None:
    kwargs: dict[str, Any] = {"QueueUrl": queue_url(name), "MessageBody": json.dumps(body, default=str)}
    if delay_s:
        kwargs["DelaySeconds"] = max(0, min(900, delay_s))
    aws.client("sqs").send_message(**kwargs)


def reset() -> None:
    queue_url.cache_clear()

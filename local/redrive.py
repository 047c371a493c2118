"""Move messages from a dead-letter queue back to its source queue (after fixing what made them fail).

    python -m local.redrive notify                 # <PREFIX>-notify-dlq -> <PREFIX>-notify
    python -m local.redrive --dlq-url URL --target-url URL [--max N]

Works against moto and AWS alike (plain receive / send / delete; AWS also offers StartMessageMoveTask).
At-least-once: a message is deleted from the DLQ only after it was sent to the target, so a crash can
duplicate but never lose one; the consumers are idempotent (the notify worker sends once per key).
Message bodies are never printed (they hold personal data).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

_BATCH = 10


def redrive(sqs: Any, source_dlq_url: str, target_url: str, max_messages: int | None = None,
            visibility_timeout: int = 60) -> int:
    """Move up to `max_messages` (all when None) from `source_dlq_url` to `target_url`; returns how many."""
    moved = 0
    while max_messages is None or moved < max_messages:
        want = _BATCH if max_messages is None else max(1, min(_BATCH, max_messages - moved))
        resp = sqs.receive_message(QueueUrl=source_dlq_url, MaxNumberOfMessages=want, WaitTimeSeconds=0,
                                   VisibilityTimeout=visibility_timeout, MessageAttributeNames=["All"])
        messages = resp.get("Messages", [])
        if not messages:
            break
        entries = []
        for i, m in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": m["Body"]}
            attrs = {k: {kk: vv for kk, vv in v.items() if kk in ("DataType", "StringValue", "BinaryValue")}
                     for k, v in (m.get("MessageAttributes") or {}).items()}
            if attrs:
                entry["MessageAttributes"] = attrs
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=target_url, Entries=entries)
        ok = {e["Id"] for e in sent.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages) if str(i) in ok]
        if done:
            sqs.delete_message_batch(QueueUrl=source_dlq_url, Entries=done)
        moved += len(done)
        if len(done) < len(messages):  # the rest stays in the DLQ (visible again after the timeout)
            break
    return moved


def queue_urls(sqs: Any, name: str, prefix: str) -> tuple[str, str]:
    """(dlq_url, target_url) of the app queue `name` (workflow, notify, uploads, catalog)."""
    target = sqs.get_queue_url(QueueName=f"{prefix}-{name}")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"{prefix}-{name}-dlq")["QueueUrl"]
    return dlq, target


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin CLI
    import boto3

    parser = argparse.ArgumentParser(description="Move messages from a dead-letter queue back to its queue")
    parser.add_argument("queue", nargs="?", help="app queue name: workflow, notify, uploads, catalog")
    parser.add_argument("--prefix", default=os.environ.get("PREFIX", "silastik-local"))
    parser.add_argument("--dlq-url")
    parser.add_argument("--target-url")
    parser.add_argument("--max", type=int, default=None, help="move at most this many messages")
    args = parser.parse_args(argv)
    sqs = boto3.client("sqs", region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
                       or "ap-southeast-3")
    if args.dlq_url and args.target_url:
        dlq, target = args.dlq_url, args.target_url
    elif args.queue:
        dlq, target = queue_urls(sqs, args.queue, args.prefix)
    else:
        parser.error("give a queue name, or --dlq-url and --target-url")
    n = redrive(sqs, dlq, target, args.max)
    print(f"moved {n} message(s) from {dlq.rsplit('/', 1)[-1]} to {target.rsplit('/', 1)[-1]}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

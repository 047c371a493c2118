"""The local worker: what AWS would trigger. Polls each SQS queue and hands the messages to the app's
handlers as SQS events (deleting only what the handler did not report as failed), hands the outbox table's
pending rows to `outbox_relay` shaped as DynamoDB stream records (AWS: the table's stream), and runs the
scheduled handlers every SCHEDULE_TICK_SECONDS. Also used by the tests to drive the same handlers."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("silastik.worker")

#: queue name (without prefix) -> app lambda function name
QUEUE_HANDLERS = {
    "workflow": "workflow_worker",
    "notify": "notify_worker",
    "uploads": "uploads_worker",
    "catalog": "catalog_worker",
    "jobs": "jobs_worker",
}
#: the outbox table's stream handler (local: fed by `Worker.poll_outbox`)
OUTBOX_HANDLER = "outbox_relay"


def outbox_table_name() -> str | None:
    prefix = os.environ.get("PREFIX")
    return f"{prefix}-outbox" if prefix else None


def stream_event(items: list[dict[str, Any]], table: str) -> dict[str, Any]:
    """Outbox rows (DynamoDB JSON) as the INSERT records of the table's stream."""
    arn = f"arn:aws:dynamodb:ap-southeast-3:123456789012:table/{table}/stream/local"
    return {"Records": [{
        "eventID": str(uuid.uuid4()), "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "ap-southeast-3", "eventSourceARN": arn,
        "dynamodb": {"Keys": {"id": item["id"]}, "NewImage": item, "SequenceNumber": f"{i + 1:021d}",
                     "StreamViewType": "NEW_IMAGE"},
    } for i, item in enumerate(items)]}


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "ap-southeast-3",
    } for m in messages]}


def schedule_event(name: str) -> dict[str, Any]:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": "ap-southeast-3", "resources": [f"arn:aws:events:ap-southeast-3:123456789012:rule/{name}"],
            "detail": {}}


class Worker:
    def __init__(self, sqs: Any, queue_urls: dict[str, str], invoke: Callable[[str, dict[str, Any]], Any],
                 batch_size: int = 10, outbox_table: str | None = "auto", dynamodb: Any = None) -> None:
        self.sqs = sqs
        self.queue_urls = queue_urls
        self.invoke = invoke
        self.batch_size = batch_size
        self.outbox_table = outbox_table_name() if outbox_table == "auto" else outbox_table
        self._dynamodb = dynamodb
        self.processed = 0
        self.failed = 0

    def poll_queue(self, name: str, wait_s: int = 0) -> int:
        url = self.queue_urls[name]
        resp = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=wait_s,
                                        AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = resp.get("Messages", [])
        if not messages:
            return 0
        arn = "arn:aws:sqs:ap-southeast-3:123456789012:" + url.rsplit("/", 1)[-1]
        try:
            result = self.invoke(QUEUE_HANDLERS[name], sqs_event(messages, arn)) or {}
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:  # the whole invocation crashed: every message is retried after its visibility timeout
            log.exception("handler %s crashed", QUEUE_HANDLERS[name])
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if failed:
            # make failures visible again soon (locally), rather than after the full visibility timeout
            for m in messages:
                if m["MessageId"] in failed:
                    try:
                        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                                           VisibilityTimeout=2)
                    except Exception:  # noqa: BLE001
                        pass
        self.processed += len(done)
        self.failed += len(failed)
        return len(messages)

    def poll_outbox(self) -> int:
        """Relay the outbox rows waiting to be sent; returns how many were relayed."""
        if not self.outbox_table:
            return 0
        if self._dynamodb is None:
            import boto3

            self._dynamodb = boto3.client("dynamodb")
        try:
            items = self._dynamodb.query(TableName=self.outbox_table, IndexName="pending", Limit=25,
                                         KeyConditionExpression="pending = :p",
                                         ExpressionAttributeValues={":p": {"S": "P"}}).get("Items", [])
        except Exception:  # noqa: BLE001 - e.g. not provisioned yet
            log.exception("outbox query failed")
            return 0
        if not items:
            return 0
        try:
            result = self.invoke(OUTBOX_HANDLER, stream_event(items, self.outbox_table)) or {}
            failed = len((result or {}).get("batchItemFailures", []))
        except Exception:  # noqa: BLE001
            log.exception("handler %s crashed", OUTBOX_HANDLER)
            return 0
        self.processed += len(items) - failed
        return len(items) - failed

    def poll_once(self) -> int:
        return self.poll_outbox() + sum(self.poll_queue(name) for name in self.queue_urls)

    def run_until(self, predicate: Callable[[], bool], timeout_s: float = 15.0, idle_sleep: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            n = self.poll_once()
            if predicate():
                return True
            if not n:
                time.sleep(idle_sleep)
        return predicate()

    def drain(self, settle_s: float = 0.4, timeout_s: float = 15.0) -> None:
        """Process until every queue stayed empty for `settle_s` (the state machine runs asynchronously)."""
        deadline = time.monotonic() + timeout_s
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self.poll_once():
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= settle_s:
                return
            else:
                time.sleep(0.03)


def main() -> None:  # pragma: no cover - exercised by make dev
    import argparse
    import importlib
    import os
    import sys
    import threading

    import boto3

    parser = argparse.ArgumentParser(description="SILASTIK local worker")
    parser.add_argument("--tick-seconds", type=float, default=float(os.environ.get("SCHEDULE_TICK_SECONDS", "60")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    sys.path.insert(0, os.getcwd())
    app_module = importlib.import_module("app")

    def invoke(name: str, event: dict[str, Any]) -> Any:
        fn = getattr(app_module, name, None)
        if fn is None:
            log.warning("no handler %s in app; leaving messages", name)
            raise RuntimeError(f"no handler {name}")
        return fn(event, None)

    sqs = boto3.client("sqs")
    urls = {}
    for name in QUEUE_HANDLERS:
        env = os.environ.get(f"{name.upper()}_QUEUE_URL")
        if env and hasattr(app_module, QUEUE_HANDLERS[name]):
            urls[name] = env
    worker = Worker(sqs, urls, invoke)
    log.info("worker polling %s; scheduled handlers every %.0f s", ", ".join(sorted(urls)), args.tick_seconds)

    def ticker() -> None:
        while True:
            time.sleep(args.tick_seconds)
            for name in ("tick",):
                try:
                    getattr(app_module, name)(schedule_event(name), None)
                except Exception:
                    log.exception("scheduled handler %s failed", name)

    threading.Thread(target=ticker, daemon=True, name="ticker").start()
    while True:
        try:
            worker.poll_outbox()
            for name in list(urls):
                worker.poll_queue(name, wait_s=0)
            time.sleep(0.2)
        except KeyboardInterrupt:
            return
        except Exception:
            log.exception("poll failed; retrying")
            time.sleep(1)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The uploads worker: S3 ObjectCreated events (through the uploads queue) verify a declared deliverable — the
object is HEADed and streamed through SHA-256; a match makes it `ready` (pinned to that object version), a
mismatch `rejected` (the version is deleted and the uploader notified). Conditional on the deliverable's status,
so redeliveries and concurrent events are harmless."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from chalicelib.core import clock, obs
from chalicelib.core.errors import retrying
from chalicelib.delivery import catalog_files, s3, uploads
from chalicelib.delivery.models import PENDING, READY, DeliverableRecord
from chalicelib.delivery.repository import find
from chalicelib.delivery.service import WORKER_ACTOR, parse_key
from chalicelib.requests.effects import Effects
from chalicelib.requests.repository import RequestRepository


def handle_upload_event(message: dict[str, Any]) -> None:
    """One uploads-queue message: an S3 event notification (or S3's test event, or the same wrapped in an
    SNS envelope). Raises to have SQS redeliver it."""
    log = obs.logger()
    message = {k: v for k, v in message.items() if k != "_record"}
    if message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
        message = json.loads(message["Message"])
    if message.get("Event") == "s3:TestEvent":
        log.info("s3 test event ignored")
        return
    records = message.get("Records")
    if not isinstance(records, list):
        log.warning("uploads message is not an S3 event; dropped")
        obs.count("UploadEventMalformed")
        return
    for r in records:
        if not isinstance(r, dict) or not str(r.get("eventName", "")).startswith("ObjectCreated"):
            continue
        info = r.get("s3") or {}
        bucket = (info.get("bucket") or {}).get("name")
        obj = info.get("object") or {}
        if bucket != s3.bucket():
            log.warning("upload event for another bucket ignored")
            continue
        key = urllib.parse.unquote_plus(str(obj.get("key") or ""))
        process_upload(key, obj.get("versionId") or None, r.get("eventTime"))


def _event_time(value: Any) -> str:
    if isinstance(value, str) and value:
        try:
            return clock.iso(clock.parse_iso(value))
        except ValueError:
            pass
    return clock.iso()


def process_upload(key: str, version_id: str | None, event_time: Any = None) -> str:
    """Verify one uploaded object version; returns what was done (for logs and tests)."""
    log = obs.logger()
    parsed = parse_key(key)
    if parsed is None and key.startswith(catalog_files.KEY_PREFIX):
        # a catalog item's data file (issue 19): the same verification, against its catalog file record
        return catalog_files.process_upload(key, version_id, _event_time(event_time))
    if parsed is None:
        log.warning("object outside the deliverables layout ignored")
        return "ignored"
    request_id, deliverable_id, _ = parsed
    d = find(request_id, deliverable_id)
    if d is None or d.s3_key != key:
        # no upload URL was issued for this key: never keep unaccounted confidential data
        log.warning("object without a deliverable record deleted",
                    extra={"request_id": request_id, "deliverable_id": deliverable_id})
        return uploads.delete_orphan(key, version_id)
    info = s3.head(key, version_id)
    if info is None:
        return "gone"
    version = info.version_id or version_id
    if d.status != PENDING:
        return _after_final(d, version)
    verdict = uploads.verify(d, info, version)
    if verdict is None:
        return "gone"
    return _decide(d, version, _event_time(event_time), verdict)


def _after_final(d: DeliverableRecord, version: str | None) -> str:
    """An object version for a deliverable that is no longer pending."""
    if d.status == READY:
        if version == d.version_id:
            return "already_ready"
        # another upload to the same key after verification: only the verified version is ever served
        s3.delete_version(d.s3_key, version)
        return "extra_version_deleted"
    # rejected or deleted: nothing under this key is kept (the uploader's notice committed with the verdict)
    s3.delete_version(d.s3_key, version)
    return "discarded"


def _decide(d: DeliverableRecord, version: str | None, uploaded_at: str, verdict: dict[str, Any]) -> str:
    """Record the verdict (pending -> ready | rejected, conditional on pending) with its audit event; a
    rejected version is then deleted and the uploader notified."""
    repo = RequestRepository()
    log = obs.logger()
    to, actions = uploads.verdict_actions(DeliverableRecord, verdict, version, uploaded_at)
    audit = {"deliverable_id": d.deliverable_id, "version_id": version,
             **{k: v for k, v in verdict.items() if k != "reject_reason"}}
    raced: list[DeliverableRecord | None] = []

    def write() -> None:
        raced.clear()
        current = find(d.request_id, d.deliverable_id)
        if current is None or current.status != PENDING:
            raced.append(current)
            return
        rec = repo.get(d.request_id)
        # a rejection's notice to the uploader is an outbox row of the verdict's own transaction
        told = [] if to == READY else [_rejected_notice(current, rec, verdict)]
        repo.append_audit(rec, WORKER_ACTOR, f"delivery.{'verified' if to == READY else 'rejected'}", audit,
                          also=lambda tx: tx.update(current, actions=list(actions),
                                                    condition=DeliverableRecord.status == PENDING),
                          effects=Effects.of(messages=told))

    retrying(write)
    if raced:
        # a concurrent event or a withdrawal decided first: treat this version against that decision
        current = raced[0]
        if current is None:
            s3.delete_version(d.s3_key, version)
            return "discarded"
        return _after_final(current, version)
    d.status = to
    d.version_id = version or d.version_id
    if to == READY:
        obs.count("DeliverableVerified")
        log.info("deliverable verified", extra={"request_id": d.request_id, "deliverable_id": d.deliverable_id})
        return "ready"
    d.reject_code, d.reject_reason = verdict["reject_code"], verdict["reject_reason"]
    s3.delete_version(d.s3_key, version)  # a rejected file is not kept (confidential and unverified)
    obs.count("DeliverableRejected")
    log.warning("deliverable rejected", extra={"request_id": d.request_id, "deliverable_id": d.deliverable_id,
                                               "reason_code": d.reject_code})
    return "rejected"


def _rejected_notice(d: DeliverableRecord, rec: Any, verdict: dict[str, Any]) -> Any:
    from chalicelib.notify.outbox import notice

    return notice("deliverable_rejected", key=f"deliverable_rejected#{d.request_id}#{d.deliverable_id}",
                  to_user=d.uploaded_by,
                  ctx={"request_id": d.request_id, "kind": rec.kind, "due_at": rec.due_at, "audience": "admin",
                       "reason": f'Berkas "{d.filename}": {verdict["reject_reason"] or "tidak lolos verifikasi"}'})

"""Secure delivery (SPEC §2.11).

- Upload: the assignee (or a supervisor) declares a file (name, type, exact size, SHA-256) and gets an S3
  pre-signed POST bound to one key, that size, that type and SSE, valid for a short time.
- Verification (delivery/worker.py): S3 ObjectCreated -> uploads queue -> `handle_upload_event`: the object is HEADed and streamed
  through SHA-256; a match makes the deliverable `ready` (pinned to that object version), a mismatch
  `rejected` (the version is deleted and the uploader notified). Conditional on the deliverable's status, so
  redeliveries and concurrent events are harmless.
- Download: the owner of a delivered/completed request that is free/internal, paid or approved gets
  pre-signed GET URLs (<= 15 min), re-issuable within the download window; every link issued is recorded
  (a DownloadRecord per URL and one audit event on the request's hash chain, in one transaction).
- Completion of a data order needs at least one deliverable and every (non-deleted) deliverable ready.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from pynamodb.transactions import TransactWrite

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import Conflict, FirstThenFresh, Forbidden, NotFound, retrying
from chalicelib.delivery import s3, uploads
from chalicelib.delivery.models import DELETED, READY, DeliverableRecord, DownloadRecord
from chalicelib.delivery.repository import deliverables, find
from chalicelib.delivery.schemas import (
    DeliverableIn,
    DeliverableOut,
    DownloadLinkOut,
    DownloadLogOut,
    UploadOut,
)
from chalicelib.requests import access
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.service import RequestService

#: statuses in which files can be uploaded or withdrawn (the request is being worked on)
UPLOADABLE = (lc.ASSIGNED, lc.IN_PROGRESS, lc.ESCALATED)
#: statuses in which the consumer can download
DOWNLOADABLE = (lc.DELIVERED, lc.COMPLETED)
#: statuses in which the catalog part of a mixed order (delivered automatically) can be downloaded before the rest
EARLY = tuple(sorted(lc.IN_PROCESS | {lc.QUEUED}))
#: at most this many live (not deleted) deliverables per request (and so <= 100 items per transaction)
MAX_DELIVERABLES = 50
KEY_PREFIX = "deliverables/"
WORKER_ACTOR = "system:uploads"


def new_deliverable_id() -> str:
    return uploads.new_id("D")


def object_key(request_id: str, deliverable_id: str, filename: str) -> str:
    return f"{KEY_PREFIX}{request_id}/{deliverable_id}/{filename}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """`deliverables/<request_id>/<deliverable_id>/<filename>` -> its parts, or None for any other key."""
    return uploads.parse_key(KEY_PREFIX, key)


def check_ready_for_completion(rec: RequestRecord) -> None:
    """Called by RequestService.complete for data orders. Deleted deliverables (e.g. a rejected upload that
    was withdrawn) do not count; every other one must be verified."""
    items = [d for d in deliverables(rec.request_id) if d.status != DELETED]
    if not items:
        raise Conflict("a data order needs at least one deliverable before completion", code="no_deliverables")
    not_ready = [d.deliverable_id for d in items if d.status != READY]
    if not_ready:
        raise Conflict("every deliverable must be uploaded and verified", code="deliverables_not_ready",
                       details={"not_ready": not_ready})


def to_staff_out(d: DeliverableRecord) -> DeliverableOut:
    return DeliverableOut(deliverable_id=d.deliverable_id, source=d.source, **uploads.file_fields(d))


class DeliveryService:
    def __init__(self, repo: RequestRepository | None = None) -> None:
        self.repo = repo or RequestRepository()
        self.requests = RequestService(repo=self.repo)  # staff reads and acts through the access policy

    # --- staff -------------------------------------------------------------------------------------
    @staticmethod
    def _check_actor(p: Principal, rec: RequestRecord) -> None:
        """On the fresh copy a write re-reads: the same access rule as `ops_get(..., HANDLE)`."""
        if not (access.allowed(p, rec, access.HANDLE) and access.separation_of_duties(p, rec, access.HANDLE)):
            raise Forbidden("only the assignee or a supervisor can do this")

    @staticmethod
    def _check_uploadable(rec: RequestRecord) -> None:
        if rec.status not in UPLOADABLE:
            raise Conflict(f"files can only be changed while the request is being worked on (status {rec.status})",
                           code="not_in_progress", details={"status": rec.status})

    def create_upload(self, p: Principal, request_id: str, body: DeliverableIn) -> UploadOut:
        uploads.check_size(body.size_bytes)
        rec = self.requests.ops_get(p, request_id, access.HANDLE)
        self._check_uploadable(rec)
        live = [d for d in deliverables(request_id) if d.status != DELETED]
        if len(live) >= MAX_DELIVERABLES:
            raise Conflict(f"a request holds at most {MAX_DELIVERABLES} files; delete one first",
                           code="too_many_deliverables")
        did = new_deliverable_id()
        issued = uploads.issue(object_key(request_id, did, body.filename), body, p.sub)
        expires_at = issued.expires_at
        d = DeliverableRecord(request_id=request_id, deliverable_id=did, **issued.fields)
        request = FirstThenFresh(rec, lambda: self.repo.get(request_id))

        def write() -> None:
            current = request()
            self._check_actor(p, current)
            self._check_uploadable(current)
            self.repo.append_audit(
                current, p.sub, "delivery.upload_issued",
                {"deliverable_id": did, "filename": body.filename, "content_type": body.content_type,
                 "size_bytes": body.size_bytes, "sha256": body.sha256, "expires_at": expires_at},
                condition=RequestRecord.status.is_in(*UPLOADABLE),
                also=lambda tx: tx.save(d, condition=DeliverableRecord.deliverable_id.does_not_exist()),
            )

        retrying(write)
        obs.count("DeliverableUploadIssued")
        obs.logger().info("upload url issued", extra={"request_id": request_id, "deliverable_id": did})
        return issued.out(did, body.filename)

    def list_for_staff(self, p: Principal, request_id: str) -> list[DeliverableOut]:
        self.requests.ops_get(p, request_id)
        items = sorted(deliverables(request_id), key=lambda d: (d.created_at, d.deliverable_id))
        return [to_staff_out(d) for d in items]

    def delete(self, p: Principal, request_id: str, deliverable_id: str) -> None:
        """Withdraw a file (e.g. a rejected upload, to replace it): the record is kept as `deleted` for the
        audit trail and every S3 version of its key is removed. Repeating it is harmless."""

        def write() -> DeliverableRecord:
            rec = self.requests.ops_get(p, request_id, access.HANDLE)
            d = find(request_id, deliverable_id)
            if d is None:
                raise NotFound("deliverable not found")
            if d.status == DELETED:
                return d
            self._check_uploadable(rec)
            prev = d.status
            now = clock.iso()
            actions = [DeliverableRecord.status.set(DELETED), DeliverableRecord.deleted_at.set(now),
                       DeliverableRecord.deleted_by.set(p.sub)]
            self.repo.append_audit(
                rec, p.sub, "delivery.deleted", {"deliverable_id": deliverable_id, "previous_status": prev},
                condition=RequestRecord.status.is_in(*UPLOADABLE),
                also=lambda tx: tx.update(d, actions=actions, condition=DeliverableRecord.status == prev),
            )
            return d

        d = retrying(write)
        # a published catalog file delivered automatically is the catalog's object, not the request's: kept
        removed = s3.delete_all_versions(d.s3_key) if d.s3_key.startswith(KEY_PREFIX) else 0
        obs.count("DeliverableDeleted")
        obs.logger().info("deliverable deleted", extra={"request_id": request_id, "deliverable_id": deliverable_id,
                                                        "versions_removed": removed})

    def download_log(self, p: Principal, request_id: str, limit: int = 1000) -> list[DownloadLogOut]:
        self.requests.ops_get(p, request_id)
        out = []
        for r in DownloadRecord.query(request_id, limit=limit):
            out.append(DownloadLogOut(at=r.at or r.at_id.split("#", 1)[0], deliverable_id=r.deliverable_id,
                                      filename=r.filename, user_id=r.user_id, expires_at=r.expires_at,
                                      version_id=r.version_id))
        return out

    # --- consumer ----------------------------------------------------------------------------------
    def _own(self, p: Principal, request_id: str) -> RequestRecord:
        rec = self.repo.find(request_id)
        if rec is None or rec.consumer_id != p.sub:
            raise NotFound("request not found")
        return rec

    @staticmethod
    def check_downloadable(rec: RequestRecord, early: bool = False) -> None:
        """409 until delivered and paid/approved; 403 once the download window has closed. `early`: the published
        catalog files of an order that the desk completes with a custom part (delivered automatically once
        paid/approved, fulfilment/autodeliver.py), downloadable while the rest is being prepared."""
        if early and rec.status in EARLY:
            pass
        elif rec.status not in DOWNLOADABLE or not rec.delivered_at:
            raise Conflict("the request has not been delivered yet", code="not_delivered",
                           details={"status": rec.status})
        ttype = rec.transaction_type
        approved = bool(rec.approval and rec.approval.decision == "approve")
        if (rec.needs_approval or ttype == "zero_rupiah") and not approved:
            raise Conflict("the request has not been approved", code="not_approved")
        if ttype == "paid" and not rec.paid_at:
            raise Conflict("the request has not been paid", code="not_paid")
        if ttype not in ("free", "internal", "paid", "zero_rupiah"):
            raise Conflict("the request is not cleared for download", code="not_paid")
        if not rec.delivered_at:
            return  # early: the download window starts with the delivery
        closes = clock.parse_iso(rec.delivered_at) + timedelta(days=get_settings().download_window_days)
        if clock.now() >= closes:
            raise Forbidden("the download period for this request has ended", code="download_window_closed",
                            details={"closed_at": clock.iso(closes)})

    def issue_downloads(self, p: Principal, request_id: str) -> list[DownloadLinkOut]:
        rec = self._own(p, request_id)
        request = FirstThenFresh(rec, lambda: self._own(p, request_id))
        files = [d for d in deliverables(request_id) if d.status == READY]
        early = rec.status in EARLY and any(d.source == "catalog" for d in files)
        self.check_downloadable(rec, early)
        ready = sorted((d for d in files if not early or d.source == "catalog"),
                       key=lambda d: (d.created_at, d.deliverable_id))
        if not ready:
            return []
        now = clock.now()
        ttl = min(get_settings().download_url_ttl_s, s3.MAX_GET_TTL_S)
        at = clock.iso(now)
        expires_at = clock.iso(now + timedelta(seconds=ttl))
        links: list[DownloadLinkOut] = []
        logs: list[DownloadRecord] = []
        for d in ready:
            url = s3.download_url(d.s3_key, d.version_id, d.filename, d.content_type, ttl)
            links.append(DownloadLinkOut(deliverable_id=d.deliverable_id, filename=d.filename,
                                         size_bytes=int(d.size_bytes), sha256=d.sha256, download_url=url,
                                         expires_at=expires_at))
            logs.append(DownloadRecord(request_id=request_id, at_id=f"{at}#{d.deliverable_id}#{secrets.token_hex(4)}",
                                       deliverable_id=d.deliverable_id, user_id=p.sub, s3_key=d.s3_key,
                                       expires_at=expires_at, at=at, filename=d.filename, version_id=d.version_id,
                                       sha256=d.sha256))

        def save_logs(tx: TransactWrite) -> None:
            for log in logs:
                tx.save(log, condition=DownloadRecord.at_id.does_not_exist())

        def write() -> None:
            current = request()
            self.check_downloadable(current, early)
            self.repo.append_audit(
                current, p.sub, "delivery.download_issued",
                {"deliverables": [d.deliverable_id for d in ready], "expires_at": expires_at},
                condition=RequestRecord.status.is_in(*(EARLY if early else DOWNLOADABLE)), also=save_logs,
            )

        retrying(write)
        obs.count("DownloadLinkIssued", len(links))
        obs.logger().info("download links issued", extra={"request_id": request_id, "links": len(links)})
        return links

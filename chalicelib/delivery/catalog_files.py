"""File-backed catalog items (issue 19 §1): the published data files of a publication, table or map.

- Attach: an admin declares a file (name, type, exact size, SHA-256) and gets an S3 pre-signed POST bound to one
  key under `catalog/<item_id>/<file_id>/<filename>` of the deliverables bucket, that size, type and SSE — the
  same form as a deliverable's (`delivery/s3.py`).
- Verification: the same S3 ObjectCreated -> uploads queue -> `delivery.worker` path as deliverables; the worker
  hands `catalog/` keys to `process_upload` here with its comparison (HEAD + streamed SHA-256). A match makes the
  file `ready`, pinned to that object version; a mismatch `rejected` (the version is deleted). Conditional on the
  file's status, so redeliveries and concurrent events are harmless.
- Remove: the record is kept as `deleted`; the object gets a delete marker (no version is destroyed), so the
  version pinned by requests already delivered stays downloadable through their download window (the bucket's
  lifecycle removes noncurrent versions after 90 days).
- Open items (published, `access == "open"`, free) are downloadable by anyone: a short-lived pre-signed GET of the
  verified version; every link issued is logged in the `downloads` table under `item#<item_id>`.
- Orders: `ready_files(item_ids)` is what the fulfilment's automatic delivery (fulfilment/autodeliver.py) turns
  into a request's deliverables (`deliverables_for`): records that point at the verified catalog object version.

Access patterns (Query on the hash key, never Scan): an item's files `CatalogFileRecord.query(item_id)`; an open
item's download log `DownloadRecord.query("item#<item_id>")`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.db import meta
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.delivery import s3, uploads
from chalicelib.delivery.models import (
    DELETED,
    PENDING,
    READY,
    REJECTED,
    DeliverableRecord,
    DownloadRecord,
    StoredFile,
)
from chalicelib.delivery.schemas import (
    CatalogFileOut,
    DeliverableIn,
    DownloadLinkOut,
    PublicFileOut,
    UploadOut,
)

KEY_PREFIX = "catalog/"
#: at most this many live (not deleted) files per catalog item
MAX_FILES = 20
#: the uploader recorded on a request's deliverable made from a catalog file
SYSTEM_ACTOR = "system:catalog"
#: the `source` of such a deliverable
SOURCE = "catalog"
ANONYMOUS = "anonymous"


class CatalogFileRecord(StoredFile):
    Meta = meta("catalog_files")

    item_id = UnicodeAttribute(hash_key=True)
    file_id = UnicodeAttribute(range_key=True)


def new_file_id() -> str:
    return uploads.new_id("F")


def object_key(item_id: str, file_id: str, filename: str) -> str:
    return f"{KEY_PREFIX}{item_id}/{file_id}/{filename}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    """`catalog/<item_id>/<file_id>/<filename>` -> its parts, or None for any other key."""
    return uploads.parse_key(KEY_PREFIX, key)


def log_key(item_id: str) -> str:
    return f"item#{item_id}"


# --- data access ---------------------------------------------------------------------------------------------
def files_of(item_id: str) -> list[CatalogFileRecord]:
    return sorted(CatalogFileRecord.query(item_id, consistent_read=True), key=lambda f: (f.created_at, f.file_id))


def find(item_id: str, file_id: str) -> CatalogFileRecord | None:
    try:
        return CatalogFileRecord.get(item_id, file_id, consistent_read=True)
    except DoesNotExist:
        return None


def ready_files(item_ids: Iterable[str]) -> dict[str, list[CatalogFileRecord]]:
    """The verified files of each item that has any (one Query per item; orders hold a handful of items)."""
    out: dict[str, list[CatalogFileRecord]] = {}
    for item_id in dict.fromkeys(item_ids):
        ready = [f for f in files_of(item_id) if f.status == READY]
        if ready:
            out[item_id] = ready
    return out


def _item(item_id: str) -> Any:
    from chalicelib.catalog.repository import CatalogRepository

    return CatalogRepository().get(item_id)


def is_open(item: Any) -> bool:
    return item.status == "published" and item.access == "open" and not int(item.price_idr or 0)


# --- staff (admin) -------------------------------------------------------------------------------------------
def to_out(f: CatalogFileRecord) -> CatalogFileOut:
    return CatalogFileOut(file_id=f.file_id, item_id=f.item_id, **uploads.file_fields(f))


def create_upload(p: Principal, item_id: str, body: DeliverableIn) -> UploadOut:
    uploads.check_size(body.size_bytes)
    item = _item(item_id)
    if item.type == "microdata":
        raise Conflict("microdata is prepared per approved application, not attached as a file",
                       code="not_file_backed")
    live = [f for f in files_of(item_id) if f.status != DELETED]
    if len(live) >= MAX_FILES:
        raise Conflict(f"a catalog item holds at most {MAX_FILES} files; remove one first", code="too_many_files")
    fid = new_file_id()
    issued = uploads.issue(object_key(item_id, fid, body.filename), body, p.sub)
    rec = CatalogFileRecord(item_id=item_id, file_id=fid, **issued.fields)
    try:
        rec.save(condition=CatalogFileRecord.file_id.does_not_exist())
    except PutError as exc:  # pragma: no cover - a random id collided
        raise Conflict("try again", code="concurrent_update") from exc
    obs.count("CatalogFileUploadIssued")
    obs.logger().info("catalog file upload issued", extra={"item_id": item_id, "file_id": fid})
    return issued.out(fid, body.filename)


def list_for_staff(item_id: str) -> list[CatalogFileOut]:
    _item(item_id)
    return [to_out(f) for f in files_of(item_id)]


def remove(p: Principal, item_id: str, file_id: str) -> None:
    """Withdraw a file: kept as `deleted`; its object gets a delete marker (orders already delivered keep their
    pinned version). Repeating it is harmless."""
    f = find(item_id, file_id)
    if f is None:
        raise NotFound("file not found")
    if f.status == DELETED:
        return
    prev = f.status
    try:
        f.update(actions=[CatalogFileRecord.status.set(DELETED), CatalogFileRecord.deleted_at.set(clock.iso()),
                          CatalogFileRecord.deleted_by.set(p.sub)],
                 condition=CatalogFileRecord.status == prev)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("the file changed meanwhile; reload and retry", code="concurrent_update") from exc
        raise
    s3.delete_current(f.s3_key)
    obs.count("CatalogFileRemoved")
    obs.logger().info("catalog file removed", extra={"item_id": item_id, "file_id": file_id})


# --- public --------------------------------------------------------------------------------------------------
def public_files(item_id: str) -> list[PublicFileOut]:
    """The verified files of a published item (what it holds; a download needs `download`)."""
    item = _item(item_id)
    if item.status != "published":
        return []
    return [PublicFileOut(file_id=f.file_id, filename=f.filename, content_type=f.content_type,
                          size_bytes=int(f.size_bytes), sha256=f.sha256, verified_at=f.verified_at,
                          downloadable=is_open(item))
            for f in files_of(item_id) if f.status == READY]


def caller(headers: Any) -> Principal | None:
    """The signed-in caller of a public route, if any (the download log names them); anyone else is anonymous."""
    from chalicelib.core.auth import authenticate
    from chalicelib.core.errors import AppError

    headers = headers or {}
    if not (headers.get("authorization") or headers.get("Authorization")):
        return None
    try:
        return authenticate(headers)
    except AppError:
        return None


def download(headers: Any, item_id: str, file_id: str) -> DownloadLinkOut:
    """A short-lived link to a verified file of an open item, for anyone; the link issued is logged (with the
    caller's id when signed in)."""
    item = _item(item_id)
    if not is_open(item):
        raise Conflict("this item is not open data: order it to receive its files", code="not_open",
                       details={"access": item.access, "status": item.status})
    f = find(item_id, file_id)
    if f is None or f.status != READY:
        raise NotFound("file not found")
    now = clock.now()
    ttl = min(get_settings().download_url_ttl_s, s3.MAX_GET_TTL_S)
    at = clock.iso(now)
    expires_at = clock.iso(now + timedelta(seconds=ttl))
    url = s3.download_url(f.s3_key, f.version_id, f.filename, f.content_type, ttl)
    p = caller(headers)
    user = p.sub if p is not None else ANONYMOUS
    DownloadRecord(request_id=log_key(item_id), at_id=f"{at}#{file_id}#{secrets.token_hex(4)}",
                   deliverable_id=file_id, user_id=user, s3_key=f.s3_key, expires_at=expires_at, at=at,
                   filename=f.filename, version_id=f.version_id, sha256=f.sha256).save()
    obs.count("CatalogDownloadIssued")
    obs.logger().info("catalog download link issued", extra={"item_id": item_id, "file_id": file_id})
    return DownloadLinkOut(deliverable_id=file_id, filename=f.filename, size_bytes=int(f.size_bytes),
                           sha256=f.sha256, download_url=url, expires_at=expires_at)


# --- orders --------------------------------------------------------------------------------------------------
def deliverable_id(file_id: str) -> str:
    """The request's deliverable made from a catalog file: derived, so making it again is harmless."""
    return f"C{file_id}"


def deliverables_for(request_id: str, files: Iterable[CatalogFileRecord]) -> list[DeliverableRecord]:
    now = clock.iso()
    return [DeliverableRecord(
        request_id=request_id, deliverable_id=deliverable_id(f.file_id), filename=f.filename,
        content_type=f.content_type, size_bytes=int(f.size_bytes), sha256=f.sha256, s3_key=f.s3_key, status=READY,
        uploaded_by=SYSTEM_ACTOR, created_at=now, uploaded_at=f.uploaded_at, verified_at=f.verified_at,
        version_id=f.version_id, source=SOURCE) for f in files]


def deliverables_part(records: list[DeliverableRecord]) -> Any:
    """The deliverables as a part of the transaction that changes the request (Effects.parts)."""
    def part(tx: Any) -> None:
        for d in records:
            tx.save(d, condition=DeliverableRecord.deliverable_id.does_not_exist())
    return part


# --- verification (called by delivery.worker for `catalog/` keys) --------------------------------------------
def process_upload(key: str, version_id: str | None, event_time: str) -> str:
    """Verify one uploaded object version of a catalog file (the deliverables' comparison, `uploads.verify`)."""
    log = obs.logger()
    parsed = parse_key(key)
    if parsed is None:
        return "ignored"
    item_id, file_id, _ = parsed
    f = find(item_id, file_id)
    if f is None or f.s3_key != key:
        log.warning("catalog object without a file record deleted", extra={"item_id": item_id})
        return uploads.delete_orphan(key, version_id)
    info = s3.head(key, version_id)
    if info is None:
        return "gone"
    version = info.version_id or version_id
    if f.status != PENDING:
        if f.status == READY and version == f.version_id:
            return "already_ready"
        s3.delete_version(key, version)  # only the verified version is ever served
        return "discarded"
    verdict = uploads.verify(f, info, version)
    if verdict is None:
        return "gone"
    to, actions = uploads.verdict_actions(CatalogFileRecord, verdict, version, event_time)
    try:
        f.update(actions=actions, condition=CatalogFileRecord.status == PENDING)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return process_upload(key, version_id, event_time)  # decided meanwhile: treat it against that
    if to == REJECTED:
        s3.delete_version(key, version)
        obs.count("CatalogFileRejected")
        log.warning("catalog file rejected", extra={"item_id": item_id, "file_id": file_id,
                                                    "reason_code": verdict["reject_code"]})
        return "rejected"
    obs.count("CatalogFileVerified")
    log.info("catalog file verified", extra={"item_id": item_id, "file_id": file_id})
    return "ready"

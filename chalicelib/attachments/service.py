"""Consumers' attachments (issue 19 item 4): documents on a request or a message.

- Upload: the owner declares the file (name, PDF/JPEG/PNG, exact size <= ATTACHMENT_MAX_BYTES, SHA-256) and
  gets a pre-signed POST bound to one key, that size, that type and SSE, valid for a short time.
- Verification after the fact (`verify`, called by the portal right after its upload): the object is HEADed
  and streamed once through SHA-256; its size, type, hash and magic bytes must match the declaration —
  S3 (and moto) do not enforce a POST's conditions for us. A match pins the attachment to that object version
  (`ready`); a mismatch deletes the version (`rejected`, with the reason in Bahasa Indonesia).
- Reading: the owner, and staff who may see the request (chalicelib/requests/access.py, via `ops_get`), get
  the list with short-lived download links of the verified files; outside the policy the request is 404.
- Retention and erasure (chalicelib/privacy): `purge` removes every object and marks the attachments deleted.
Every change is one conditional, versioned write of the request with its audit event."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from chalicelib.attachments import repository as store
from chalicelib.attachments.models import (
    DELETED,
    EXTENSIONS,
    KEY_PREFIX,
    MAGIC,
    PENDING,
    READY,
    REJECTED,
    Attachment,
)
from chalicelib.attachments.schemas import AttachmentIn, AttachmentOut, AttachmentUploadOut
from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, FirstThenFresh, NotFound, retrying
from chalicelib.requests import access
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.service import RequestService

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: attachments can be added while the request is open (not closed, not yet completed)
CLOSED = lc.TERMINAL


def new_attachment_id() -> str:
    return "A" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def object_key(request_id: str, attachment_id: str, filename: str) -> str:
    return f"{KEY_PREFIX}{request_id}/{attachment_id}/{filename}"


def allowed_types() -> set[str]:
    return {t.strip().lower() for t in get_settings().attachment_types.split(",") if t.strip()}


def _copy(items: list[Attachment]) -> list[Attachment]:
    return [Attachment(**a.as_dict()) for a in items]


class AttachmentService:
    def __init__(self, requests: RequestService | None = None) -> None:
        self.requests = requests or RequestService()
        self.repo: RequestRepository = self.requests.repo

    # --- the owner -----------------------------------------------------------------------------------
    def create_upload(self, p: Principal, request_id: str, body: AttachmentIn) -> AttachmentUploadOut:
        s = get_settings()
        if body.size_bytes > s.attachment_max_bytes:
            raise BadRequest(f"an attachment may have at most {s.attachment_max_bytes} bytes", code="file_too_large",
                             details={"max_bytes": s.attachment_max_bytes})
        if body.content_type not in allowed_types():
            raise BadRequest("this file type is not accepted", code="file_type_not_allowed",
                             details={"allowed": sorted(allowed_types())})
        if EXTENSIONS[body.filename.rsplit(".", 1)[-1].lower()] != body.content_type:
            raise BadRequest("the file name's extension does not match content_type", code="content_type_mismatch")
        rec = self.requests.get_own(p, request_id)
        aid = new_attachment_id()
        now = clock.now()
        ttl = s.upload_url_ttl_s
        expires_at = clock.iso(now + timedelta(seconds=ttl))
        key = object_key(request_id, aid, body.filename)
        att = Attachment(attachment_id=aid, filename=body.filename, content_type=body.content_type,
                         size_bytes=body.size_bytes, sha256=body.sha256, s3_key=key, purpose=body.purpose,
                         status=PENDING, uploaded_by=p.sub, created_at=clock.iso(now), upload_expires_at=expires_at)
        read = FirstThenFresh(rec, lambda: self.requests.get_own(p, request_id))

        def write() -> None:
            current = read()
            self._check_open(current)
            live = [a for a in current.attachments or [] if a.status != DELETED]
            if len(live) >= s.max_attachments:
                raise Conflict(f"a request holds at most {s.max_attachments} attachments; delete one first",
                               code="too_many_attachments")
            store.save_list(self.repo, current, p.sub, "attachment.upload_issued", [*_copy(current.attachments), att],
                            {"attachment_id": aid, "content_type": body.content_type, "size_bytes": body.size_bytes,
                             "sha256": body.sha256, "purpose": body.purpose})

        retrying(write)
        form = store.presigned_post(key, body.content_type, body.size_bytes, ttl)
        obs.count("AttachmentUploadIssued")
        return AttachmentUploadOut(attachment_id=aid, filename=body.filename, status=PENDING, upload=form,
                                   expires_at=expires_at)

    def verify(self, p: Principal, request_id: str, attachment_id: str) -> AttachmentOut:
        rec = self.requests.get_own(p, request_id)
        att = store.find(rec, attachment_id)
        if att is None or att.status == DELETED:
            raise NotFound("attachment not found")
        if att.status != PENDING:
            return self._out(att, link=False)  # decided already: repeating is harmless
        info = store.head(att.s3_key)
        if info is None:
            raise Conflict("the file has not been uploaded yet", code="not_uploaded")
        verdict = self._check(att, info)
        to = REJECTED if verdict else READY
        read = FirstThenFresh(rec, lambda: self.requests.get_own(p, request_id))

        def write() -> Attachment:
            current = read()
            items = _copy(current.attachments)
            mine = next((a for a in items if a.attachment_id == attachment_id), None)
            if mine is None or mine.status != PENDING:
                return mine  # another call decided first
            mine.status, mine.version_id = to, info.version_id
            if to == READY:
                mine.verified_at = clock.iso()
            else:
                mine.reject_code, mine.reject_reason = verdict["code"], verdict["reason"]
            store.save_list(self.repo, current, p.sub, f"attachment.{'verified' if to == READY else 'rejected'}",
                            items, {"attachment_id": attachment_id, "version_id": info.version_id,
                                    **({"reject_code": verdict["code"]} if verdict else {})})
            return mine

        decided = retrying(write)
        if to == REJECTED:
            store.delete_version(att.s3_key, info.version_id)  # an unverified document is not kept
            obs.count("AttachmentRejected")
        else:
            obs.count("AttachmentVerified")
        return self._out(decided or att, link=False)

    def list_own(self, p: Principal, request_id: str) -> list[AttachmentOut]:
        return self._list(self.requests.get_own(p, request_id))

    def delete(self, p: Principal, request_id: str, attachment_id: str) -> None:
        """The owner withdraws an attachment while the request is open (e.g. a wrong scan)."""
        rec = self.requests.get_own(p, request_id)
        read = FirstThenFresh(rec, lambda: self.requests.get_own(p, request_id))

        def write() -> Attachment:
            current = read()
            items = _copy(current.attachments)
            mine = next((a for a in items if a.attachment_id == attachment_id), None)
            if mine is None:
                raise NotFound("attachment not found")
            if mine.status == DELETED:
                return mine
            self._check_open(current)
            mine.status, mine.deleted_at = DELETED, clock.iso()
            store.save_list(self.repo, current, p.sub, "attachment.deleted", items, {"attachment_id": attachment_id})
            return mine

        att = retrying(write)
        store.delete_all_versions(att.s3_key)

    # --- staff -------------------------------------------------------------------------------------
    def list_for_staff(self, p: Principal, request_id: str) -> list[AttachmentOut]:
        return self._list(self.requests.ops_get(p, request_id, access.READ))

    # --- retention and erasure -----------------------------------------------------------------------
    def purge(self, rec: RequestRecord, actor: str, reason: str) -> int:
        """Delete every attachment's objects and mark them deleted (retention policy, erasure); returns how many."""
        live = [a for a in rec.attachments or [] if a.status != DELETED]
        if not live:
            return 0
        for a in live:
            store.delete_all_versions(a.s3_key)

        def write() -> None:
            current = self.repo.get(rec.request_id)
            items = _copy(current.attachments)
            now = clock.iso()
            for a in items:
                if a.status != DELETED:
                    a.status, a.deleted_at = DELETED, now
            store.save_list(self.repo, current, actor, "attachment.purged", items,
                            {"attachments": [a.attachment_id for a in live], "reason": reason})

        retrying(write)
        obs.count("AttachmentPurged", len(live))
        return len(live)

    # --- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _check_open(rec: RequestRecord) -> None:
        if rec.status in CLOSED:
            raise Conflict(f"the request is closed (status {rec.status})", code="request_closed",
                           details={"status": rec.status})

    @staticmethod
    def _check(att: Attachment, info: Any) -> dict[str, str]:
        """{} when the object is what was declared, else {"code", "reason"}."""
        declared = int(att.size_bytes)
        if info.size != declared:
            return {"code": "size_mismatch",
                    "reason": f"Ukuran berkas {info.size} byte tidak sesuai dengan yang dideklarasikan ({declared} byte)."}
        if info.content_type.split(";")[0].strip().lower() != att.content_type:
            return {"code": "content_type_mismatch",
                    "reason": "Jenis berkas tidak sesuai dengan jenis yang dideklarasikan."}
        got = store.read(att.s3_key, info.version_id)
        if got is None or got.size != declared:
            return {"code": "size_mismatch", "reason": "Berkas tidak lengkap atau ukurannya berubah saat diperiksa."}
        if not hmac.compare_digest(got.sha256, att.sha256):
            return {"code": "sha256_mismatch",
                    "reason": "Nilai SHA-256 berkas tidak sesuai; berkas mungkin rusak atau berbeda dari yang dimaksud."}
        if not got.head.startswith(MAGIC.get(att.content_type, (b"",))):
            return {"code": "magic_mismatch",
                    "reason": "Isi berkas bukan dokumen PDF/JPEG/PNG yang sah sesuai jenisnya."}
        return {}

    def _list(self, rec: RequestRecord) -> list[AttachmentOut]:
        items = sorted((a for a in rec.attachments or [] if a.status != DELETED),
                       key=lambda a: (a.created_at, a.attachment_id))
        return [self._out(a, link=a.status == READY) for a in items]

    @staticmethod
    def _out(a: Attachment, link: bool) -> AttachmentOut:
        url = expires = None
        if link:
            ttl = get_settings().download_url_ttl_s
            url = store.presigned_get(a.s3_key, a.version_id, a.filename, a.content_type, ttl)
            expires = clock.iso(clock.now() + timedelta(seconds=min(ttl, 900)))
        return AttachmentOut(attachment_id=a.attachment_id, filename=a.filename, content_type=a.content_type,
                             size_bytes=int(a.size_bytes), sha256=a.sha256, purpose=a.purpose, status=a.status,
                             uploaded_by=a.uploaded_by, created_at=a.created_at, verified_at=a.verified_at,
                             reject_code=a.reject_code, reject_reason=a.reject_reason, download_url=url,
                             expires_at=expires)

"""The upload and its verification, shared by a request's deliverables (`service`, `worker`) and a catalog item's
data files (`catalog_files`): one declared file, one pre-signed POST bound to its key, then the uploaded object
compared with the declaration (HEAD + streamed SHA-256) and the record moved `pending -> ready | rejected`.

The record is a `DeliverableRecord` or a `CatalogFileRecord` (the same file attributes).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.core import clock
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest
from chalicelib.delivery import s3
from chalicelib.delivery.models import PENDING, READY, REJECTED
from chalicelib.delivery.schemas import DeliverableIn, UploadOut

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def parse_key(prefix: str, key: str) -> tuple[str, str, str] | None:
    """`<prefix><owner>/<file id>/<filename>` -> its parts, or None for any other key."""
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix):].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def check_size(size_bytes: int) -> None:
    limit = get_settings().max_upload_bytes
    if size_bytes > limit:
        raise BadRequest(f"size_bytes exceeds the upload limit of {limit} bytes", code="file_too_large",
                         details={"max_upload_bytes": limit})


@dataclass(frozen=True)
class Issued:
    """A pre-signed POST for one declared file, and the record's attributes that go with it."""

    form: dict[str, Any]
    created_at: str
    expires_at: str
    fields: dict[str, Any]

    def out(self, file_id: str, filename: str) -> UploadOut:
        return UploadOut(deliverable_id=file_id, filename=filename, status=PENDING, upload=self.form,
                         expires_at=self.expires_at)


def issue(key: str, body: DeliverableIn, uploaded_by: str) -> Issued:
    """The form bound to `key`, the declared size and type and SSE, valid `upload_url_ttl_s`."""
    now = clock.now()
    ttl = get_settings().upload_url_ttl_s
    created_at, expires_at = clock.iso(now), clock.iso(now + timedelta(seconds=ttl))
    form = s3.presigned_post(key, body.content_type, body.size_bytes, ttl)
    fields = {"filename": body.filename, "content_type": body.content_type, "size_bytes": body.size_bytes,
              "sha256": body.sha256, "s3_key": key, "status": PENDING, "uploaded_by": uploaded_by,
              "created_at": created_at, "upload_expires_at": expires_at}
    return Issued(form=form, created_at=created_at, expires_at=expires_at, fields=fields)


def delete_orphan(key: str, version_id: str | None) -> str:
    """An object no upload was issued for: never keep unaccounted data."""
    if version_id:
        s3.delete_version(key, version_id)
    else:
        s3.delete_all_versions(key)
    return "orphan_deleted"


def _size_mismatch(actual: int, declared: int) -> dict[str, Any]:
    return {"reject_code": "size_mismatch", "actual_size": actual,
            "reject_reason": f"Ukuran berkas {actual} byte tidak sesuai dengan ukuran yang dideklarasikan "
                             f"({declared} byte)."}


def verify(rec: Any, info: s3.ObjectInfo, version: str | None) -> dict[str, Any] | None:
    """Compare the object with the declaration: {} when it matches, else the rejection; None if it vanished."""
    declared = int(rec.size_bytes)
    if info.size != declared:
        return _size_mismatch(info.size, declared)
    if info.content_type.split(";")[0].strip().lower() != rec.content_type:
        return {"reject_code": "content_type_mismatch",
                "reject_reason": f"Jenis berkas ({info.content_type or 'tidak diketahui'}) tidak sesuai dengan "
                                 f"jenis yang dideklarasikan ({rec.content_type})."}
    hashed = s3.sha256_of(rec.s3_key, version)
    if hashed is None:
        return None
    actual, read = hashed
    if read != declared:
        return _size_mismatch(read, declared)
    if not hmac.compare_digest(actual, rec.sha256):
        return {"reject_code": "sha256_mismatch", "actual_sha256": actual,
                "reject_reason": "Nilai SHA-256 berkas tidak sesuai dengan nilai yang dideklarasikan; berkas "
                                 "mungkin rusak atau berbeda dari yang dimaksud."}
    return {}


def verdict_actions(model: Any, verdict: dict[str, Any], version: str | None,
                    uploaded_at: str) -> tuple[str, list[Any]]:
    """The status a verdict leads to and the record's update actions (conditional on `pending` by the caller)."""
    to = REJECTED if verdict else READY
    actions = [model.status.set(to), model.uploaded_at.set(uploaded_at)]
    if version:
        actions.append(model.version_id.set(version))
    if to == READY:
        actions.append(model.verified_at.set(clock.iso()))
    else:
        actions += [model.reject_code.set(verdict["reject_code"]), model.reject_reason.set(verdict["reject_reason"])]
    return to, actions


def file_fields(rec: Any) -> dict[str, Any]:
    """The attributes every staff listing of an uploaded file shows (`schemas.StoredFileOut`)."""
    return {"filename": rec.filename, "content_type": rec.content_type, "size_bytes": int(rec.size_bytes),
            "sha256": rec.sha256, "status": rec.status, "reject_code": rec.reject_code,
            "reject_reason": rec.reject_reason, "uploaded_by": rec.uploaded_by, "created_at": rec.created_at,
            "upload_expires_at": rec.upload_expires_at, "uploaded_at": rec.uploaded_at,
            "verified_at": rec.verified_at, "deleted_at": rec.deleted_at, "deleted_by": rec.deleted_by}

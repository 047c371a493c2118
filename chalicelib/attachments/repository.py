"""Data access for attachments: the list on the request item (through `RequestRepository.append_audit`, so each
change and its audit event are one conditional, versioned write) and the objects in S3 (the deliverables
bucket's adapter, plus one streaming read that hashes the object and keeps its first bytes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.attachments.models import Attachment
from chalicelib.core import aws
from chalicelib.delivery import s3
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository

HEAD_BYTES = 16


@dataclass(frozen=True)
class Read:
    sha256: str
    size: int
    head: bytes


def find(rec: RequestRecord, attachment_id: str) -> Attachment | None:
    return next((a for a in rec.attachments or [] if a.attachment_id == attachment_id), None)


def save_list(repo: RequestRepository, rec: RequestRecord, actor: str, action: str, items: list[Attachment],
              data: dict[str, Any], condition: Any = None) -> RequestRecord:
    """Replace the request's attachment list with `items` (conditional on the version read) with one audit event."""
    repo.append_audit(rec, actor, action, data, condition=condition, actions=[RequestRecord.attachments.set(items)])
    rec.attachments = items
    return rec


def read(key: str, version_id: str | None) -> Read | None:
    """Stream the object once: its SHA-256, the bytes read and its first bytes (never the whole file in memory).
    None when that version does not exist (any more)."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"Bucket": s3.bucket(), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        resp = aws.client("s3").get_object(**kwargs)
    except ClientError as exc:
        if aws.not_found(exc):
            return None
        raise
    digest, total, head = hashlib.sha256(), 0, b""
    body = resp["Body"]
    try:
        for chunk in body.iter_chunks(chunk_size=s3.CHUNK_BYTES):
            if len(head) < HEAD_BYTES:
                head += chunk[:HEAD_BYTES - len(head)]
            digest.update(chunk)
            total += len(chunk)
    finally:
        body.close()
    return Read(sha256=digest.hexdigest(), size=total, head=head)


head = s3.head
presigned_post = s3.presigned_post
presigned_get = s3.presigned_get
delete_version = s3.delete_version
delete_all_versions = s3.delete_all_versions

"""S3 adapter for deliverables: pre-signed POST (upload) and GET (download; or the downloads distribution's signed
URL, `download_url`), HEAD, chunked streaming hash, and version deletes. No client is created at import time."""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.core import aws, clock, obs
from chalicelib.core.config import get_settings
from chalicelib.delivery import cdn

CHUNK_BYTES = 8 * 1024 * 1024
MAX_GET_TTL_S = 900  # a download link lives at most 15 minutes
MAX_POST_TTL_S = 3600
SSE = "AES256"

_presign_cache: tuple[Any, Any] | None = None


def bucket() -> str:
    return get_settings().deliverables_bucket_name


def _s3() -> Any:
    return aws.client("s3")


def _presigner() -> Any:
    """A SigV4 client for pre-signing. Without an explicit signature version botocore signs against the
    legacy global endpoint (bucket.s3.amazonaws.com), which buckets in newer regions such as ap-southeast-3
    (Jakarta) do not answer; with it, URLs name the regional endpoint. Rebuilt whenever the shared clients
    are reset (tests, endpoint changes)."""
    global _presign_cache
    base = _s3()
    if _presign_cache is None or _presign_cache[0] is not base:
        import boto3
        from botocore.config import Config

        client = boto3.session.Session().client("s3", region_name=get_settings().region,
                                                config=Config(signature_version="s3v4"))
        _presign_cache = (base, client)
    return _presign_cache[1]


def presigned_post(key: str, content_type: str, size_bytes: int, ttl_s: int) -> dict[str, Any]:
    """A browser form upload bound to exactly one key, the exact size, the content type and SSE."""
    fields = {"Content-Type": content_type, "x-amz-server-side-encryption": SSE}
    conditions: list[Any] = [
        {"Content-Type": content_type},
        ["content-length-range", size_bytes, size_bytes],
        {"x-amz-server-side-encryption": SSE},
    ]
    ttl = max(1, min(int(ttl_s), MAX_POST_TTL_S))
    post = _presigner().generate_presigned_post(bucket(), key, Fields=fields, Conditions=conditions, ExpiresIn=ttl)
    return {"url": post["url"], "fields": {k: str(v) for k, v in post["fields"].items()}}


_UNSAFE = re.compile(r'[^A-Za-z0-9 ._()-]')


def content_disposition(filename: str) -> str:
    """`attachment` with a quoted ASCII fallback and the RFC 5987 UTF-8 form (no header injection)."""
    fallback = _UNSAFE.sub("_", filename).strip() or "berkas"
    encoded = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def presigned_get(key: str, version_id: str | None, filename: str, content_type: str, ttl_s: int) -> str:
    params: dict[str, Any] = {
        "Bucket": bucket(),
        "Key": key,
        "ResponseContentDisposition": content_disposition(filename),
        "ResponseContentType": content_type,
        "ResponseCacheControl": "no-store",
    }
    if version_id:
        params["VersionId"] = version_id
    ttl = max(1, min(int(ttl_s), MAX_GET_TTL_S))
    return str(_presigner().generate_presigned_url("get_object", Params=params, ExpiresIn=ttl))


def download_url(key: str, version_id: str | None, filename: str, content_type: str, ttl_s: int) -> str:
    """The link a consumer downloads a deliverable or an open catalog file with: a signed URL of the downloads
    distribution when one is configured (chalicelib/delivery/cdn.py: the bytes leave through CloudFront), else a
    pre-signed S3 GET; both valid ``ttl_s`` seconds (at most ``MAX_GET_TTL_S``) and naming the file."""
    ttl = max(1, min(int(ttl_s), MAX_GET_TTL_S))
    try:
        url = cdn.signed_get(key, version_id, content_disposition(filename), content_type,
                             clock.now() + timedelta(seconds=ttl))
    except cdn.SigningKeyUnavailable as exc:  # a misconfiguration: alarmed, and the consumer still gets the file
        obs.logger().error("downloads distribution not usable, pre-signed S3 link issued", extra={"reason": str(exc)})
        obs.count("DownloadSigningKeyUnavailable")
        url = None
    return url if url is not None else presigned_get(key, version_id, filename, content_type, ttl)


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str
    version_id: str | None
    encryption: str | None


def head(key: str, version_id: str | None = None) -> ObjectInfo | None:
    """The object's metadata, or None when that key/version does not exist (any more)."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"Bucket": bucket(), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        resp = _s3().head_object(**kwargs)
    except ClientError as exc:
        if aws.not_found(exc):
            return None
        raise
    return ObjectInfo(size=int(resp.get("ContentLength", 0)), content_type=str(resp.get("ContentType") or ""),
                      version_id=resp.get("VersionId"), encryption=resp.get("ServerSideEncryption"))


def sha256_of(key: str, version_id: str | None) -> tuple[str, int] | None:
    """Stream the object in chunks and hash it (never the whole file in memory). Returns (hex, bytes read),
    or None when the version disappeared meanwhile."""
    from botocore.exceptions import ClientError

    kwargs: dict[str, Any] = {"Bucket": bucket(), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        resp = _s3().get_object(**kwargs)
    except ClientError as exc:
        if aws.not_found(exc):
            return None
        raise
    digest = hashlib.sha256()
    total = 0
    body = resp["Body"]
    try:
        for chunk in body.iter_chunks(chunk_size=CHUNK_BYTES):
            digest.update(chunk)
            total += len(chunk)
    finally:
        body.close()
    return digest.hexdigest(), total


def delete_version(key: str, version_id: str | None) -> None:
    """Permanently delete one object version (idempotent). Without a version id (unversioned bucket), the key."""
    kwargs: dict[str, Any] = {"Bucket": bucket(), "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    _s3().delete_object(**kwargs)


def delete_current(key: str) -> None:
    """Delete `key` the ordinary way: a delete marker in the versioned bucket; earlier versions stay (and expire
    by the bucket's lifecycle), so a link pinned to a version keeps working until then."""
    _s3().delete_object(Bucket=bucket(), Key=key)


def delete_all_versions(key: str) -> int:
    """Permanently delete every version and delete marker of exactly `key`; returns how many."""
    s3 = _s3()
    count = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket(), Prefix=key):
        for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            if v.get("Key") != key:
                continue
            s3.delete_object(Bucket=bucket(), Key=key, VersionId=v["VersionId"])
            count += 1
    return count

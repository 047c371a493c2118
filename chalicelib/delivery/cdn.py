"""CloudFront adapter for downloads: signed URLs of the downloads distribution (infra: ``DownloadsDistribution``).

Deliverables and open catalog files are the bulk of what SILASTIK sends out (bench/cost.py: ~90 % of the monthly
bill as S3 data transfer to the internet). Served through CloudFront, whose first TB a month is free and whose
per-GB price is lower, the same bytes cost less; the bucket stays private (the distribution reads it through an
origin access control) and the distribution only serves URLs signed with the key of its trusted key group.

A link is the object's path on the distribution with the S3 response overrides (``response-content-disposition``,
``response-content-type``, ``response-cache-control``, ``versionId``: the distribution's origin request policy
forwards exactly these) signed with a canned policy (CloudFront's ``Expires``/``Signature``/``Key-Pair-Id``),
valid as long as the pre-signed S3 GET it replaces (at most 15 minutes).

The private key is a PEM RSA key in the Secrets Manager secret ``DOWNLOADS_SIGNING_SECRET_ID`` (created empty by the
stack; ``python -m scripts.downloads_key`` generates a key pair, stores the private key and prints the public key
for the stack's ``DownloadsSigningPublicKey`` parameter), read through Powertools parameters and cached per
container (``SECRETS_MAX_AGE_S``). ``DOWNLOADS_SIGNING_KEY`` (the PEM itself) is the local-only fallback.

Not configured (no ``DOWNLOADS_CDN_URL``, the distribution's origin ``https://<DownloadsDomainName>``: a stack
deployed without the public key; the local stack has a stand-in, local/cdn_sim.py):
:func:`signed_get` answers None and the caller issues a pre-signed S3 GET instead; configured but without a usable
key it raises ``SigningKeyUnavailable``, and the caller falls back to the pre-signed S3 GET too, logging an error
and counting ``DownloadSigningKeyUnavailable`` (alarmed: infra/operations.json), so a consumer still gets the file."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from chalicelib.core.config import get_settings

_signer_cache: tuple[str, str, Any] | None = None


class SigningKeyUnavailable(RuntimeError):
    """The distribution is configured but its signing key is missing or not an RSA private key."""


def configured() -> bool:
    s = get_settings()
    return bool(s.downloads_cdn_url and s.downloads_cdn_key_id)


def _private_key_pem() -> str:
    s = get_settings()
    if not s.downloads_signing_secret_id:
        return s.downloads_signing_key
    from chalicelib.core import secrets

    try:
        value = secrets.provider().get(s.downloads_signing_secret_id, max_age=s.secrets_max_age_s)
    except Exception as exc:  # noqa: BLE001 - no value yet (the stack creates it empty), throttling, an outage
        raise SigningKeyUnavailable(f"the downloads signing key could not be read ({type(exc).__name__})") from exc
    return str(value or "")


def _signer() -> Any:
    """botocore's CloudFront signer with the key (RSA, SHA-1: what CloudFront's signed URLs use), rebuilt when the
    secret's value or the key id changes (a rotation)."""
    global _signer_cache
    pem, key_id = _private_key_pem(), get_settings().downloads_cdn_key_id
    if not pem.strip():
        raise SigningKeyUnavailable("the downloads signing key is not set (python -m scripts.downloads_key)")
    if _signer_cache is None or _signer_cache[0] != pem or _signer_cache[1] != key_id:
        from botocore.signers import CloudFrontSigner
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        try:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyUnavailable("the downloads signing key is not a PEM private key") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningKeyUnavailable("the downloads signing key must be an RSA private key")

        def rsa_signer(message: bytes) -> bytes:
            return key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - CloudFront's signature

        _signer_cache = (pem, key_id, CloudFrontSigner(key_id, rsa_signer))
    return _signer_cache[2]


def object_url(key: str, version_id: str | None, disposition: str, content_type: str) -> str:
    """The unsigned URL of an object on the distribution, with the S3 response overrides."""
    params = [("response-cache-control", "no-store"), ("response-content-disposition", disposition),
              ("response-content-type", content_type)]
    if version_id:
        params.append(("versionId", version_id))
    path = urllib.parse.quote(key, safe="/")
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return f"{get_settings().downloads_cdn_url.rstrip('/')}/{path}?{query}"


def signed_get(key: str, version_id: str | None, disposition: str, content_type: str, expires: dt.datetime) -> str | None:
    """A signed CloudFront URL of the object until ``expires``; None when no distribution is configured.
    ``SigningKeyUnavailable`` when one is but its key is not usable."""
    if not configured():
        return None
    return str(_signer().generate_presigned_url(object_url(key, version_id, disposition, content_type),
                                                date_less_than=expires))


def reset() -> None:
    global _signer_cache
    _signer_cache = None

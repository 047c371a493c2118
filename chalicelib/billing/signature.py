"""Signatures of payment-provider callbacks (SPEC §5).

Header format::

    X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

Several ``v1=`` entries may be present (the provider signs with the old and the new
secret while rotating keys); the callback is accepted when any of them matches. The
receiving side may also hold several secrets (``verify(secret=[new, old], ...)``).
Verification always works on the raw request body bytes, never on re-serialised JSON.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

__all__ = ["DEFAULT_TOLERANCE", "HEADER_NAME", "SignatureError", "sign", "verify"]

HEADER_NAME = "X-Signature"
DEFAULT_TOLERANCE = 300

_MAX_HEADER_LEN = 2048
_MAX_SIGNATURES = 8
_HEX_DIGITS = frozenset("0123456789abcdef")


class SignatureError(ValueError):
    """The callback signature is not acceptable.

    ``reason`` is a short machine-readable code:
    ``missing`` (no header), ``malformed`` (unparseable header), ``expired`` (timestamp
    outside the tolerance window), ``mismatch`` (no signature matches) or ``no_secret``
    (the receiver has no non-empty secret configured: every callback is refused).
    """

    def __init__(self, reason: str, message: str | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason


def _digest(secret: bytes, t: int, raw_body: bytes) -> str:
    return hmac.new(secret, f"{t}.".encode() + raw_body, hashlib.sha256).hexdigest()


def _as_bytes(secret: bytes | str) -> bytes:
    if isinstance(secret, str):
        return secret.encode("utf-8")
    if isinstance(secret, bytes | bytearray):
        return bytes(secret)
    raise TypeError("signature secret must be bytes (or str, encoded as UTF-8)")


def _secret_list(secret: bytes | str | Sequence[bytes | str] | None) -> list[bytes]:
    if secret is None:
        return []
    if isinstance(secret, bytes | bytearray | str):
        return [_as_bytes(secret)]
    return [_as_bytes(s) for s in secret]


def sign(secret: bytes, raw_body: bytes, t: int) -> str:
    """Return the ``X-Signature`` header value for ``raw_body`` signed at unix time ``t``.

    ``secret`` may also be a ``str`` (UTF-8). Raises ValueError for an empty secret.
    """
    key = _as_bytes(secret)
    if not key:
        raise ValueError("signature secret must not be empty")
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ValueError("t must be a non-negative integer (unix seconds)")
    return f"t={t},v1={_digest(key, t, raw_body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    if len(header) > _MAX_HEADER_LEN:
        raise SignatureError("malformed", "signature header too long")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", "signature header element without '='")
        key = key.strip()
        value = value.strip()
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed", "invalid timestamp")
            timestamp = int(value)
        elif key == "v1":
            value = value.lower()
            if len(value) != 64 or not set(value) <= _HEX_DIGITS:
                raise SignatureError("malformed", "invalid v1 signature")
            signatures.append(value)
        # Unknown schemes (v0, v2, ...) are ignored for forward compatibility.
    if timestamp is None or not signatures:
        raise SignatureError("malformed", "timestamp or v1 signature missing")
    if len(signatures) > _MAX_SIGNATURES:
        raise SignatureError("malformed", "too many signatures")
    return timestamp, signatures


def verify(
    secret: bytes | Sequence[bytes] | None,
    header: str | None,
    raw_body: bytes,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check ``header`` against ``raw_body``; return None or raise :class:`SignatureError`.

    ``secret`` is one secret or a sequence of secrets (all currently valid ones during a
    rotation); ``str`` secrets are UTF-8 encoded; ``None``/empty refuses (``no_secret``). The timestamp must lie within ``now ± tolerance`` seconds. Every candidate
    is compared with :func:`hmac.compare_digest` and without early exit.
    """
    secrets_ = _secret_list(secret)
    if not secrets_ or not all(secrets_):
        # Fail closed: a missing/empty secret (misconfiguration) refuses every callback.
        raise SignatureError("no_secret", "no webhook signing secret configured")
    if header is None or not header.strip():
        raise SignatureError("missing", "signature header missing")
    timestamp, signatures = _parse(header)
    if abs(int(now) - timestamp) > tolerance:
        raise SignatureError("expired", "signature timestamp outside the tolerance window")
    matched = False
    for s in secrets_:
        expected = _digest(s, timestamp, raw_body)
        for candidate in signatures:
            # Bitwise OR keeps comparing every candidate (no early exit).
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("mismatch", "signature does not match")

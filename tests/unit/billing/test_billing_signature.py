from __future__ import annotations

import hashlib
import hmac

import pytest

from chalicelib.billing.signature import SignatureError, sign, verify

SECRET = b"whsec_test_secret"
BODY = b'{"event_id":"evt_1","billing_code":"812345678901234","status":"paid","amount_idr":150000}'
NOW = 1_760_000_000


def _reason(exc_info: pytest.ExceptionInfo[SignatureError]) -> str:
    return exc_info.value.reason


def test_sign_format_matches_spec() -> None:
    header = sign(SECRET, BODY, NOW)
    expected = hmac.new(SECRET, f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_roundtrip_and_tolerance_window() -> None:
    header = sign(SECRET, BODY, NOW)
    verify(SECRET, header, BODY, now=NOW)
    verify(SECRET, header, BODY, now=NOW + 300)
    verify(SECRET, header, BODY, now=NOW - 300)


@pytest.mark.parametrize("skew", [301, -301, 10_000])
def test_expired(skew: int) -> None:
    header = sign(SECRET, BODY, NOW)
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY, now=NOW + skew)
    assert _reason(exc) == "expired"


def test_custom_tolerance() -> None:
    header = sign(SECRET, BODY, NOW)
    with pytest.raises(SignatureError):
        verify(SECRET, header, BODY, now=NOW + 11, tolerance=10)


def test_tampered_body() -> None:
    header = sign(SECRET, BODY, NOW)
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY.replace(b"150000", b"1500000"), now=NOW)
    assert _reason(exc) == "mismatch"


def test_tampered_timestamp() -> None:
    header = sign(SECRET, BODY, NOW).replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY, now=NOW)
    assert _reason(exc) == "mismatch"


def test_wrong_secret() -> None:
    header = sign(b"another-secret", BODY, NOW)
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY, now=NOW)
    assert _reason(exc) == "mismatch"


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing(header: str | None) -> None:
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY, now=NOW)
    assert _reason(exc) == "missing"


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"t={NOW}",
        "v1=" + "a" * 64,
        f"t=abc,v1={'a' * 64}",
        f"t={NOW},v1=xyz",
        f"t={NOW},v1={'g' * 64}",
        f"t={NOW},t={NOW},v1={'a' * 64}",
        f"t=-5,v1={'a' * 64}",
        f"t={NOW},v1={'a' * 64}," + ",".join(f"v1={'b' * 64}" for _ in range(20)),
        "t=" + "9" * 5000,
    ],
)
def test_malformed(header: str) -> None:
    with pytest.raises(SignatureError) as exc:
        verify(SECRET, header, BODY, now=NOW)
    assert _reason(exc) == "malformed"


def test_signature_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        verify(SECRET, "nonsense", BODY, now=NOW)


def test_rotation_several_v1_entries() -> None:
    old, new = b"old-secret", b"new-secret"
    v1_old = sign(old, BODY, NOW).split("v1=")[1]
    v1_new = sign(new, BODY, NOW).split("v1=")[1]
    header = f"t={NOW},v1={v1_old},v1={v1_new}"
    verify(old, header, BODY, now=NOW)
    verify(new, header, BODY, now=NOW)
    with pytest.raises(SignatureError):
        verify(b"third", header, BODY, now=NOW)


def test_rotation_several_receiver_secrets_and_unknown_schemes() -> None:
    header = sign(b"old-secret", BODY, NOW)
    verify([b"new-secret", b"old-secret"], header, BODY, now=NOW)
    # unknown schemes and whitespace are tolerated
    verify(b"old-secret", " v0=abc, " + header.replace(",", " , "), BODY, now=NOW)
    # uppercase hex accepted
    t_part, v_part = header.split(",")
    verify(b"old-secret", f"{t_part},{v_part.upper().replace('V1=', 'v1=')}", BODY, now=NOW)


def test_empty_secret_fails_closed() -> None:
    header = sign(SECRET, BODY, NOW)
    for secret in (b"", None, [], [b""]):
        with pytest.raises(SignatureError) as exc:
            verify(secret, header, BODY, now=NOW)  # type: ignore[arg-type]
        assert _reason(exc) == "no_secret"
    with pytest.raises(ValueError):
        sign(b"", BODY, NOW)


def test_str_secret_is_utf8() -> None:
    header = sign("s3cret", BODY, NOW)  # type: ignore[arg-type]
    verify(b"s3cret", header, BODY, now=NOW)
    verify("s3cret", header, BODY, now=NOW)  # type: ignore[arg-type]

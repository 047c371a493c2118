"""Issue 22 §4 (the largest cost item): downloads through the downloads distribution (chalicelib/delivery/cdn.py).

With ``DOWNLOADS_CDN_URL``/``DOWNLOADS_CDN_KEY_ID`` set and the private key in Secrets Manager, the links of
delivered deliverables and of open catalog files are CloudFront signed URLs (canned policy) of the object with the
S3 response overrides; the signature is checked here against the public key, as CloudFront checks it. Without a
usable key the consumer still gets a (pre-signed S3) link and the misconfiguration is counted."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.factories import put_catalog, standard_catalog
from tests.integration.delivery.test_delivery import CSV, declare, in_progress, post_form, versions

DOMAIN = "unduh.silastik.example.id"
KEY_ID = "K2SILASTIKTEST"
SIGNING = ("Expires", "Signature", "Key-Pair-Id")


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def use_cdn(monkeypatch: pytest.MonkeyPatch, private_pem: str | None) -> str:
    """The downloads distribution configured as the stack configures it: domain, key id, the key's secret ARN
    (``private_pem`` None: the secret without a value, as the stack creates it)."""
    import boto3

    from tests.conftest import _reset_caches

    value = {} if private_pem is None else {"SecretString": private_pem}
    arn = boto3.client("secretsmanager", region_name="ap-southeast-3").create_secret(
        Name="silastik-test/downloads-signing-key", **value)["ARN"]
    monkeypatch.setenv("DOWNLOADS_CDN_URL", f"https://{DOMAIN}")
    monkeypatch.setenv("DOWNLOADS_CDN_KEY_ID", KEY_ID)
    monkeypatch.setenv("DOWNLOADS_SIGNING_SECRET_ID", arn)
    _reset_caches()
    from chalicelib.core import secrets

    secrets.reset()
    return arn


def verify(url: str, key: rsa.RSAPrivateKey, now: float) -> dict[str, str]:
    """What CloudFront checks on a canned-policy signed URL; returns the URL's other query parameters."""
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == DOMAIN
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    signing = {k: v for k, v in pairs if k in SIGNING}
    assert set(signing) == set(SIGNING) and signing["Key-Pair-Id"] == KEY_ID
    expires = int(signing["Expires"])
    assert now < expires <= now + 900 + 2
    # the resource signed is the URL without CloudFront's own parameters, in the order they were given
    resource = url[:url.index("&Expires=")]
    policy = json.dumps({"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}]},
                        separators=(",", ":"))
    signature = base64.b64decode(signing["Signature"].replace("-", "+").replace("_", "=").replace("~", "/"))
    key.public_key().verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - raises if forged
    return {k: v for k, v in pairs if k not in SIGNING}


def delivered(api: Any, worker: Any) -> tuple[str, str, str]:
    rid = in_progress(api, worker)
    st, out = declare(api, rid, CSV)
    assert st == 201, out
    post_form(out["upload"], CSV, "penduduk 2024.csv")
    worker.drain(settle_s=0.2)
    st, r = api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "data terlampir"})
    assert st == 200 and r["status"] == "delivered", r
    return rid, out["deliverable_id"], f"deliverables/{rid}/{out['deliverable_id']}/penduduk 2024.csv"


def test_a_delivered_file_is_downloaded_through_a_signed_cloudfront_url(api, worker, monkeypatch):
    key = new_key()
    use_cdn(monkeypatch, pem(key))
    rid, did, s3_key = delivered(api, worker)
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and len(links) == 1, links
    url = links[0]["download_url"]
    params = verify(url, key, time.time())
    assert urllib.parse.unquote(urllib.parse.urlsplit(url).path) == "/" + s3_key
    assert params == {
        "response-cache-control": "no-store",
        "response-content-disposition": "attachment; filename=\"penduduk 2024.csv\"; "
                                        "filename*=UTF-8''penduduk%202024.csv",
        "response-content-type": "text/csv",
        "versionId": versions(s3_key)[0]["VersionId"],
    }
    assert "X-Amz-Signature" not in url  # no S3 credentials in a CDN link
    # a forged link (another file, same signature) does not verify
    forged = url.replace("penduduk%202024.csv?", "other.csv?", 1)
    with pytest.raises(InvalidSignature):
        verify(forged, key, time.time())
    # still logged like any issued link
    st, log = api.get(f"/ops/requests/{rid}/downloads", "supervisor1")
    assert st == 200 and [e["deliverable_id"] for e in log] == [did]


def test_a_rotated_key_signs_once_the_cached_secret_expires(api, worker, monkeypatch):
    import boto3

    old, new = new_key(), new_key()
    arn = use_cdn(monkeypatch, pem(old))
    rid, _, _ = delivered(api, worker)
    verify(api.get(f"/requests/{rid}/deliverables", "consumer1")[1][0]["download_url"], old, time.time())
    boto3.client("secretsmanager", region_name="ap-southeast-3").put_secret_value(SecretId=arn, SecretString=pem(new))
    from chalicelib.core import secrets

    secrets.reset()  # what SECRETS_MAX_AGE_S does in a container
    verify(api.get(f"/requests/{rid}/deliverables", "consumer1")[1][0]["download_url"], new, time.time())


def test_an_open_catalog_file_is_served_through_the_distribution_too(api, worker, monkeypatch):
    from tests.integration.delivery.test_catalog_files import PDF, attach

    standard_catalog()
    put_catalog([{"id": "PB-OPEN1", "type": "publication", "title": "Statistik Indonesia 2024", "format": "pdf"}])
    key = new_key()
    use_cdn(monkeypatch, pem(key))
    out = attach(api, worker, "PB-OPEN1", PDF, filename="Statistik Indonesia 2024.pdf", content_type="application/pdf")
    st, link = api.post(f"/catalog/items/PB-OPEN1/files/{out['deliverable_id']}/download")
    assert st == 200, link
    params = verify(link["download_url"], key, time.time())
    assert params["response-content-type"] == "application/pdf" and params["versionId"]


@pytest.mark.parametrize("secret", ["not a key", None])  # garbage, or the secret as the stack creates it: no value
def test_without_a_usable_key_the_consumer_gets_a_presigned_s3_link_and_it_is_counted(api, worker, monkeypatch,
                                                                                       secret):
    from chalicelib.core import obs

    counted: list[str] = []
    real = obs.count
    monkeypatch.setattr(obs, "count", lambda name, value=1: (counted.append(name), real(name, value))[1])
    use_cdn(monkeypatch, secret)
    rid, _, _ = delivered(api, worker)
    st, links = api.get(f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200, links
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(links[0]["download_url"]).query)
    assert 0 < int(q["X-Amz-Expires"][0]) <= 900 and DOMAIN not in links[0]["download_url"]
    assert "DownloadSigningKeyUnavailable" in counted


def test_the_key_script_fills_the_stacks_empty_secret_and_prints_the_key_the_links_verify_with(
        api, worker, monkeypatch, capsys, tmp_path):
    import boto3
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from scripts import downloads_key
    from tests.conftest import TEST_ENV, _reset_caches

    prefix = TEST_ENV["PREFIX"]
    assert downloads_key.main(["--prefix", prefix]) == 2  # no secret yet: deploy the stack first
    # the stack creates it empty (infra/iam.json DownloadsSigningKey: no SecretString)
    arn = boto3.client("secretsmanager", region_name="ap-southeast-3").create_secret(
        Name=f"{prefix}/downloads-signing-key")["ARN"]
    capsys.readouterr()
    assert downloads_key.main(["--prefix", prefix, "--public-key-out", str(tmp_path / "public.pem")]) == 0
    out = capsys.readouterr()
    assert "PRIVATE" not in out.out + out.err  # only the public half leaves the secret
    public = load_pem_public_key(out.out.encode())
    assert (tmp_path / "public.pem").read_text() == out.out
    monkeypatch.setenv("DOWNLOADS_CDN_URL", f"https://{DOMAIN}")
    monkeypatch.setenv("DOWNLOADS_CDN_KEY_ID", KEY_ID)
    monkeypatch.setenv("DOWNLOADS_SIGNING_SECRET_ID", arn)
    _reset_caches()
    rid, _, _ = delivered(api, worker)
    url = api.get(f"/requests/{rid}/deliverables", "consumer1")[1][0]["download_url"]

    class PublicOnly:  # verify() takes a private key; CloudFront holds only the public one
        def public_key(self):
            return public

    verify(url, PublicOnly(), time.time())  # type: ignore[arg-type]

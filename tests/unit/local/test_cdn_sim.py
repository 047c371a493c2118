"""The local downloads distribution (local/cdn_sim.py) accepts exactly what CloudFront with a trusted key group would:
links the app signs (chalicelib/delivery/cdn.py), unexpired, unaltered, for the prefixes the bucket policy opens."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from local.cdn_sim import Distribution, serve
from scripts.downloads_key import new_key_pair

BUCKET = "cdn-sim-test-deliverables"
KEY_ID = "K2SIMTEST"
DATA = b"provinsi,jumlah\nACEH,5\n"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    import boto3
    from moto import mock_aws

    for k, v in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "ap-southeast-3"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    private, public = new_key_pair()
    now = [time.time()]
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-southeast-3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        v1 = s3.put_object(Bucket=BUCKET, Key="deliverables/R1/D1/data 2024.csv", Body=DATA)["VersionId"]
        s3.put_object(Bucket=BUCKET, Key="deliverables/R1/D1/data 2024.csv", Body=b"newer")
        s3.put_object(Bucket=BUCKET, Key="attachments/R1/A1/ktp.pdf", Body=b"%PDF-")
        dist = Distribution("http://127.0.0.1", public.encode(), KEY_ID, BUCKET, clock=lambda: now[0])
        server = serve(dist, "127.0.0.1", 0)
        url = dist.public_url = f"http://127.0.0.1:{server.server_address[1]}"  # the port is known once bound
        threading.Thread(target=server.serve_forever, daemon=True).start()
        monkeypatch.setenv("DOWNLOADS_CDN_URL", url)
        monkeypatch.setenv("DOWNLOADS_CDN_KEY_ID", KEY_ID)
        monkeypatch.setenv("DOWNLOADS_SIGNING_KEY", private)
        from chalicelib.core.config import reset_settings
        from chalicelib.delivery import cdn

        reset_settings()
        cdn.reset()
        try:
            yield {"url": url, "v1": v1, "now": now}
        finally:
            server.shutdown()
            reset_settings()
            cdn.reset()


def link(key: str, version: str | None, ttl_s: int = 300) -> str:
    from chalicelib.delivery import cdn
    from chalicelib.delivery.s3 import content_disposition

    url = cdn.signed_get(key, version, content_disposition(key.rsplit("/", 1)[-1]), "text/csv",
                         datetime.now(UTC) + timedelta(seconds=ttl_s))
    assert url is not None
    return url


def test_a_signed_link_gets_the_pinned_version_with_the_overrides(world):
    resp = requests.get(link("deliverables/R1/D1/data 2024.csv", world["v1"]), timeout=10)
    assert resp.status_code == 200 and resp.content == DATA  # the version the link names, not the newest
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="data 2024.csv"')
    assert resp.headers["Content-Type"] == "text/csv" and resp.headers["Cache-Control"] == "no-store"
    head = requests.head(link("deliverables/R1/D1/data 2024.csv", world["v1"]), timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(DATA)


def test_an_altered_expired_or_unsigned_link_is_refused(world):
    good = link("deliverables/R1/D1/data 2024.csv", world["v1"])
    other = good.replace("data%202024.csv?", "other.csv?", 1)
    for url, code in [(other, "AccessDenied"),  # another file under the same signature
                      (good.replace("response-content-type=text%2Fcsv", "response-content-type=text%2Fhtml"),
                       "AccessDenied"),  # an override changed
                      (good.split("&Expires=")[0], "MissingKey"),  # no signature at all
                      (good.replace(f"Key-Pair-Id={KEY_ID}", "Key-Pair-Id=K2OTHER"), "AccessDenied")]:
        resp = requests.get(url, timeout=10)
        assert resp.status_code == 403 and f"<Code>{code}</Code>" in resp.text, (url, resp.text)
    world["now"][0] = time.time() + 301  # past its Expires
    resp = requests.get(good, timeout=10)
    assert resp.status_code == 403 and "Request has expired" in resp.text
    assert "Signature" not in resp.text


def test_only_what_the_bucket_policy_opens_and_only_reads(world):
    resp = requests.get(link("attachments/R1/A1/ktp.pdf", None), timeout=10)
    assert resp.status_code == 403  # attachments stay behind the API's own pre-signed links
    assert requests.get(link("deliverables/R1/D1/missing.csv", None), timeout=10).status_code in (403, 404)
    assert requests.post(link("deliverables/R1/D1/data 2024.csv", world["v1"]), timeout=10).status_code == 403
    assert requests.get(world["url"] + "/health", timeout=10).json() == {"status": "ok"}

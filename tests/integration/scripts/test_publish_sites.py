"""scripts/publish_sites.py: both sites land in their buckets with content types, cache rules and a config.json
from the stack outputs; stale objects go; each distribution gets one invalidation."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from scripts import publish_sites


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "ap-southeast-3"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-southeast-3")
        for b in ("acme-admin-site", "acme-portal-site"):
            s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"})
        s3.put_object(Bucket="acme-portal-site", Key="js/removed-view.js", Body=b"old")
        cf = boto3.client("cloudfront", region_name="us-east-1")
        dists = {}
        for site in ("admin", "portal"):
            dists[site] = cf.create_distribution(DistributionConfig={
                "CallerReference": site, "Comment": site, "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": f"acme-{site}-site.s3.amazonaws.com",
                                                      "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
                "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                         "MinTTL": 0, "ForwardedValues": {"QueryString": False,
                                                                          "Cookies": {"Forward": "none"}}},
            })["Distribution"]["Id"]
        yield s3, cf, dists


def test_publish_both_sites(aws):
    s3, cf, dists = aws
    outputs = {"EndpointURL": "https://abc123.execute-api.ap-southeast-3.amazonaws.com/v1/",
               "AdminSiteBucketName": "acme-admin-site", "PortalSiteBucketName": "acme-portal-site",
               "AdminDistributionId": dists["admin"], "PortalDistributionId": dists["portal"]}
    report = publish_sites.publish(s3, cf, outputs, "https://sso.acme.example/realms/silastik/",
                                   {"admin": "silastik-admin", "portal": "silastik-portal"})
    for site in ("admin", "portal"):
        bucket = f"acme-{site}-site"
        cfg = json.loads(s3.get_object(Bucket=bucket, Key="config.json")["Body"].read())
        assert cfg == {"apiUrl": "https://abc123.execute-api.ap-southeast-3.amazonaws.com/v1",
                       "ssoIssuer": "https://sso.acme.example/realms/silastik", "clientId": f"silastik-{site}"}
        index = s3.head_object(Bucket=bucket, Key="index.html")
        assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
        app = s3.head_object(Bucket=bucket, Key="js/app.js")
        assert app["ContentType"].startswith("text/javascript") and "max-age" in app["CacheControl"]
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        assert keys == set(publish_sites.site_files(site)) | {"config.json"} and "README.md" not in keys
        inv = cf.list_invalidations(DistributionId=dists[site])["InvalidationList"]
        assert inv["Quantity"] == 1 and report[site]["invalidation"]
    assert report["portal"]["deleted"] == 1  # js/removed-view.js is no longer part of the portal


def test_missing_output_is_refused(aws):
    s3, cf, _ = aws
    with pytest.raises(KeyError):
        publish_sites.publish(s3, cf, {"AdminSiteBucketName": "acme-admin-site"}, "https://sso.example", {
            "admin": "a", "portal": "p"})


def test_dry_run_changes_nothing(aws):
    s3, cf, dists = aws
    outputs = {"EndpointURL": "https://x.example/v1", "AdminSiteBucketName": "acme-admin-site",
               "PortalSiteBucketName": "acme-portal-site", "AdminDistributionId": dists["admin"]}
    report = publish_sites.publish(s3, cf, outputs, "https://sso.example", {"admin": "a", "portal": "p"},
                                   dry_run=True)
    assert report["portal"]["deleted"] == 1
    assert "Contents" not in s3.list_objects_v2(Bucket="acme-admin-site")
    assert cf.list_invalidations(DistributionId=dists["admin"])["InvalidationList"]["Quantity"] == 0

"""Publish the admin page and the portal to their site buckets after `sam deploy` (docs/deploy.md §4).

    python -m scripts.publish_sites --stack silastik-prod --issuer https://sso.bps.go.id/realms/silastik \
        [--admin-client-id silastik-admin] [--portal-client-id silastik-portal] [--region ap-southeast-3] [--dry-run]

For each site: every file of `admin/` or `portal/` (README.md left out) goes to the bucket of the stack output
`AdminSiteBucketName`/`PortalSiteBucketName` with its content type; `index.html` and `config.json` with
`Cache-Control: no-cache` (a new release is seen at once), the rest with a short max-age (file names carry no
content hash). `config.json` — what the local static server generates in `make dev` — is written from the stack
outputs: `apiUrl` (output `EndpointURL`), `ssoIssuer`, `clientId`. Files in the bucket that are no longer in the
site are deleted, and one CloudFront invalidation of `/*` per distribution (outputs `AdminDistributionId`/
`PortalDistributionId`) ends the publication. Prints what it did as JSON. Exit code 0, or 2 on a missing output.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITES = {"admin": ("AdminSiteBucketName", "AdminDistributionId"),
         "portal": ("PortalSiteBucketName", "PortalDistributionId")}
NO_CACHE = {"index.html", "config.json"}
SHORT_CACHE = "public, max-age=300"
SKIP = {"README.md"}
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".webmanifest": "application/manifest+json", ".png": "image/png", ".ico": "image/x-icon",
         ".woff2": "font/woff2"}


def site_files(site: str) -> dict[str, Path]:
    """The files of one site, keyed by their object key."""
    base = ROOT / site
    return {p.relative_to(base).as_posix(): p for p in sorted(base.rglob("*"))
            if p.is_file() and p.name not in SKIP and not p.name.startswith(".")}


def content_type(key: str) -> str:
    suffix = Path(key).suffix
    return TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def site_config(outputs: dict[str, str], issuer: str, client_id: str) -> dict[str, str]:
    api = outputs.get("EndpointURL")
    if not api:
        raise KeyError("EndpointURL")
    return {"apiUrl": api.rstrip("/"), "ssoIssuer": issuer.rstrip("/"), "clientId": client_id}


def publish(s3: Any, cloudfront: Any, outputs: dict[str, str], issuer: str, client_ids: dict[str, str],
            dry_run: bool = False) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for site, (bucket_out, dist_out) in SITES.items():
        bucket = outputs.get(bucket_out)
        if not bucket:
            raise KeyError(bucket_out)
        files = site_files(site)
        config = json.dumps(site_config(outputs, issuer, client_ids[site]), indent=2).encode()
        uploads: dict[str, tuple[bytes, str]] = {k: (p.read_bytes(), content_type(k)) for k, p in files.items()}
        uploads["config.json"] = (config, "application/json")
        existing: set[str] = set()
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            existing |= {o["Key"] for o in page.get("Contents", [])}
        stale = sorted(existing - set(uploads))
        if not dry_run:
            for key, (body, ctype) in uploads.items():
                cache = "no-cache" if Path(key).name in NO_CACHE else SHORT_CACHE
                s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ctype, CacheControl=cache)
            for i in range(0, len(stale), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[i:i + 1000]]})
        invalidation = None
        dist = outputs.get(dist_out)
        if dist and not dry_run:
            answer = cloudfront.create_invalidation(DistributionId=dist, InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"publish-{time.time_ns()}"})
            invalidation = answer["Invalidation"]["Id"]
        report[site] = {"bucket": bucket, "uploaded": len(uploads), "deleted": len(stale),
                        "config": json.loads(config), "invalidation": invalidation}
    return report


def stack_outputs(cfn: Any, stack: str) -> dict[str, str]:
    desc = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.publish_sites", description=__doc__.split("\n")[0])
    p.add_argument("--stack", required=True, help="the CloudFormation stack name of `sam deploy`")
    p.add_argument("--issuer", required=True, help="the OpenID Connect issuer URL (OIDC_ISSUER)")
    p.add_argument("--admin-client-id", default="silastik-admin")
    p.add_argument("--portal-client-id", default="silastik-portal")
    p.add_argument("--region", default="ap-southeast-3")
    p.add_argument("--dry-run", action="store_true", help="list what would change, change nothing")
    a = p.parse_args(argv)
    import boto3

    outputs = stack_outputs(boto3.client("cloudformation", region_name=a.region), a.stack)
    try:
        report = publish(boto3.client("s3", region_name=a.region), boto3.client("cloudfront"), outputs,
                         a.issuer, {"admin": a.admin_client_id, "portal": a.portal_client_id}, a.dry_run)
    except KeyError as missing:
        print(f"stack {a.stack} has no output {missing}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

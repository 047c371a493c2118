"""Backup and recovery: export every table to S3 as JSON Lines (one object per table, a consistent
snapshot per table via a paginated consistent Scan), and restore them into an empty stack.

    python -m scripts.backup export [--bucket B] [--prefix backups/<ts>/]
    python -m scripts.backup restore --prefix backups/<ts>/ [--bucket B]

In AWS, point-in-time recovery is enabled on every table as well (infra/); this tool is for moving data
between stacks and for the restore drill the office recommends."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from local.provision import load_template


def table_names(prefix: str) -> list[str]:
    tpl = load_template()
    out = []
    for res in tpl["Resources"].values():
        if res.get("Type") == "AWS::DynamoDB::Table":
            out.append(res["Properties"]["TableName"]["Fn::Sub"].replace("${Prefix}", prefix))
    return sorted(out)


def export_tables(ddb: Any, s3: Any, bucket: str, key_prefix: str, prefix: str) -> dict[str, int]:
    counts = {}
    for name in table_names(prefix):
        lines = []
        for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True):
            lines.extend(json.dumps(item, sort_keys=True) for item in page["Items"])
        body = ("\n".join(lines) + ("\n" if lines else "")).encode()
        s3.put_object(Bucket=bucket, Key=f"{key_prefix}{name.removeprefix(prefix + '-')}.jsonl", Body=body,
                      ServerSideEncryption="AES256", ContentType="application/x-ndjson")
        counts[name] = len(lines)
    s3.put_object(Bucket=bucket, Key=f"{key_prefix}manifest.json", Body=json.dumps(
        {"prefix": prefix, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "counts": counts}).encode(),
        ServerSideEncryption="AES256")
    return counts


def restore_tables(ddb: Any, s3: Any, bucket: str, key_prefix: str, prefix: str) -> dict[str, int]:
    counts = {}
    for name in table_names(prefix):
        short = name.removeprefix(prefix + "-")
        try:
            body = s3.get_object(Bucket=bucket, Key=f"{key_prefix}{short}.jsonl")["Body"].read().decode()
        except s3.exceptions.NoSuchKey:
            continue
        items = [json.loads(line) for line in body.splitlines() if line.strip()]
        for i in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]
            pending = {name: batch}
            while pending:
                resp = ddb.batch_write_item(RequestItems=pending)
                pending = resp.get("UnprocessedItems") or {}
                if pending:
                    time.sleep(0.2)
        counts[name] = len(items)
    return counts


def main(argv: list[str] | None = None) -> int:
    import boto3

    from chalicelib.core.config import get_settings

    p = argparse.ArgumentParser(prog="python -m scripts.backup", description=__doc__)
    p.add_argument("cmd", choices=["export", "restore"])
    p.add_argument("--bucket", default=None, help="default: the stack's backups bucket (BACKUPS_BUCKET)")
    p.add_argument("--prefix", default=None, help="S3 key prefix of the backup")
    a = p.parse_args(argv)
    import os

    s = get_settings()
    bucket = a.bucket or os.environ.get("BACKUPS_BUCKET") or f"{s.prefix}-backups"
    key_prefix = a.prefix or time.strftime("backups/%Y%m%dT%H%M%SZ/", time.gmtime())
    ddb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    fn = export_tables if a.cmd == "export" else restore_tables
    counts = fn(ddb, s3, bucket, key_prefix, s.prefix)
    print(json.dumps({"bucket": bucket, "prefix": key_prefix, "counts": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

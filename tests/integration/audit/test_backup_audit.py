"""Backup/restore round trip and the tamper-evident audit trail (issue 10)."""

from __future__ import annotations

import boto3

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit


def _make_activity(api, worker):
    standard_catalog()
    put_operator("operator1")
    a = submit(api, {"kind": "consultation", "topic": "data", "subject": "Inflasi", "question": "Berapa?"})
    b = submit(api, order(["TS-PAID1"]))
    assert worker.run_until(lambda: status_of(api, a) == "assigned" and status_of(api, b) == "awaiting_payment")
    api.post(f"/ops/requests/{a}/start", "operator1")
    return a, b


def _items(ddb, table):
    out = []
    for page in ddb.get_paginator("scan").paginate(TableName=table):
        out.extend(page["Items"])
    return sorted(out, key=lambda i: repr(sorted(i.items())))


def test_backup_round_trip_into_an_empty_stack(api, worker, aws_env):
    from local.provision import provision
    from scripts.backup import export_tables, restore_tables, table_names

    _make_activity(api, worker)
    ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
    s3 = boto3.client("s3", region_name="ap-southeast-3")
    bucket = aws_env["BACKUPS_BUCKET"]
    counts = export_tables(ddb, s3, bucket, "backups/t1/", "silastik-test")
    assert counts["silastik-test-requests"] == 2 and counts["silastik-test-audit"] >= 4
    provision(prefix="silastik-restore", region="ap-southeast-3", session=boto3.session.Session())
    restored = restore_tables(ddb, s3, bucket, "backups/t1/", "silastik-restore")
    assert sum(restored.values()) == sum(counts.values())
    for src, dst in zip(table_names("silastik-test"), table_names("silastik-restore"), strict=True):
        assert _items(ddb, src) == _items(ddb, dst), src


def test_audit_chain_detects_tampering(api, worker):
    from chalicelib.audit.models import AuditRecord
    from chalicelib.audit.service import verify_all
    from scripts.audit import main

    a, b = _make_activity(api, worker)
    res = verify_all()
    assert res["broken"] == [] and res["records"] >= 5
    records = sorted(AuditRecord.query(a), key=lambda r: int(r.seq))
    assert [r.action for r in records][:2] == ["request.created", "request.assigned"]
    victim = records[1]
    victim.data = {**victim.data, "assignee": "mallory"}
    victim.save()
    res = verify_all()
    assert res["broken"] == [{"stream": a, "seq": 2, "reason": "record content does not match its hash"}]
    assert main(["verify"]) == 1
    assert main(["verify", "--stream", b]) == 0

"""Deployability: `chalice package --merge-template infra/resources.json` yields a SAM template that passes
cfn-lint, with the data-protection settings SPEC §7 asks for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-3"}
    env.pop("AWS_ENDPOINT_URL", None)
    res = subprocess.run([str(BIN / "chalice"), "package", "--stage", "prod", "--merge-template",
                          "infra/resources.json", str(out)], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    shutil.copytree(ROOT / "statemachines", out / "statemachines")
    return out, json.loads((out / "sam.json").read_text())


def test_cfn_lint_passes(template):
    out, _ = template
    res = subprocess.run([str(BIN / "cfn-lint"), "sam.json"], cwd=out, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def test_data_protection(template):
    _, tpl = template
    res = tpl["Resources"]
    tables = [r for r in res.values() if r.get("Type") == "AWS::DynamoDB::Table"]
    assert len(tables) >= 15
    for t in tables:
        p = t["Properties"]
        assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert p["SSESpecification"]["SSEEnabled"] is True
    buckets = [r for r in res.values() if r.get("Type") == "AWS::S3::Bucket"]
    assert buckets
    for b in buckets:
        p = b["Properties"]
        assert p["VersioningConfiguration"]["Status"] == "Enabled"
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert all(p["PublicAccessBlockConfiguration"].values())
    queues = {k: r for k, r in res.items() if r.get("Type") == "AWS::SQS::Queue"}
    for name, q in queues.items():
        if not name.endswith("Dlq"):
            assert q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [f"{name}Dlq", "Arn"]}


def test_workers_and_state_machine_wired(template):
    _, tpl = template
    res = tpl["Resources"]
    for fn, queue in [("WorkflowWorker", "WorkflowQueue"), ("NotifyWorker", "NotifyQueue"),
                      ("UploadsWorker", "UploadsQueue"), ("CatalogWorker", "CatalogQueue")]:
        events = res[fn]["Properties"]["Events"]
        (ev,) = events.values()
        assert ev["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert ev["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sm = res["FulfilmentStateMachine"]["Properties"]
    assert sm["DefinitionUri"] == "statemachines/fulfilment.asl.json"
    assert tpl["Globals"]["Function"]["Environment"]["Variables"]["STATE_MACHINE_ARN"] == {"Ref": "FulfilmentStateMachine"}
    assert res["Tick"]["Type"] == "AWS::Serverless::Function"

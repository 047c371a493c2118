"""Deployability: `chalice package --merge-template infra/resources.json` yields a SAM template that passes
cfn-lint, with the data-protection settings SPEC §7 asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict]:
    from scripts.package import package

    out = tmp_path_factory.mktemp("package") / "build"
    tpl = package("prod", out)
    assert json.loads((out / "sam.json").read_text()) == tpl
    return out, tpl


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


def test_api_throttling_comes_from_the_stage_config(template):
    """Issue 10: API Gateway throttling is set in .chalice/config.json per stage and lands on every method."""
    _, tpl = template
    stage = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["api_gateway_throttling"]
    (setting,) = tpl["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*")
    assert setting["ThrottlingBurstLimit"] == stage["burst_limit"]
    assert setting["ThrottlingRateLimit"] == stage["rate_limit"]


def test_throttling_per_stage_and_absent_when_unset():
    from scripts.package import apply_throttling

    config = {"stages": {"a": {"api_gateway_throttling": {"burst_limit": 7, "rate_limit": 3}}, "b": {}}}
    tpl = {"Resources": {"RestAPI": {"Properties": {}}}}
    assert apply_throttling(json.loads(json.dumps(tpl)), config, "a")["Resources"]["RestAPI"]["Properties"][
        "MethodSettings"] == [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingBurstLimit": 7,
                               "ThrottlingRateLimit": 3.0}]
    assert apply_throttling(json.loads(json.dumps(tpl)), config, "b") == tpl

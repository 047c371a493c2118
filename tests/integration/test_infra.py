"""Deployability (SPEC §7, issue 18): `scripts/package.py` builds the SAM template, transforms it the way
CloudFormation will (aws-sam-translator) and lints the TRANSFORMED template with cfn-lint (0 errors, 0 warnings)
and checkov (every failed check accepted, with its reason, in docs/checkov-accepted.yaml); the package carries only
Lambda wheels. Then what the template must say: data protection, timeouts, per-function roles, log groups and
alarms, TLS-only buckets with lifecycle rules, no secret in the environment.

The packaging runs once per module (chalice package ~40 s warm, checks ~1.5 min)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict, list[str]]:
    from scripts.package import check, package

    out = tmp_path_factory.mktemp("package") / "build"
    tpl = package("prod", out)
    assert json.loads((out / "sam.json").read_text()) == tpl
    problems = check(out)
    return out, tpl, problems


@pytest.fixture(scope="module")
def template(built) -> tuple[Path, dict]:
    return built[0], built[1]


@pytest.fixture(scope="module")
def transformed(built) -> dict:
    return json.loads((built[0] / "transformed.json").read_text())


def test_package_checks_pass(built):
    """Lambda wheels only, size within Lambda's limit, cfn-lint (transformed) clean, checkov: nothing unlisted."""
    _, _, problems = built
    assert problems == []


def test_cfn_lint_on_the_transformed_template_catches_a_short_visibility_timeout(built, tmp_path):
    """The check is real: the bug of issue 18 (catalog queue 120 s < catalog worker 300 s) is reported as E3505 on
    the transformed template (cfn-lint on the untransformed SAM template does not see it)."""
    out = built[0]
    tpl = json.loads((out / "transformed.json").read_text())
    tpl["Resources"]["CatalogQueue"]["Properties"]["VisibilityTimeout"] = 120
    (tmp_path / "bad.json").write_text(json.dumps(tpl))
    res = subprocess.run([str(BIN / "cfn-lint"), "--format", "parseable", "bad.json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600)
    assert "E3505" in res.stdout, res.stdout + res.stderr


def test_event_source_visibility_timeouts_and_api_timeout(transformed):
    res = transformed["Resources"]
    mappings = [r["Properties"] for r in res.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    sqs = [m for m in mappings if "sqs" in json.dumps(m["EventSourceArn"]).lower() or "Queue" in json.dumps(
        m["EventSourceArn"])]
    assert len(sqs) >= 5
    for m in sqs:
        queue = m["EventSourceArn"]["Fn::GetAtt"][0]
        fn = m["FunctionName"]["Ref"]
        vis = res[queue]["Properties"]["VisibilityTimeout"]
        timeout = res[fn]["Properties"]["Timeout"]
        assert vis >= 6 * timeout, f"{queue} visibility {vis} s < 6 x {fn} timeout {timeout} s"
    assert res["APIHandler"]["Properties"]["Timeout"] <= 29  # API Gateway's integration limit
    catalog = next(m for m in sqs if m["FunctionName"]["Ref"] == "CatalogWorker")
    assert catalog["ScalingConfig"]["MaximumConcurrency"] >= 2
    assert "ReservedConcurrentExecutions" not in res["CatalogWorker"]["Properties"]


def test_data_protection(template):
    _, tpl = template
    res = tpl["Resources"]
    tables = [r for r in res.values() if r.get("Type") == "AWS::DynamoDB::Table"]
    assert len(tables) >= 15
    for t in tables:
        p = t["Properties"]
        assert p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert p["SSESpecification"]["SSEEnabled"] is True
    buckets = {k: r for k, r in res.items() if r.get("Type") == "AWS::S3::Bucket"}
    assert {"DeliverablesBucket", "SearchBucket", "BackupsBucket", "AdminSiteBucket", "PortalSiteBucket"} <= set(
        buckets)
    for b in buckets.values():
        p = b["Properties"]
        assert p["VersioningConfiguration"]["Status"] == "Enabled"
        assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert all(p["PublicAccessBlockConfiguration"].values())
        rules = p["LifecycleConfiguration"]["Rules"]  # versioned: old versions must expire
        assert any(r["Status"] == "Enabled" and r["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0 for r in rules)
    queues = {k: r for k, r in res.items() if r.get("Type") == "AWS::SQS::Queue"}
    for name, q in queues.items():
        if not name.endswith("Dlq"):
            assert q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [f"{name}Dlq", "Arn"]}


def test_every_bucket_is_tls_only_and_backups_writable_only_by_the_backup_job(template):
    _, tpl = template
    res = tpl["Resources"]
    policies = {r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]["Statement"]
                for r in res.values() if r.get("Type") == "AWS::S3::BucketPolicy"}
    for bucket in (k for k, r in res.items() if r.get("Type") == "AWS::S3::Bucket"):
        tls = [s for s in policies[bucket] if s.get("Sid") == "TlsOnly"]
        assert tls and tls[0]["Effect"] == "Deny" and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (only,) = [s for s in policies["BackupsBucket"] if s.get("Sid") == "OnlyTheBackupJobWrites"]
    assert only["Effect"] == "Deny" and "s3:PutObject" in only["Action"]
    assert only["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {"Fn::GetAtt": ["BackupOperatorRole", "Arn"]}


def test_workers_and_state_machine_wired(template):
    _, tpl = template
    res = tpl["Resources"]
    for fn, queue in [("WorkflowWorker", "WorkflowQueue"), ("NotifyWorker", "NotifyQueue"),
                      ("UploadsWorker", "UploadsQueue"), ("CatalogWorker", "CatalogQueue"),
                      ("JobsWorker", "JobsQueue")]:
        events = res[fn]["Properties"]["Events"]
        (ev,) = events.values()
        assert ev["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
        assert ev["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sm = res["FulfilmentStateMachine"]["Properties"]
    assert sm["DefinitionUri"] == "statemachines/fulfilment.asl.json"
    assert sm["Logging"]["Level"] == "ERROR" and sm["Tracing"]["Enabled"] is True
    assert sm["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"] == {
        "Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}
    assert tpl["Globals"]["Function"]["Environment"]["Variables"]["STATE_MACHINE_ARN"] == {"Ref": "FulfilmentStateMachine"}
    assert res["Tick"]["Type"] == "AWS::Serverless::Function"


def test_every_function_has_its_own_role_log_group_and_alarms(template):
    _, tpl = template
    res = tpl["Resources"]
    fns = {k: r for k, r in res.items() if r.get("Type") == "AWS::Serverless::Function"}
    assert {"APIHandler", "WorkflowWorker", "NotifyWorker", "UploadsWorker", "CatalogWorker", "Tick"} <= set(fns)
    roles = [r["Properties"]["Role"]["Fn::GetAtt"][0] for r in fns.values()]
    assert len(set(roles)) == len(fns)
    for name, fn in fns.items():
        role = res[fn["Properties"]["Role"]["Fn::GetAtt"][0]]
        assert [p["PolicyName"] for p in role["Properties"]["Policies"]] == ["least-privilege"]
        group = res[f"{name}LogGroup"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/" + fn["Properties"]["FunctionName"]["Fn::Sub"]}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert f"{name}LogGroup" in fn["DependsOn"]
        for metric in ("Errors", "Throttles"):
            a = res[f"{name}{metric}Alarm"]["Properties"]
            assert (a["Namespace"], a["MetricName"]) == ("AWS/Lambda", metric)
            assert a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
            assert a["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_alarms_dashboard_and_api_logging(template):
    from chalicelib.core import obs

    _, tpl = template
    res = tpl["Resources"]
    alarms = {k: r["Properties"] for k, r in res.items() if r.get("Type") == "AWS::CloudWatch::Alarm"}
    for dlq in (k for k, r in res.items() if r.get("Type") == "AWS::SQS::Queue" and k.endswith("Dlq")):
        a = alarms[f"{dlq}DepthAlarm"]
        assert (a["MetricName"], a["Threshold"], a["ComparisonOperator"]) == (
            "ApproximateNumberOfMessagesVisible", 0, "GreaterThanThreshold")
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert {("AWS/States", "ExecutionsFailed"), ("AWS/States", "ExecutionsTimedOut"), ("AWS/ApiGateway", "5XXError"),
            ("AWS/ApiGateway", "Latency"), (obs.NAMESPACE, obs.STUCK_PAID),
            (obs.NAMESPACE, obs.RECONCILIATION_ERRORS), (obs.NAMESPACE, obs.RECONCILIATION_DISCREPANCIES)} <= metrics
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    assert res["AlarmEmailSubscription"]["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    body = res["ServiceDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    for needle in ("5XXError", "ApproximateAgeOfOldestMessage", "PaymentApplied", "RequestSubmitted", "Latency",
                   "RequestDeliveredLate", "delivered on time (%)"):
        assert needle in body
    api = res["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}


def test_no_secret_in_the_environment_and_one_origin_per_site(template):
    _, tpl = template
    env = tpl["Globals"]["Function"]["Environment"]["Variables"]
    assert env["BILLING_SECRET_ID"] == {"Ref": "BillingSecret"}
    for fn in (r for r in tpl["Resources"].values() if r.get("Type") == "AWS::Serverless::Function"):
        names = set(env) | set(fn["Properties"].get("Environment", {}).get("Variables", {}))
        assert not {"BILLING_WEBHOOK_SECRET", "BILLING_API_KEY", "BILLING_WEBHOOK_SECRET_PREVIOUS"} & names
        assert "resolve:secretsmanager" not in json.dumps(fn["Properties"].get("Environment", {}))
        assert not {"ADMIN_URL", "PORTAL_URL", "CORS_ORIGINS"} & set(fn["Properties"]["Environment"]["Variables"])
    admin, portal = "https://${AdminDomainName}", "https://${PortalDomainName}"
    assert env["ADMIN_URL"] == {"Fn::Sub": admin} and env["PORTAL_URL"] == {"Fn::Sub": portal}
    assert env["CORS_ORIGINS"] == {"Fn::Sub": f"{portal},{admin}"}
    res = tpl["Resources"]
    assert res["AdminDistribution"]["Properties"]["DistributionConfig"]["Aliases"] == [{"Ref": "AdminDomainName"}]
    assert res["PortalDistribution"]["Properties"]["DistributionConfig"]["Aliases"] == [{"Ref": "PortalDomainName"}]
    cors = res["DeliverablesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]
    assert cors == [{"Fn::Sub": admin}, {"Fn::Sub": portal}]  # staff deliverables and consumer attachments
    for site in ("Admin", "Portal"):
        dist = res[f"{site}Distribution"]["Properties"]["DistributionConfig"]
        assert dist["ViewerCertificate"]["AcmCertificateArn"] == {"Ref": "CertificateArn"}
        assert dist["Origins"][0]["OriginAccessControlId"] == {"Fn::GetAtt": [f"{site}OriginAccessControl", "Id"]}
        headers = res[f"{site}HeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
        assert "default-src 'self'" in csp
        # the pages may connect to the API, the identity provider and the deliverables bucket (uploads), no more
        connect = next(d for d in csp.split("; ") if d.startswith("connect-src")).split()[1:]
        assert connect == ["'self'", "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}",
                           "${IdentityProviderOrigin}", "https://${DeliverablesBucket.RegionalDomainName}",
                           "https://${DeliverablesBucket.DomainName}"]


def test_the_downloads_distribution_serves_signed_urls_of_deliverables_only(template, monkeypatch):
    """Issue 22 §4: the deliverables' bytes leave through CloudFront when the stack has the signing key's public half;
    the distribution serves only URLs signed with it, reads the private bucket through its OAC, and forwards exactly
    the query parameters the code's links carry (chalicelib/delivery/cdn.py)."""
    _, tpl = template
    res, env = tpl["Resources"], tpl["Globals"]["Function"]["Environment"]["Variables"]
    assert tpl["Conditions"]["HasDownloadsCdn"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DownloadsSigningPublicKey"}, ""]}]}
    assert tpl["Parameters"]["DownloadsSigningPublicKey"]["Default"] == ""  # opt-in: a key pair first (docs/deploy.md)
    assert env["DOWNLOADS_CDN_URL"] == {"Fn::If": ["HasDownloadsCdn", {"Fn::Sub": "https://${DownloadsDomainName}"}, ""]}
    assert env["DOWNLOADS_CDN_KEY_ID"] == {"Fn::If": ["HasDownloadsCdn", {"Ref": "DownloadsPublicKey"}, ""]}
    assert env["DOWNLOADS_SIGNING_SECRET_ID"] == {"Ref": "DownloadsSigningKey"}
    assert "SecretString" not in res["DownloadsSigningKey"]["Properties"]  # the private key never in the template
    for name in ("DownloadsPublicKey", "DownloadsKeyGroup", "DownloadsOriginAccessControl",
                 "DownloadsOriginRequestPolicy", "DownloadsDistribution"):
        assert res[name]["Condition"] == "HasDownloadsCdn", name
    dist = res["DownloadsDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = dist["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["DeliverablesBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["DownloadsOriginAccessControl", "Id"]}
    b = dist["DefaultCacheBehavior"]
    assert b["TrustedKeyGroups"] == [{"Ref": "DownloadsKeyGroup"}] and b["ViewerProtocolPolicy"] == "https-only"
    assert b["AllowedMethods"] == ["GET", "HEAD"] and b["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert dist["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert dist["Aliases"] == [{"Ref": "DownloadsDomainName"}]
    forwarded = res["DownloadsOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]["QueryStringsConfig"]
    monkeypatch.setenv("DOWNLOADS_CDN_URL", "https://unduh.example.id")
    from chalicelib.core.config import reset_settings
    from chalicelib.delivery import cdn

    reset_settings()
    try:
        url = cdn.object_url("deliverables/R1/D1/a b.csv", "v1", 'attachment; filename="a b.csv"', "text/csv")
    finally:
        monkeypatch.delenv("DOWNLOADS_CDN_URL")
        reset_settings()
    sent = {k for k, _ in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)}
    assert forwarded == {"QueryStringBehavior": "whitelist", "QueryStrings": sorted(sent)}
    # the bucket policy itself is unconditional: it also carries the TLS-only statement (scripts/package.py)
    cdn_stmt, tls = res["DeliverablesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert tls["Sid"] == "TlsOnly" and tls["Effect"] == "Deny"
    condition, stmt, otherwise = cdn_stmt["Fn::If"]
    assert condition == "HasDownloadsCdn" and otherwise == {"Ref": "AWS::NoValue"}
    assert stmt["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert stmt["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert stmt["Resource"] == [{"Fn::Sub": "${DeliverablesBucket.Arn}/deliverables/*"},
                                {"Fn::Sub": "${DeliverablesBucket.Arn}/catalog/*"}]  # not the attachments
    assert "${DownloadsDistribution}" in stmt["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    alarm = res["DownloadSigningKeyAlarm"]["Properties"]
    assert alarm["MetricName"] == "DownloadSigningKeyUnavailable" and alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_api_gateway_errors_are_in_the_api_error_shape_and_readable_by_the_pages(template):
    """API Gateway answers some requests itself (throttled, unknown route, integration failure): those answers
    carry CORS too, so the pages can show them, and the body is SPEC §4's error shape."""
    _, tpl = template
    body = tpl["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == {"THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert responses["THROTTLED"]["statusCode"] == 429
    for kind, props in responses.items():
        params = props["responseParameters"]
        assert params["gatewayresponse.header.Access-Control-Allow-Origin"] == "method.request.header.origin"
        assert params["gatewayresponse.header.Vary"] == "'Origin'"
        # API Gateway fills $context.error.messageString with a quoted string, $context.requestId without quotes
        text = props["responseTemplates"]["application/json"].replace(
            "$context.error.messageString", json.dumps("Missing Authentication Token")).replace(
            "$context.requestId", "abc-123")
        err = json.loads(text)["error"]
        assert err["code"] and err["message"] and err["details"] == {"request_id": "abc-123"}, kind


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


def test_wheel_check_refuses_a_wheel_built_here(tmp_path):
    """A distribution built from source on this machine (tag linux_x86_64, e.g. Pillow 13 by chalice) is refused."""
    import zipfile

    from scripts.package import wheel_problems

    z = tmp_path / "d.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("pillow-13.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n")
        f.writestr("fpdf2-2.8.9.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        f.writestr("pydantic_core-2.1.dist-info/WHEEL", "Tag: cp311-cp311-manylinux_2_17_x86_64\n")
    problems, n = wheel_problems(z)
    assert n == 3 and problems == ["pillow-13.0.0: cp311-cp311-linux_x86_64"]


def test_the_package_carries_bytecode_python_loads_from_a_read_only_task_root(tmp_path):
    """Every module's bytecode is in the zip (Lambda cannot write a cache: /var/task is read-only), and Python
    loads it from there without compiling; a source that does not compile is shipped as it is and reported."""
    import os
    import stat
    import zipfile

    from scripts.package import bytecode_problems, precompile

    z = tmp_path / "deployment.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("pkg/__init__.py", "")
        f.writestr("pkg/mod.py", "def where():\n    return where.__code__.co_filename\n")
        f.writestr("pkg/broken.py", "def (:\n")
        f.writestr("pkg/data.json", "{}")
    assert bytecode_problems(z) == (["pkg/__init__.py", "pkg/broken.py", "pkg/mod.py"], 0)
    with pytest.raises(SystemExit):
        precompile(z, {"python3.9"})  # another runtime's magic number: refused, not shipped wrong
    compiled, failed = precompile(z, {f"python{sys.version_info.major}.{sys.version_info.minor}"})
    assert (compiled, failed) == (2, ["pkg/broken.py"])
    assert bytecode_problems(z) == (["pkg/broken.py"], 2)
    root = tmp_path / "task"
    with zipfile.ZipFile(z) as f:
        assert f.read("pkg/data.json") == b"{}"
        f.extractall(root)
    for d, _, files in os.walk(root):
        for name in files:
            os.chmod(os.path.join(d, name), stat.S_IRUSR)
        os.chmod(d, stat.S_IRUSR | stat.S_IXUSR)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        out = subprocess.run([sys.executable, "-v", "-c", "import pkg.mod; print(pkg.mod.where())"], cwd=root,
                             env={**env, "PYTHONDONTWRITEBYTECODE": "1"}, capture_output=True, text=True, check=True)
    finally:
        for d, _, _ in os.walk(root):
            os.chmod(d, stat.S_IRWXU)
    assert out.stdout.strip() == str(root / "pkg" / "mod.py")
    loaded = [line for line in out.stderr.splitlines() if "pkg" in line and "code object from" in line]
    assert any("__pycache__/mod." in line for line in loaded), out.stderr[-2000:]


def test_the_package_ships_the_endpoint_data_of_the_services_the_code_uses(built):
    """`botocore-data/endpoints.json` in the zip (the functions' AWS_DATA_PATH), with every service a function
    creates a client for and no other."""
    import re
    import zipfile

    from scripts.package import AWS_SERVICES, ENDPOINT_DATA_DIR

    out, tpl, _ = built
    with zipfile.ZipFile(out / "deployment.zip") as z:
        data = json.loads(z.read(f"{ENDPOINT_DATA_DIR}/endpoints.json"))
    assert sorted(data["partitions"][0]["services"]) == ["dynamodb", "email", "s3", "secretsmanager", "sqs", "states"]
    for name, fn in tpl["Resources"].items():
        if fn["Type"] == "AWS::Serverless::Function":
            assert fn["Properties"]["Environment"]["Variables"]["AWS_DATA_PATH"] == f"/var/task/{ENDPOINT_DATA_DIR}", name
    used = {"dynamodb", "secretsmanager"}  # PynamoDB's client; Powertools' Secrets Manager provider (core/secrets.py)
    for path in [*(ROOT / "chalicelib").rglob("*.py"), ROOT / "app.py"]:
        used |= set(re.findall(r"""\.client\(\s*["']([a-z0-9-]+)["']""", path.read_text()))
    assert used == set(AWS_SERVICES), used


@pytest.mark.parametrize("region", ["ap-southeast-3", "us-east-1", "cn-north-1", "us-gov-west-1", "eu-central-1"])
def test_the_pruned_endpoint_data_resolves_as_botocores_own(tmp_path, region):
    """Every service the code uses gets the same endpoint, signing name and region from the pruned data as from
    botocore's complete data, in every kind of partition."""
    import botocore.session

    from scripts.package import AWS_SERVICES, write_endpoint_data

    (tmp_path / "endpoints.json").write_bytes(write_endpoint_data())

    def resolved(data_path: str | None) -> dict[str, tuple[str, str, str]]:
        session = botocore.session.get_session()
        if data_path:
            session.set_config_variable("data_path", data_path)
            assert session.get_component("data_loader").load_data_with_path("endpoints")[1].startswith(data_path)
        out = {}
        for service in AWS_SERVICES:
            c = session.create_client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="y")
            out[service] = (c.meta.endpoint_url, c._request_signer.signing_name, c._request_signer.region_name)
        return out

    pruned, full = resolved(str(tmp_path)), resolved(None)
    assert pruned == full
    assert len(json.loads((tmp_path / "endpoints.json").read_bytes())["partitions"]) >= 4


# --- the transformed stack, deployed into moto's CloudFormation ---------------------------------------------------
#: resource types moto's CloudFormation cannot create (checked from the template instead, by the tests above);
#: references to them are replaced by placeholders so the rest of the stack deploys
MOTO_CANNOT = {
    "AWS::CloudFront::Distribution": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudFront::OriginAccessControl": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudFront::ResponseHeadersPolicy": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudFront::OriginRequestPolicy": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudFront::PublicKey": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudFront::KeyGroup": "no CloudFront support in moto's CloudFormation",
    "AWS::CloudWatch::Alarm": "not in moto's CloudFormation model map",
    "AWS::S3::BucketPolicy": "not in moto's CloudFormation model map",
    "AWS::SQS::QueuePolicy": "not in moto's CloudFormation model map",
    "AWS::SES::EmailIdentity": "not in moto's CloudFormation model map",
    "AWS::SNS::Subscription": "not in moto's CloudFormation model map",
    "AWS::SecretsManager::Secret": "not in moto's CloudFormation model map",
    "AWS::ApiGateway::Account": "not in moto's CloudFormation model map",
    "AWS::ApiGateway::Stage": "not in moto's CloudFormation model map",
    "AWS::ApiGateway::Deployment": "moto's RestApi ignores the OpenAPI Body, so a deployment finds no methods",
}
#: settings moto's CloudFormation accepts but does not apply (checked from the template): table point-in-time
#: recovery, bucket versioning, public access blocks and lifecycle rules, state machine logging and tracing


def _stub(tpl: dict, removed: set[str]) -> dict:
    import re

    def walk(v):
        if isinstance(v, dict):
            if set(v) == {"Ref"} and v["Ref"] in removed:
                return f"stub-{v['Ref']}"
            if set(v) == {"Fn::GetAtt"} and v["Fn::GetAtt"][0] in removed:
                return "stub-" + "-".join(v["Fn::GetAtt"])
            if set(v) == {"Fn::Sub"}:
                arg = v["Fn::Sub"]
                text, local = (arg, None) if isinstance(arg, str) else (arg[0], arg[1])
                text = re.sub(r"\$\{([A-Za-z0-9]+)(\.[A-Za-z]+)?\}",
                              lambda m: f"stub-{m.group(1)}" if m.group(1) in removed else m.group(0), text)
                return {"Fn::Sub": text if local is None else [text, walk(local)]}
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    out = {k: v for k, v in tpl.items() if k != "Resources"}
    out["Resources"] = {}
    for k, r in tpl["Resources"].items():
        if k in removed:
            continue
        r = walk(r)
        if "DependsOn" in r:
            deps = [d for d in ([r["DependsOn"]] if isinstance(r["DependsOn"], str) else r["DependsOn"])
                    if d not in removed]
            r.pop("DependsOn")
            if deps:
                r["DependsOn"] = deps
        out["Resources"][k] = r
    out["Outputs"] = walk(tpl.get("Outputs", {}))
    return out


def test_the_transformed_stack_deploys_in_moto_with_its_settings(built, transformed, monkeypatch):
    """moto's CloudFormation creates the transformed stack (Prefix acme-stats) except the types in MOTO_CANNOT;
    every table, queue, bucket, function, event source mapping, log group and the state machine then exists with
    the template's settings, read back through the services' own APIs."""
    import boto3
    from moto import mock_aws

    out = built[0]
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_DEFAULT_REGION": "ap-southeast-3"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    removed = {k for k, r in transformed["Resources"].items() if r["Type"] in MOTO_CANNOT}
    tpl = _stub(transformed, removed)
    res = transformed["Resources"]
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-southeast-3")
        s3.create_bucket(Bucket="silastik-artifacts",
                         CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"})
        s3.upload_file(str(out / "deployment.zip"), "silastik-artifacts", "deployment.zip")
        s3.upload_file(str(out / "statemachines" / "fulfilment.asl.json"), "silastik-artifacts",
                       "statemachines/fulfilment.asl.json")
        cfn = boto3.client("cloudformation", region_name="ap-southeast-3")
        cfn.create_stack(StackName="acme", TemplateBody=json.dumps(tpl), Capabilities=["CAPABILITY_IAM"],
                         Parameters=[{"ParameterKey": "Prefix", "ParameterValue": "acme-stats"},
                                     {"ParameterKey": "CertificateArn",
                                      "ParameterValue": "arn:aws:acm:us-east-1:123456789012:certificate/x"},
                                     {"ParameterKey": "IdentityProviderOrigin",
                                      "ParameterValue": "https://sso.acme.example"}])
        assert cfn.describe_stacks(StackName="acme")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        created = {r["LogicalResourceId"]: r for r in
                   cfn.list_stack_resources(StackName="acme")["StackResourceSummaries"]}
        assert set(created) == set(tpl["Resources"])
        assert all(r["ResourceStatus"] == "CREATE_COMPLETE" for r in created.values())

        def kind(t):
            return {k: r["Properties"] for k, r in res.items() if r["Type"] == t}

        ddb = boto3.client("dynamodb", region_name="ap-southeast-3")
        for logical, p in kind("AWS::DynamoDB::Table").items():
            d = ddb.describe_table(TableName=created[logical]["PhysicalResourceId"])["Table"]
            assert d["TableName"].startswith("acme-stats-")
            assert d["KeySchema"] == p["KeySchema"]
            assert {g["IndexName"] for g in d.get("GlobalSecondaryIndexes", [])} == {
                g["IndexName"] for g in p.get("GlobalSecondaryIndexes", [])}
            assert d["DeletionProtectionEnabled"] is True
        sqs = boto3.client("sqs", region_name="ap-southeast-3")
        for p in kind("AWS::SQS::Queue").values():
            url = sqs.get_queue_url(QueueName=p["QueueName"]["Fn::Sub"].replace("${Prefix}", "acme-stats"))[
                "QueueUrl"]
            a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            assert a["SqsManagedSseEnabled"] == "true"
            assert int(a["MessageRetentionPeriod"]) == p["MessageRetentionPeriod"]
            if "VisibilityTimeout" in p:
                assert int(a["VisibilityTimeout"]) == p["VisibilityTimeout"]
            if "RedrivePolicy" in p:
                assert json.loads(a["RedrivePolicy"])["deadLetterTargetArn"].endswith(f"{p['QueueName']['Fn::Sub']}"
                                                                                       .replace("${Prefix}",
                                                                                                "acme-stats") + "-dlq")
        for logical in kind("AWS::S3::Bucket"):
            name = created[logical]["PhysicalResourceId"]
            assert name.startswith("acme-stats-")
            assert s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        lam = boto3.client("lambda", region_name="ap-southeast-3")
        roles = set()
        for logical, p in kind("AWS::Lambda::Function").items():
            c = lam.get_function_configuration(FunctionName=created[logical]["PhysicalResourceId"])
            assert c["FunctionName"].startswith("acme-stats-")
            assert (c["Timeout"], c["MemorySize"]) == (p["Timeout"], p["MemorySize"])
            assert not {"BILLING_WEBHOOK_SECRET", "BILLING_API_KEY"} & set(c["Environment"]["Variables"])
            assert c["Environment"]["Variables"]["PREFIX"] == "acme-stats"
            roles.add(c["Role"])
        assert len(roles) == len(kind("AWS::Lambda::Function"))  # one role per function
        mappings = lam.list_event_source_mappings()["EventSourceMappings"]
        assert len(mappings) == len(kind("AWS::Lambda::EventSourceMapping"))
        for m in mappings:
            if ":sqs:" in m["EventSourceArn"]:
                fn = lam.get_function_configuration(FunctionName=m["FunctionArn"])
                url = sqs.get_queue_url(QueueName=m["EventSourceArn"].rsplit(":", 1)[1])["QueueUrl"]
                vis = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])[
                    "Attributes"]["VisibilityTimeout"])
                assert vis >= 6 * fn["Timeout"], (m["EventSourceArn"], vis, fn["Timeout"])
        sfn = boto3.client("stepfunctions", region_name="ap-southeast-3")
        (sm,) = sfn.list_state_machines()["stateMachines"]
        assert (sm["name"], sm["type"]) == ("acme-stats-fulfilment", "STANDARD")
        logs = boto3.client("logs", region_name="ap-southeast-3")
        groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
        for logical in kind("AWS::Lambda::Function"):
            assert groups[f"/aws/lambda/{created[logical]['PhysicalResourceId']}"]["retentionInDays"] == 90
        assert groups["/aws/vendedlogs/states/acme-stats-fulfilment"]["retentionInDays"] == 90

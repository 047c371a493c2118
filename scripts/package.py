"""`make package`: the deployable SAM template in build/, checked the way AWS will see it.

    python -m scripts.package [--stage prod] [OUT_DIR] [--no-checks]
    python -m scripts.package --audit [OUT_DIR]          # `make audit`: dependency audit of the package

Steps:
1. `chalice package --merge-template` with infra/resources.json (tables, queues, buckets, state machine, sites)
   deep-merged with infra/operations.json (alarms, dashboard, log groups of the state machine and the API, bucket
   policies, the portal's site and distribution);
2. the bytecode of every module compiled into the zip (`precompile`: `__pycache__/*.cpython-311.pyc`, unchecked
   hash), since Lambda's /var/task is read-only and a package of plain sources is compiled at every cold start;
3. post-processing chalice has no setting for: the stage's API Gateway throttling from `.chalice/config.json`
   (`stages.<stage>.api_gateway_throttling`); for EVERY function chalice generated: a name from the `Prefix`
   parameter, its own log group with retention, Errors/Throttles alarms, and its own least-privilege role policy
   from infra/iam.json (packaging fails for a function without one); copies statemachines/ beside the template;
4. checks (unless --no-checks): every shipped wheel is built for the Lambda platform; every module has its
   bytecode; the package size; the SAM
   transform (aws-sam-translator, with s3:// code URIs) and cfn-lint on the TRANSFORMED template (0 errors,
   0 warnings); checkov on it, where every failed check must be accepted, with its reason, in
   docs/checkov-accepted.yaml.

The SAM translator and checkov pin libraries the app pins differently (pydantic), so they live in their own
virtualenv, .venv-tools (requirements-tools.txt, created by `make venv`)."""

from __future__ import annotations

import argparse
import copy
import fnmatch
import importlib.util
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
TOOLS = ROOT / ".venv-tools" / "bin"
ACCEPTED = ROOT / "docs" / "checkov-accepted.yaml"
#: logs of functions and of the state machine are kept this long (days); a template parameter
LOG_RETENTION_PARAM = "LogRetentionDays"
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


# --- merging --------------------------------------------------------------------------------------------------
def deep_merge(base: Any, over: Any) -> Any:
    """`over` wins; dicts merge recursively, everything else (lists too) is replaced — like chalice's merge."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = deep_merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def merge_template() -> dict[str, Any]:
    tpl = json.loads((INFRA / "resources.json").read_text())
    ops = json.loads((INFRA / "operations.json").read_text())
    return deep_merge(tpl, {k: v for k, v in ops.items() if k != "Description"})


# --- post-processing ------------------------------------------------------------------------------------------
def throttling(config: dict[str, Any], stage: str) -> dict[str, int]:
    t = (config.get("stages", {}).get(stage, {}).get("api_gateway_throttling")
         or config.get("api_gateway_throttling") or {})
    out = {}
    if "burst_limit" in t:
        out["ThrottlingBurstLimit"] = int(t["burst_limit"])
    if "rate_limit" in t:
        out["ThrottlingRateLimit"] = float(t["rate_limit"])
    return out


def apply_throttling(template: dict[str, Any], config: dict[str, Any], stage: str) -> dict[str, Any]:
    limits = throttling(config, stage)
    if not limits:
        return template
    props = template["Resources"]["RestAPI"].setdefault("Properties", {})
    settings = props.setdefault("MethodSettings", [{"ResourcePath": "/*", "HttpMethod": "*"}])
    for s in settings:
        s.update(limits)
    return template


def _gateway_response(status: int | None, code: str, message: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "responseParameters": {
            # the pages (two origins) must be able to read these answers; bearer tokens, no cookies: reflecting the
            # caller's origin on a generic error exposes nothing
            "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin",
            "gatewayresponse.header.Vary": "'Origin'",
            "gatewayresponse.header.Access-Control-Allow-Headers":
                "'Authorization,Content-Type,Idempotency-Key,X-Correlation-Id'",
            "gatewayresponse.header.Cache-Control": "'no-store'",
            "gatewayresponse.header.X-Content-Type-Options": "'nosniff'"},
        "responseTemplates": {"application/json": json.dumps(
            {"error": {"code": code, "message": "@MSG@", "details": {"request_id": "@ID@"}}}).replace(
            '"@MSG@"', message).replace("@ID@", "$context.requestId")}}
    if status:
        out["statusCode"] = status
    return out


#: API Gateway's own answers (throttled, unknown route, integration failure) in SPEC §4's error shape, with CORS;
#: $context.error.messageString is the quoted message (API Gateway adds the quotes)
GATEWAY_RESPONSES = {
    "THROTTLED": _gateway_response(429, "rate_limited", '"Too many requests: try again in a few seconds"'),
    "DEFAULT_4XX": _gateway_response(None, "gateway_error", "$context.error.messageString"),
    "DEFAULT_5XX": _gateway_response(None, "service_unavailable", '"The service is temporarily unavailable"'),
}


def apply_gateway_responses(template: dict[str, Any]) -> dict[str, Any]:
    """Gateway responses go into the API's OpenAPI body (separate GatewayResponse resources next to a Body drift:
    cfn-lint W3660)."""
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    body["x-amazon-apigateway-gateway-responses"] = GATEWAY_RESPONSES
    return template


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r.get("Type") == "AWS::Serverless::Function"}


def function_name(logical: str) -> str:
    """The deployed name's suffix: APIHandler -> api, WorkflowWorker -> workflow-worker."""
    if logical == "APIHandler":
        return "api"
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical).lower()


def role_of(fn: dict[str, Any]) -> str:
    role = fn["Properties"].get("Role")
    if not (isinstance(role, dict) and "Fn::GetAtt" in role):
        raise SystemExit(f"function role is not a role of this template: {role!r}")
    return role["Fn::GetAtt"][0]


def alarm(name: str, description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]],
          statistic: str = "Sum", threshold: float = 0, period: int = 300, evaluation: int = 1,
          comparison: str = "GreaterThanThreshold", treat_missing: str = "notBreaching") -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": {"Fn::Sub": "${Prefix}-" + name}, "AlarmDescription": description,
        "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions, "Statistic": statistic,
        "Period": period, "EvaluationPeriods": evaluation, "Threshold": threshold,
        "ComparisonOperator": comparison, "TreatMissingData": treat_missing,
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def apply_functions(template: dict[str, Any], iam: dict[str, Any]) -> dict[str, Any]:
    """Per function: name, log group, alarms, least-privilege role. Every function chalice made gets all four."""
    res = template["Resources"]
    roles = iam["Resources"]
    missing = []
    for logical, fn in functions(template).items():
        suffix = function_name(logical)
        props = fn["Properties"]
        props["FunctionName"] = {"Fn::Sub": "${Prefix}-" + suffix}
        log_group = f"{logical}LogGroup"
        res[log_group] = {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
                          "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Prefix}-" + suffix},
                                         "RetentionInDays": {"Ref": LOG_RETENTION_PARAM}}}
        fn["DependsOn"] = sorted(set(fn.get("DependsOn", [])) | {log_group})
        dims = [{"Name": "FunctionName", "Value": {"Ref": logical}}]
        res[f"{logical}ErrorsAlarm"] = alarm(f"{suffix}-errors", f"{logical}: invocations failed", "AWS/Lambda",
                                             "Errors", dims)
        res[f"{logical}ThrottlesAlarm"] = alarm(f"{suffix}-throttles", f"{logical}: invocations throttled",
                                                "AWS/Lambda", "Throttles", dims)
        role = role_of(fn)
        if role not in roles:
            missing.append(f"{logical} (role {role})")
            continue
        res[role] = deep_merge(res[role], roles[role])
    if missing:
        raise SystemExit("functions without a least-privilege policy in infra/iam.json: " + ", ".join(missing))
    unused = sorted(k for k, r in roles.items() if "Type" not in r and k not in res)
    if unused:
        raise SystemExit(f"infra/iam.json has policies for roles no function uses: {unused}")
    for k, r in roles.items():
        if "Type" in r:
            res[k] = copy.deepcopy(r)
    return template


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r.get("Type") == kind}


def apply_queues(template: dict[str, Any]) -> dict[str, Any]:
    """Every dead-letter queue alarms on its first message; every other queue when its oldest message is old."""
    res = template["Resources"]
    for logical, q in of_type(template, "AWS::SQS::Queue").items():
        dims = [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}]
        suffix = function_name(logical)
        if "RedrivePolicy" not in q["Properties"]:
            res[f"{logical}DepthAlarm"] = alarm(f"{suffix}-depth", f"{logical}: messages in a dead-letter queue "
                                                "(inspect, fix, then `make redrive`)", "AWS/SQS",
                                                "ApproximateNumberOfMessagesVisible", dims, statistic="Maximum",
                                                period=60)
        else:
            age = int(q["Properties"].get("VisibilityTimeout", 30))
            res[f"{logical}AgeAlarm"] = alarm(f"{suffix}-age", f"{logical}: oldest message waits too long",
                                              "AWS/SQS", "ApproximateAgeOfOldestMessage", dims,
                                              statistic="Maximum", threshold=max(900, 2 * age), period=300,
                                              evaluation=3)
    return template


def tls_only(bucket: str) -> dict[str, Any]:
    return {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": "${" + bucket + ".Arn}/*"}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def apply_buckets(template: dict[str, Any]) -> dict[str, Any]:
    """Every bucket refuses plain HTTP: a TLS-only statement in its bucket policy (created when it has none)."""
    res = template["Resources"]
    policies = {r["Properties"]["Bucket"].get("Ref"): r for r in of_type(template, "AWS::S3::BucketPolicy").values()}
    for logical in of_type(template, "AWS::S3::Bucket"):
        policy = policies.get(logical)
        if policy is None:
            policy = res[f"{logical}Policy"] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": logical}, "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}}
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        if not any(s.get("Sid") == "TlsOnly" for s in statements):
            statements.append(tls_only(logical))
    return template


#: custom metrics on the dashboard (Powertools namespace SILASTIK, dimension service=silastik; chalicelib.core.obs)
DASHBOARD_METRICS = {
    "Requests and SLA": ["RequestSubmitted", "RequestAssigned", "RequestQueued", "RequestEscalated",
                         "RequestDelivered", "RequestDeliveredLate", "WorkflowProblem", "Reminder_overdue"],
    "Payments": ["BillingCreated", "PaymentApplied", "PaymentsReconciled", "PaymentAmountMismatch",
                 "WebhookRejected", "ReconciliationErrors", "PaidRequestsStuck"],
}


def apply_dashboard(template: dict[str, Any]) -> dict[str, Any]:
    """One CloudWatch dashboard: API requests/errors/latency, requests and SLA, payments, queue ages, functions."""
    sub: dict[str, Any] = {}
    widgets: list[dict[str, Any]] = []

    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum") -> None:
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": title, "region": "${AWS::Region}", "stat": stat, "period": 300, "view": "timeSeries",
            "metrics": metrics}})

    api = ["ApiName", "${Prefix}-api", "Stage", "v1"]
    widget("API requests and errors", [["AWS/ApiGateway", m, *api] for m in ("Count", "4XXError", "5XXError")])
    widget("API latency (p50, p95)", [["AWS/ApiGateway", "Latency", *api, {"stat": s}] for s in ("p50", "p95")],
           stat="p95")
    for title, names in DASHBOARD_METRICS.items():
        widget(title, [["SILASTIK", n, "service", "silastik"] for n in names])
    # the service level: share of deliveries on or before their due date (chalicelib/requests/kpi.py), per day
    sla = [["SILASTIK", "RequestDelivered", "service", "silastik", {"id": "d", "visible": False}],
           ["SILASTIK", "RequestDeliveredLate", "service", "silastik", {"id": "l", "visible": False}],
           [{"expression": "IF(d > 0, 100 * (d - FILL(l, 0)) / d)", "label": "delivered on time (%)", "id": "sla"}]]
    widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
        "title": "Service level: delivered on time (%)", "region": "${AWS::Region}", "stat": "Sum", "period": 86400,
        "view": "timeSeries", "yAxis": {"left": {"min": 0, "max": 100}}, "metrics": sla}})
    queues = []
    for logical, q in of_type(template, "AWS::SQS::Queue").items():
        key = f"Q{logical}"
        sub[key] = {"Fn::GetAtt": [logical, "QueueName"]}
        metric = "ApproximateAgeOfOldestMessage" if "RedrivePolicy" in q["Properties"] else \
            "ApproximateNumberOfMessagesVisible"
        queues.append(["AWS/SQS", metric, "QueueName", "${" + key + "}"])
    widget("Queue ages (s) and dead-letter depths", queues, stat="Maximum")
    fns = []
    for logical in functions(template):
        key = f"F{logical}"
        sub[key] = {"Ref": logical}
        fns += [["AWS/Lambda", m, "FunctionName", "${" + key + "}"] for m in ("Errors", "Throttles")]
    widget("Lambda errors and throttles", fns)
    widget("Fulfilment executions", [["AWS/States", m, "StateMachineArn", "${FulfilmentStateMachine}"]
                                     for m in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed",
                                               "ExecutionsTimedOut", "ExecutionsAborted")])
    body = json.dumps({"widgets": widgets})
    template["Resources"]["ServiceDashboard"] = {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": {"Fn::Sub": "${Prefix}-service"}, "DashboardBody": {"Fn::Sub": [body, sub]}}}
    return template


def post_process(template: dict[str, Any], config: dict[str, Any], stage: str) -> dict[str, Any]:
    template = apply_throttling(template, config, stage)
    template = apply_gateway_responses(template)
    iam = json.loads((INFRA / "iam.json").read_text())
    template = apply_functions(template, iam)
    template = apply_queues(template)
    template = apply_buckets(template)
    return apply_dashboard(template)


def package(stage: str, out: Path) -> dict[str, Any]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-3")}
    env.pop("AWS_ENDPOINT_URL", None)
    merged = out.parent / f".{out.name}-merge-template.json"
    merged.write_text(json.dumps(merge_template(), indent=2))
    chalice = Path(sys.executable).parent / "chalice"
    try:
        subprocess.run([str(chalice), "package", "--stage", stage, "--merge-template", str(merged), str(out)],
                       cwd=ROOT, env=env, check=True)
    finally:
        merged.unlink(missing_ok=True)
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    template = json.loads((out / "sam.json").read_text())
    compiled, failed = precompile(out / "deployment.zip", runtimes(template))
    print(f"bytecode: {compiled} modules compiled into deployment.zip"
          + (f"; {len(failed)} do not compile (kept as sources): {', '.join(failed[:5])}" if failed else ""))
    kept = add_endpoint_data(out / "deployment.zip")
    print(f"botocore endpoint data: {ENDPOINT_DATA_DIR}/endpoints.json with the {kept} services the code uses")
    template = post_process(template, config, stage)
    (out / "sam.json").write_text(json.dumps(template, indent=2) + "\n")
    shutil.copytree(ROOT / "statemachines", out / "statemachines")
    return template


# --- bytecode -------------------------------------------------------------------------------------------------
def runtimes(template: dict[str, Any]) -> set[str]:
    return {fn["Properties"].get("Runtime", "") for fn in functions(template).values()}


def precompile(zip_path: Path, runtime: set[str]) -> tuple[int, list[str]]:
    """Add the bytecode of every module to the package, as `__pycache__/<name>.cpython-3XX.pyc` beside it.

    Lambda's /var/task is read-only: Python cannot cache what it compiles, so a package of plain sources compiles
    every module it imports again at every cold start (``bench/bench_first_request.py`` prints the difference).
    The bytecode is compiled by this interpreter, which must be the functions' runtime's version (the magic
    number), with an unchecked hash (``py_compile``'s UNCHECKED_HASH): valid whatever mtime the extracted files
    get. Returns (modules compiled, sources that do not compile: shipped as they are)."""
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != {here}:
        raise SystemExit(f"bytecode for {sorted(runtime)} cannot be compiled by {here}: package with that Python")
    compiled, failed = 0, []
    tmp = zip_path.with_name(zip_path.name + ".tmp")
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst, \
            tempfile.TemporaryDirectory(prefix="silastik-pyc-") as work:
        names = set(src.namelist())
        source, cfile = Path(work) / "m.py", Path(work) / "m.pyc"
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data)
            if not info.filename.endswith(".py"):
                continue
            pyc = importlib.util.cache_from_source(info.filename)
            if pyc in names:
                continue
            source.write_bytes(data)
            try:
                py_compile.compile(str(source), cfile=str(cfile), dfile=info.filename, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            except py_compile.PyCompileError:
                failed.append(info.filename)
                continue
            entry = zipfile.ZipInfo(pyc, date_time=info.date_time)
            entry.external_attr, entry.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
            dst.writestr(entry, cfile.read_bytes())
            compiled += 1
    tmp.replace(zip_path)
    return compiled, failed


# --- botocore's endpoint data ---------------------------------------------------------------------------------
#: the AWS services the functions create clients for (botocore names; tests/integration/test_infra.py holds the
#: list against the code)
AWS_SERVICES = ("dynamodb", "s3", "secretsmanager", "ses", "sqs", "stepfunctions")
#: in the package; the functions' AWS_DATA_PATH (`.chalice/config.json`, stage prod) is /var/task/<this>
ENDPOINT_DATA_DIR = "botocore-data"


def endpoint_data(endpoints: dict[str, Any], prefixes: set[str]) -> dict[str, Any]:
    """botocore's endpoint data (`endpoints.json`, 1.25 MB) with only the services of `prefixes` (endpoint
    prefixes) in every partition, the partitions' own data unchanged."""
    return {**endpoints, "partitions": [
        {**p, "services": {k: v for k, v in p["services"].items() if k in prefixes}} for p in endpoints["partitions"]]}


def write_endpoint_data(services: tuple[str, ...] = AWS_SERVICES) -> bytes:
    """The pruned `endpoints.json`, from this interpreter's botocore (its loader: the latest model of each
    service; `add_endpoint_data` checks that the package ships the same botocore).

    Every botocore session parses endpoints.json (~22 ms of a cold process's first client, for ~300 services in 8
    partitions); a directory on AWS_DATA_PATH is searched before botocore's own data, so the functions load this
    one. The endpoint prefix of each service comes from its model (SES: `email`, Step Functions: `states`)."""
    from botocore.loaders import Loader

    loader = Loader(include_default_search_paths=False, extra_search_paths=[Loader.BUILTIN_DATA_PATH])
    prefixes = {loader.load_service_model(s, "service-2")["metadata"]["endpointPrefix"] for s in services}
    return json.dumps(endpoint_data(loader.load_data("endpoints"), prefixes), separators=(",", ":")).encode()


def add_endpoint_data(zip_path: Path) -> int:
    """Write `<ENDPOINT_DATA_DIR>/endpoints.json` (pruned from botocore's) into the package."""
    import botocore

    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as z:
        shipped = {n.split("/", 1)[0] for n in z.namelist() if re.fullmatch(r"botocore-[^/]+\.dist-info/METADATA", n)}
        if shipped != {f"botocore-{botocore.__version__}.dist-info"}:
            raise SystemExit(f"the package ships {sorted(shipped)}, this interpreter has botocore "
                             f"{botocore.__version__}: package with the pinned requirements installed")
        z.writestr(f"{ENDPOINT_DATA_DIR}/endpoints.json", write_endpoint_data())
    return len(AWS_SERVICES)


def bytecode_problems(zip_path: Path) -> tuple[list[str], int]:
    """Modules of the package without their bytecode; and how many have it."""
    with zipfile.ZipFile(zip_path) as z:
        names = set(z.namelist())
    sources = [n for n in names if n.endswith(".py")]
    missing = sorted(n for n in sources if importlib.util.cache_from_source(n) not in names)
    return missing, len(sources) - len(missing)


# --- checks ---------------------------------------------------------------------------------------------------
def wheel_problems(zip_path: Path, arch: str = "x86_64") -> tuple[list[str], int]:
    """Shipped distributions whose wheel tag is not for Lambda (built from source here: `linux_<arch>`)."""
    problems, count = [], 0
    with zipfile.ZipFile(zip_path) as z:
        for name in z.namelist():
            if not re.fullmatch(r"[^/]+\.dist-info/WHEEL", name):
                continue
            count += 1
            tags = [line.split(":", 1)[1].strip() for line in z.read(name).decode().splitlines()
                    if line.startswith("Tag:")]
            ok = any(t.endswith("-any") or ("manylinux" in t and t.endswith(arch)) for t in tags)
            if not ok:
                problems.append(f"{name.split('.dist-info')[0]}: {', '.join(tags)}")
    return problems, count


def package_size(zip_path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(zip_path) as z:
        return zip_path.stat().st_size, sum(i.file_size for i in z.infolist())


def transform(out: Path) -> Path:
    """SAM -> CloudFormation with aws-sam-translator (the code and definition as s3:// URIs, as after
    `sam package`/`aws cloudformation package`)."""
    tpl = json.loads((out / "sam.json").read_text())
    for r in tpl["Resources"].values():
        if r.get("Type") == "AWS::Serverless::Function":
            r["Properties"]["CodeUri"] = "s3://silastik-artifacts/deployment.zip"
        if r.get("Type") == "AWS::Serverless::StateMachine" and "DefinitionUri" in r["Properties"]:
            r["Properties"]["DefinitionUri"] = "s3://silastik-artifacts/" + r["Properties"]["DefinitionUri"]
    src = out / "sam.s3.json"
    src.write_text(json.dumps(tpl))
    dst = out / "transformed.json"
    code = (
        "import json,sys\n"
        "from samtranslator.translator.transform import transform\n"
        "class Loader:\n"
        "    def load(self): return {}\n"
        "t = transform(json.load(open(sys.argv[1])), {}, Loader())\n"
        "json.dump(t, open(sys.argv[2], 'w'), indent=2)\n")
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-southeast-3")}
    subprocess.run([str(TOOLS / "python"), "-c", code, str(src), str(dst)], check=True, env=env)
    return dst


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", path.name],
                          cwd=path.parent, capture_output=True, text=True, timeout=600)


def load_accepted() -> list[dict[str, str]]:
    """docs/checkov-accepted.yaml: a list of {check, resources (glob, default *), reason}."""
    import yaml  # PyYAML, a dependency of cfn-lint

    entries = yaml.safe_load(ACCEPTED.read_text()) or []
    for e in entries:
        if not e.get("check") or not str(e.get("reason", "")).strip():
            raise SystemExit(f"{ACCEPTED.relative_to(ROOT)}: every entry needs a check and a reason: {e}")
    return entries


def checkov(path: Path) -> dict[str, Any]:
    """Failed checks of the transformed template, split into accepted (with their reason) and unlisted."""
    res = subprocess.run([str(TOOLS / "checkov"), "-f", str(path), "--framework", "cloudformation",
                          "--skip-download", "--compact", "-o", "json"],
                         capture_output=True, text=True, timeout=900)
    try:
        report = json.loads(res.stdout)
    except json.JSONDecodeError as exc:
        raise SystemExit(f"checkov gave no report (rc {res.returncode}): {res.stderr[-2000:]}") from exc
    reports = report if isinstance(report, list) else [report]
    failed = [c for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    passed = sum(len(r.get("results", {}).get("passed_checks", [])) for r in reports)
    accepted = load_accepted()
    used: set[int] = set()
    unlisted, ok = [], []
    for c in failed:
        resource = c["resource"].split(".", 1)[-1]
        hit = next((i for i, e in enumerate(accepted) if e["check"] == c["check_id"]
                    and fnmatch.fnmatchcase(resource, str(e.get("resources", "*")))), None)
        if hit is None:
            unlisted.append(f"{c['check_id']} {resource}: {c['check_name']}")
        else:
            used.add(hit)
            ok.append(f"{c['check_id']} {resource}")
    stale = [f"{e['check']} {e.get('resources', '*')}" for i, e in enumerate(accepted) if i not in used]
    return {"passed": passed, "failed": len(failed), "accepted": ok, "unlisted": unlisted, "stale": stale}


def check(out: Path, arch: str = "x86_64") -> list[str]:
    """Run every check; print the figures; return the problems (empty: the package is good)."""
    problems = []
    zip_path = out / "deployment.zip"
    bad, n = wheel_problems(zip_path, arch)
    print(f"wheels: {n} distributions, {len(bad)} not built for Lambda ({arch})")
    problems += [f"not a Lambda wheel: {b}" for b in bad]
    missing, with_pyc = bytecode_problems(zip_path)
    print(f"bytecode: {with_pyc} modules with it, {len(missing)} without")
    problems += [f"no bytecode: {m}" for m in missing]
    zipped, unzipped = package_size(zip_path)
    print(f"deployment package: {zipped / 2**20:.1f} MiB zipped, {unzipped / 2**20:.1f} MiB unzipped "
          f"(Lambda limit {LAMBDA_UNZIPPED_LIMIT / 2**20:.0f} MiB unzipped)")
    if unzipped > LAMBDA_UNZIPPED_LIMIT:
        problems.append("deployment package above Lambda's unzipped limit")
    transformed = transform(out)
    lint = cfn_lint(transformed)
    findings = [line for line in lint.stdout.splitlines() if line.strip()]
    print(f"cfn-lint (transformed template): {len(findings)} findings")
    problems += [f"cfn-lint: {f}" for f in findings]
    if lint.returncode and not findings:
        problems.append(f"cfn-lint failed: {lint.stderr[-2000:]}")
    ck = checkov(transformed)
    print(f"checkov (transformed template): {ck['passed']} passed, {ck['failed']} failed, of which "
          f"{len(ck['accepted'])} accepted in {ACCEPTED.relative_to(ROOT)}, {len(ck['unlisted'])} unlisted")
    problems += [f"checkov: {u}" for u in ck["unlisted"]]
    problems += [f"checkov: accepted finding no longer reported (remove it): {s}" for s in ck["stale"]]
    return problems


# --- dependency audit -----------------------------------------------------------------------------------------
#: a pin with published advisories: the audit must flag it, or it did not really audit
KNOWN_VULNERABLE = "urllib3==1.24.1"


def shipped_requirements(zip_path: Path) -> list[str]:
    """name==version of every distribution in the deployment package (what Lambda runs)."""
    pins = []
    with zipfile.ZipFile(zip_path) as z:
        for name in z.namelist():
            m = re.fullmatch(r"([^/]+)\.dist-info/METADATA", name)
            if m:
                meta = z.read(name).decode("utf-8", "replace")
                n = re.search(r"^Name: (.+)$", meta, re.M)
                v = re.search(r"^Version: (.+)$", meta, re.M)
                if n and v:
                    pins.append(f"{n.group(1).strip()}=={v.group(1).strip()}")
    return sorted(pins, key=str.lower)


#: advisory sources pip-audit can ask, in order; the first one that flags the canary is used
SERVICES = ("osv", "pypi")


def pip_audit(pins: list[str], workdir: Path, service: str = "osv") -> dict[str, Any]:
    req = workdir / "audit-requirements.txt"
    req.write_text("\n".join(pins) + "\n")
    res = subprocess.run([str(TOOLS / "pip-audit"), "--vulnerability-service", service, "--no-deps", "--disable-pip",
                          "-r", str(req), "-f", "json", "--progress-spinner", "off"],
                         capture_output=True, text=True, timeout=900)
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError:
        lines = [line for line in (res.stderr or res.stdout).splitlines() if line.strip()]
        return {"error": lines[-1][-400:] if lines else f"rc {res.returncode}", "audited": 0, "vulnerable": []}
    deps = data.get("dependencies", data if isinstance(data, list) else [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [f"{d['name']}=={d['version']}: {', '.join(v['id'] for v in d['vulns'])}"
                  for d in audited if d.get("vulns")]
    return {"audited": len(audited), "skipped": len(deps) - len(audited), "vulnerable": vulnerable}


def audit(out: Path) -> int:
    """Audit the shipped distributions against OSV; fail when one is vulnerable, and also when the audit cannot
    prove it works (the known-vulnerable canary is not flagged: advisory source unreachable)."""
    zip_path = out / "deployment.zip"
    if not zip_path.exists():
        raise SystemExit(f"{zip_path} missing: run `make package` first")
    pins = shipped_requirements(zip_path)
    service = None
    for candidate in SERVICES:
        canary = pip_audit([KNOWN_VULNERABLE], out, candidate)
        if canary["vulnerable"]:
            service = candidate
            break
        print(f"advisory source {candidate}: the canary {KNOWN_VULNERABLE} was not flagged "
              f"({canary.get('error') or 'no advisory returned'})")
    if service is None:
        print("AUDIT NOT POSSIBLE: no advisory source flags a known-vulnerable pin from here, so a clean result "
              "would mean nothing")
        return 2
    result = pip_audit(pins, out, service)
    print(f"audit: {len(pins)} shipped distributions, {result['audited']} audited against {service}, "
          f"{len(result['vulnerable'])} vulnerable")
    for v in result["vulnerable"]:
        print(f"  VULNERABLE {v}")
    if result.get("error") or result["audited"] != len(pins):
        print(f"audit incomplete: {result.get('error') or result}")
        return 2
    return 1 if result["vulnerable"] else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("out", nargs="?", default="build")
    parser.add_argument("--no-checks", action="store_true", help="only build the template")
    parser.add_argument("--audit", action="store_true", help="audit the dependencies of an existing package")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    if args.audit:
        raise SystemExit(audit(out))
    tpl = package(args.stage, out)
    limits = tpl["Resources"]["RestAPI"]["Properties"].get("MethodSettings", [{}])[0]
    print(f"packaged stage {args.stage} into {args.out}/sam.json ({len(functions(tpl))} functions; throttling: "
          f"burst {limits.get('ThrottlingBurstLimit')}, rate {limits.get('ThrottlingRateLimit')}/s)")
    if args.no_checks:
        return
    problems = check(out)
    for p in problems:
        print(f"PROBLEM {p}")
    if problems:
        raise SystemExit(f"{len(problems)} problems")
    print("package OK")


if __name__ == "__main__":
    main()

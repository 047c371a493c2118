"""Provision the resources of infra/resources.json (tables, queues with DLQs, buckets, SES identity) and
the state machines of statemachines/ into an AWS endpoint — moto in-process (tests) or the embedded moto
server (make dev). The same definitions CloudFormation deploys, so local and prod cannot drift.

State machines are created through the Step Functions API (moto's CloudFormation-created ones are not
visible to its executing backend)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "resources.json"
STATEMACHINES = ROOT / "statemachines"
ACCOUNT = "123456789012"


def load_template() -> dict[str, Any]:
    return json.loads(TEMPLATE.read_text())


class Resolver:
    def __init__(self, params: dict[str, str], region: str, account: str = ACCOUNT) -> None:
        self.params = params
        self.region = region
        self.account = account
        self.refs: dict[str, str] = {}
        self.arns: dict[str, str] = {}

    def sub(self, text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            key = m.group(1)
            builtin = {"AWS::AccountId": self.account, "AWS::Region": self.region, "AWS::Partition": "aws",
                       "AWS::StackName": self.params.get("Prefix", "silastik")}
            if key in builtin:
                return builtin[key]
            if key in self.params:
                return self.params[key]
            if key in self.refs:
                return self.refs[key]
            raise KeyError(f"cannot resolve ${{{key}}}")

        return re.sub(r"\$\{([A-Za-z0-9:._]+)\}", repl, text)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "Fn::Sub" in value:
                arg = value["Fn::Sub"]
                return self.sub(arg if isinstance(arg, str) else arg[0])
            if "Ref" in value:
                name = value["Ref"]
                return self.params.get(name) or self.refs[name]
            if "Fn::GetAtt" in value:
                res, attr = value["Fn::GetAtt"]
                if attr == "Arn":
                    return self.arns[res]
                raise KeyError(f"unsupported GetAtt {res}.{attr}")
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v) for v in value]
        return value


def _client(session: Any, service: str, region: str) -> Any:
    return session.client(service, region_name=region)


def provision(prefix: str = "silastik-local", region: str = "ap-southeast-3", session: Any = None,
              admin_origins: list[str] | None = None, mail_from: str = "no-reply@silastik.example.id",
              asl_overrides: dict[str, Any] | None = None,
              billing_secret: dict[str, str] | None = None,
              downloads_signing_key: str | None = None) -> dict[str, str]:
    """Create (or leave in place) every resource; returns the environment the app needs.

    `billing_secret` (e.g. {"webhook_secret": ..., "api_key": ...}) also creates the stack's Secrets Manager
    secret `<prefix>/billing` and returns its ARN as BILLING_SECRET_ID (how AWS runs); without it the app uses
    the local-only fallback (BILLING_WEBHOOK_SECRET / BILLING_API_KEY in the environment). `downloads_signing_key`
    (a PEM private key) likewise creates `<prefix>/downloads-signing-key` and returns DOWNLOADS_SIGNING_SECRET_ID
    (the downloads distribution's key; the caller sets DOWNLOADS_CDN_URL/KEY_ID, which CloudFront would give)."""
    import boto3

    session = session or boto3.session.Session()
    tpl = load_template()
    params = {k: str(v.get("Default", "")) for k, v in tpl.get("Parameters", {}).items()}
    params["Prefix"] = prefix
    params["MailFrom"] = mail_from
    origins = admin_origins or ["http://127.0.0.1:8080", "http://localhost:8080"]
    params["AdminOrigin"] = origins[0]
    r = Resolver(params, region)
    resources = tpl["Resources"]
    ddb = _client(session, "dynamodb", region)
    sqs = _client(session, "sqs", region)
    s3 = _client(session, "s3", region)

    # tables
    existing = set()
    for page in ddb.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    for res in resources.values():
        if res.get("Type") != "AWS::DynamoDB::Table":
            continue
        p = r(res["Properties"])
        name = p["TableName"]
        if name not in existing:
            kwargs = {k: p[k] for k in ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode") if k in p}
            if p.get("GlobalSecondaryIndexes"):
                kwargs["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
            if p.get("SSESpecification"):
                kwargs["SSESpecification"] = {"Enabled": p["SSESpecification"]["SSEEnabled"]}
            ddb.create_table(**kwargs)
            if p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
                ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": True})
            if p.get("TimeToLiveSpecification"):
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=p["TimeToLiveSpecification"])

    # queues: dead-letter queues first
    env: dict[str, str] = {}
    queues = [(k, v) for k, v in resources.items() if v.get("Type") == "AWS::SQS::Queue"]
    queues.sort(key=lambda kv: "RedrivePolicy" in kv[1]["Properties"])
    for logical, res in queues:
        p = r(res["Properties"])
        attrs = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in p:
                attrs[key] = str(p[key])
        if "RedrivePolicy" in p:
            attrs["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = sqs.create_queue(QueueName=p["QueueName"], Attributes=attrs)["QueueUrl"]
        r.refs[logical] = url
        r.arns[logical] = f"arn:aws:sqs:{region}:{ACCOUNT}:{p['QueueName']}"
        if not logical.endswith("Dlq"):
            env[f"{p['QueueName'].removeprefix(prefix + '-').upper()}_QUEUE_URL"] = url

    # buckets
    for logical, res in resources.items():
        if res.get("Type") != "AWS::S3::Bucket":
            continue
        p = r(res["Properties"])
        name = p["BucketName"]
        r.refs[logical] = name
        try:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        if p.get("VersioningConfiguration"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=p["VersioningConfiguration"])
        if p.get("BucketEncryption"):
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                     for rule in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if p.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
        if p.get("CorsConfiguration"):
            rules = p["CorsConfiguration"]["CorsRules"]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
                {"AllowedMethods": c["AllowedMethods"], "AllowedOrigins": origins,
                 "AllowedHeaders": c.get("AllowedHeaders", ["*"]), "MaxAgeSeconds": c.get("MaxAge", 600)}
                for c in rules]})
        if p.get("NotificationConfiguration"):
            qc = p["NotificationConfiguration"].get("QueueConfigurations", [])
            s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration={
                "QueueConfigurations": [{"QueueArn": q["Queue"], "Events": [q["Event"]]} for q in qc]})
        key = logical.removesuffix("Bucket").upper()
        env[f"{key}_BUCKET"] = name

    # e-mail identity
    ses = _client(session, "ses", region)
    ses.verify_email_identity(EmailAddress=mail_from)
    ses.verify_domain_identity(Domain=mail_from.split("@", 1)[1])

    # state machines
    sfn = _client(session, "stepfunctions", region)
    subs = {"WorkflowQueueUrl": r.refs["WorkflowQueue"]}
    machines = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]}
    for path in sorted(STATEMACHINES.glob("*.asl.json")):
        text = path.read_text()
        for k, v in subs.items():
            text = text.replace("${" + k + "}", v)
        definition = json.loads(text)
        for dotted, value in (asl_overrides or {}).items():
            _set_dotted(definition, dotted, value)
        name = f"{prefix}-{path.name.removesuffix('.asl.json')}"
        role = f"arn:aws:iam::{ACCOUNT}:role/{prefix}-statemachine"
        if name in machines:
            sfn.update_state_machine(stateMachineArn=machines[name], definition=json.dumps(definition))
            arn = machines[name]
        else:
            arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role,
                                           type="STANDARD")["stateMachineArn"]
        if path.name == "fulfilment.asl.json":
            env["STATE_MACHINE_ARN"] = arn
    if billing_secret is not None:
        sm = _client(session, "secretsmanager", region)
        name = f"{prefix}/billing"
        try:
            env["BILLING_SECRET_ID"] = sm.create_secret(Name=name, SecretString=json.dumps(billing_secret))["ARN"]
        except sm.exceptions.ResourceExistsException:
            env["BILLING_SECRET_ID"] = sm.put_secret_value(SecretId=name, SecretString=json.dumps(billing_secret))[
                "ARN"]
    if downloads_signing_key is not None:
        sm = _client(session, "secretsmanager", region)
        name = f"{prefix}/downloads-signing-key"
        try:
            env["DOWNLOADS_SIGNING_SECRET_ID"] = sm.create_secret(Name=name, SecretString=downloads_signing_key)["ARN"]
        except sm.exceptions.ResourceExistsException:
            env["DOWNLOADS_SIGNING_SECRET_ID"] = sm.put_secret_value(SecretId=name,
                                                                     SecretString=downloads_signing_key)["ARN"]
    env["PREFIX"] = prefix
    env["AWS_REGION"] = region
    env["MAIL_FROM"] = mail_from
    return env


def _set_dotted(obj: Any, dotted: str, value: Any) -> None:
    """Override one value of an ASL definition, e.g. "States.CreateBilling.Retry.0.IntervalSeconds"."""
    parts = dotted.split(".")
    for part in parts[:-1]:
        obj = obj[int(part)] if isinstance(obj, list) else obj[part]
    last = parts[-1]
    if isinstance(obj, list):
        obj[int(last)] = value
    else:
        obj[last] = value

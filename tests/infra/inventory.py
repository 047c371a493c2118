"""The code's AWS call inventory per Lambda function: every botocore API call (and every pre-signed URL, which a
browser later uses with the issuing function's credentials) made while a function's handler runs, as the IAM
action and resource ARN it needs.

Attribution: the Chalice app's HTTP entry point is the `APIHandler` function; a handler invoked through the
Chalice test client's `lambda_.invoke(name, ...)` is the function chalice names after it (`workflow_worker` ->
`WorkflowWorker`); threads started while a function runs inherit it. Calls made by the test driver itself (the
local worker polling queues, fixtures) and by moto's own threads (the executing state machine) belong to no
function and are not recorded: what Lambda's event source mappings need is derived from the template instead."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

#: DynamoDB TransactWriteItems entries -> the IAM action each needs on its table
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
#: S3 API operations -> IAM actions (object-level unless noted)
_S3 = {"GetObject": "GetObject", "HeadObject": "GetObject", "PutObject": "PutObject", "DeleteObject": "DeleteObject",
       "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject",
       "AbortMultipartUpload": "AbortMultipartUpload", "DeleteObjects": "DeleteObject",
       "GetObjectAttributes": "GetObject", "CopyObject": "PutObject"}
#: ... and those of a call that names one object version (`VersionId`): S3 authorises it by another action
#: (Amazon S3 actions reference: DeleteObject/GetObject/HeadObject with versionId)
_S3_VERSIONED = {"DeleteObject": "DeleteObjectVersion", "GetObject": "GetObjectVersion"}
_S3_BUCKET = {"ListObjectsV2": "ListBucket", "ListObjects": "ListBucket", "HeadBucket": "ListBucket",
              "ListObjectVersions": "ListBucketVersions"}
_SERVICE_PREFIX = {"stepfunctions": "states", "sfn": "states", "dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs",
                   "ses": "ses", "sesv2": "ses", "secretsmanager": "secretsmanager", "ssm": "ssm", "sts": "sts"}


@dataclass(frozen=True)
class Need:
    function: str
    action: str  # e.g. "dynamodb:Query"
    resource: str  # ARN, or "*"
    via: str = ""  # the API operation that needed it


@dataclass
class Inventory:
    needs: set[Need] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # the stack's environment (e.g. the secret's ARN)

    def of(self, function: str) -> set[Need]:
        return {n for n in self.needs if n.function == function}

    @property
    def functions(self) -> set[str]:
        return {n.function for n in self.needs}


def chalice_logical_name(name: str) -> str:
    """chalice's logical id of a lambda function: workflow_worker -> WorkflowWorker."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


_local = threading.local()
_state: dict[str, Any] = {"inventory": None, "account": "123456789012", "region": "ap-southeast-3",
                          "partition": "aws", "queues": {}}
_installed = threading.Lock()


def current() -> str | None:
    return getattr(_local, "function", None)


@contextmanager
def as_function(name: str | None) -> Iterator[None]:
    prev = current()
    _local.function = name
    try:
        yield
    finally:
        _local.function = prev


def _arn(service: str, resource: str) -> str:
    s = _state
    if service == "s3":
        return f"arn:{s['partition']}:s3:::{resource}"
    return f"arn:{s['partition']}:{service}:{s['region']}:{s['account']}:{resource}"


def _queue_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def needs_of(operation: str, service: str, p: dict[str, Any]) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs one API call needs."""
    prefix = _SERVICE_PREFIX.get(service, service)
    out: list[tuple[str, str]] = []
    if service == "dynamodb":
        def table(name: str, index: str | None = None) -> str:
            return _arn("dynamodb", f"table/{name}" + (f"/index/{index}" if index else ""))

        if operation == "TransactWriteItems":
            for item in p["TransactItems"]:
                ((kind, body),) = item.items()
                out.append((f"dynamodb:{_TRANSACT[kind]}", table(body["TableName"])))
        elif operation == "TransactGetItems":
            out += [("dynamodb:GetItem", table(i["Get"]["TableName"])) for i in p["TransactItems"]]
        elif operation in ("BatchGetItem", "BatchWriteItem"):
            out += [(f"dynamodb:{operation}", table(t)) for t in p["RequestItems"]]
        else:
            out.append((f"dynamodb:{operation}", table(p["TableName"], p.get("IndexName"))))
    elif service == "s3":
        bucket = p.get("Bucket", "")
        if operation in _S3_BUCKET:
            out.append((f"s3:{_S3_BUCKET[operation]}", _arn("s3", bucket)))
        elif operation == "DeleteObjects":
            out += [("s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                     _arn("s3", f"{bucket}/{o['Key']}")) for o in p["Delete"]["Objects"]]
        else:
            action = _S3.get(operation, operation)
            if p.get("VersionId") and action in _S3_VERSIONED:
                action = _S3_VERSIONED[action]  # a call naming one version needs the version's own action
            out.append((f"s3:{action}", _arn("s3", f"{bucket}/{p.get('Key', '')}")))
            if operation == "CopyObject":
                src = p["CopySource"]
                src = f"{src['Bucket']}/{src['Key']}" if isinstance(src, dict) else src.split("?", 1)[0]
                out.append(("s3:GetObject", _arn("s3", src)))
    elif service == "sqs":
        name = p.get("QueueName") or _queue_name(p.get("QueueUrl", ""))
        out.append((f"sqs:{operation}", _arn("sqs", name)))
    elif service == "stepfunctions":
        if operation in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
            out.append((f"states:{operation}", "*"))  # task-token actions take no resource (AWS)
        elif "stateMachineArn" in p:
            out.append((f"states:{operation}", p["stateMachineArn"]))
        elif "executionArn" in p:
            out.append((f"states:{operation}", p["executionArn"]))
        else:
            out.append((f"states:{operation}", "*"))
    elif service in ("ses", "sesv2"):
        source = p.get("Source") or p.get("FromEmailAddress") or ""
        address = source.rsplit("<", 1)[-1].rstrip(">").strip()
        action = {"SendEmail": "ses:SendEmail", "SendRawEmail": "ses:SendRawEmail"}.get(operation,
                                                                                        f"ses:{operation}")
        out.append((action, _arn("ses", f"identity/{address}")))
        if "@" in address:
            out.append((action, _arn("ses", f"identity/{address.split('@', 1)[1]}")))
    elif service == "secretsmanager":
        out.append((f"secretsmanager:{operation}", p.get("SecretId", "")))
    else:
        out.append((f"{prefix}:{operation}", "*"))
    return out


def install() -> None:
    """Wrap botocore's API-call entry point, pre-signing and Thread.start (idempotent)."""
    from botocore.client import BaseClient

    with _installed:
        if getattr(BaseClient._make_api_call, "_silastik_inventory", False):
            return
        original = BaseClient._make_api_call

        def recorded(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            fn = current()
            inv: Inventory | None = _state["inventory"]
            if fn is not None and inv is not None and not getattr(_local, "inside", False):
                service = self.meta.service_model.service_name
                try:
                    for action, resource in needs_of(operation_name, service, api_params):
                        inv.needs.add(Need(fn, action, resource, f"{service}:{operation_name}"))
                except Exception as exc:  # noqa: BLE001 - shown by the test, never breaks the call
                    inv.unresolved.append(f"{fn} {service}:{operation_name}: {exc!r}")
            prev = getattr(_local, "inside", False)
            _local.inside = True  # moto's threads started inside this call are AWS's, not the function's
            try:
                return original(self, operation_name, api_params)
            finally:
                _local.inside = prev

        recorded._silastik_inventory = True  # type: ignore[attr-defined]
        BaseClient._make_api_call = recorded  # type: ignore[method-assign]

        # botocore adds both pre-signing methods to each client class it creates, looking these module globals
        # up at that moment: clients created after install() use the recording versions
        import botocore.signers

        presign_url = botocore.signers.generate_presigned_url
        presign_post = botocore.signers.generate_presigned_post

        def presigned_url(self: Any, ClientMethod: str, Params: dict[str, Any] | None = None,  # noqa: N803
                          *args: Any, **kw: Any) -> Any:
            _note_presigned(self, ClientMethod, Params or {})
            return presign_url(self, ClientMethod, Params, *args, **kw)

        def presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kw: Any) -> Any:  # noqa: N803
            _note_presigned(self, "put_object", {"Bucket": Bucket, "Key": Key})
            return presign_post(self, Bucket, Key, *args, **kw)

        botocore.signers.generate_presigned_url = presigned_url
        botocore.signers.generate_presigned_post = presigned_post

        start = threading.Thread.start

        def start_inheriting(self: threading.Thread) -> None:
            fn = None if getattr(_local, "inside", False) else current()
            run = self.run

            def run_as() -> None:
                with as_function(fn):
                    run()

            self.run = run_as  # type: ignore[method-assign]
            start(self)

        threading.Thread.start = start_inheriting  # type: ignore[method-assign]


def _note_presigned(client: Any, method: str, params: dict[str, Any]) -> None:
    fn = current()
    inv: Inventory | None = _state["inventory"]
    if fn is None or inv is None:
        return
    op = client.meta.method_to_api_mapping.get(method, method)
    service = client.meta.service_model.service_name
    for action, resource in needs_of(op, service, params):
        inv.needs.add(Need(fn, action, resource, f"presigned {service}:{op}"))


@contextmanager
def recording(account: str = "123456789012", region: str = "ap-southeast-3",
              partition: str = "aws") -> Iterator[Inventory]:
    install()
    inv = Inventory()
    _state.update(inventory=inv, account=account, region=region, partition=partition)
    try:
        yield inv
    finally:
        _state["inventory"] = None

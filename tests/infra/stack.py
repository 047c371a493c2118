"""The in-process stack (moto provisioned from infra/, executing Step Functions, the local OIDC issuer and billing
simulator) under any `Prefix`, with the code's AWS calls recorded per Lambda function while the AWS-call
benchmark's cases (every route of the API, bench/aws_calls.py) run and the workers and the scheduled tick drain
what they cause. Used by tests/infra/test_iam.py to prove each function's role against what its code calls."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from tests.infra import inventory as inv_mod

ACCOUNT = "123456789012"
REGION = "ap-southeast-3"


@contextlib.contextmanager
def recorded_stack(prefix: str) -> Iterator[inv_mod.Inventory]:
    import boto3
    from chalice import Chalice
    from chalice.test import Client
    from moto import mock_aws

    from local.billing_sim import serve_in_thread as billing_serve
    from local.provision import provision
    from local.sso import serve_in_thread as sso_serve
    from local.worker import QUEUE_HANDLERS, Worker, schedule_event
    from scripts.downloads_key import new_key_pair
    from tests import conftest

    inv_mod.install()
    sso, _ = sso_serve(host="127.0.0.1", port=0, log_requests=False)
    secret = conftest.TEST_ENV["BILLING_WEBHOOK_SECRET"]
    sim, _ = billing_serve(host="127.0.0.1", port=0, webhook_url=None, secret=secret, log_requests=False)
    saved = dict(os.environ)
    tmp = tempfile.TemporaryDirectory(prefix="silastik-iam-")
    original_call = Chalice.__call__

    def api_call(self: Any, event: Any, context: Any) -> Any:
        from chalicelib.core import secrets

        secrets.reset()  # each function runs in its own containers: no secret cached by another one
        with inv_mod.as_function("APIHandler"):
            return original_call(self, event, context)

    try:
        os.environ.update({"OIDC_ISSUER": sso.issuer, "BILLING_BASE_URL": sim.url, "POWERTOOLS_LOG_LEVEL": "ERROR"})
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            env = provision(prefix=prefix, region=REGION, session=boto3.session.Session(),
                            asl_overrides={"States.CreateBilling.Retry.0.IntervalSeconds": 1},
                            billing_secret={"webhook_secret": secret, "api_key": "iam-test-key"},
                            downloads_signing_key=new_key_pair()[0])
            # the downloads distribution as the stack configures it (HasDownloadsCdn): links are signed with the key
            env.update({"DOWNLOADS_CDN_URL": "https://unduh.acme.example", "DOWNLOADS_CDN_KEY_ID": "K2ACMETEST"})
            os.environ.update(env)
            os.environ.pop("BILLING_WEBHOOK_SECRET", None)  # the deployed way: only the secret's ARN
            os.environ["SEARCH_LOCAL_ROOT"] = os.path.join(tmp.name, "search")
            # the abuse limits on, as deployed (high enough for the scenario): their calls are part of the inventory
            os.environ["MAX_OPEN_REQUESTS"] = "1000"
            # the daily reconciliation report runs at every tick below whatever the time of day (one per day)
            os.environ["RECONCILIATION_REPORT_AFTER_MIN"] = "0"
            os.environ["RATE_LIMITS"] = ("create_consultation=1000/3600,create_data_order=1000/3600,"
                                         "create_complaint=1000/3600,post_message=1000/600")
            conftest._reset_caches()
            from chalicelib.core import clock, secrets

            secrets.reset()
            clock.set_clock(None)
            import app as app_module
            from bench.aws_calls import measure

            Chalice.__call__ = api_call  # type: ignore[method-assign]
            with Client(app_module.app, stage_name="test") as client, inv_mod.recording(ACCOUNT, REGION) as inv:
                api = conftest.Api(client, conftest.Tokens(sso))
                urls = {name: env[f"{name.upper()}_QUEUE_URL"] for name in QUEUE_HANDLERS
                        if f"{name.upper()}_QUEUE_URL" in env and hasattr(app_module, QUEUE_HANDLERS[name])}

                def invoke(name: str, event: dict[str, Any]) -> Any:
                    secrets.reset()
                    with inv_mod.as_function(inv_mod.chalice_logical_name(name)):
                        return client.lambda_.invoke(name, event).payload

                worker = Worker(boto3.client("sqs", region_name=REGION), urls, invoke)
                measure(api, worker)
                worker.drain()
                # the oldest request: closed, with a message, so the retention run (tick at +800 days) redacts it
                # whatever order the benchmark's requests come in
                # (made after the benchmark, so its world is not changed, and dated back to be the oldest)
                real_now = clock.now()
                clock.set_clock(lambda: real_now - timedelta(days=2))
                st, body = api.post("/requests", "consumer2", {"kind": "consultation", "topic": "data",
                                                               "subject": "Inflasi", "question": "Data inflasi?"})
                assert st == 201, body
                oldest = body["request_id"]
                assert api.post(f"/requests/{oldest}/messages", "consumer2", {"body": "Halo"})[0] == 201
                st, body = api.post(f"/requests/{oldest}/cancel", "consumer2", {})
                assert st == 200, body
                clock.set_clock(None)
                # the staff directory's admin routes (no case in the benchmark yet)
                for method, path, body, want in [
                    ("POST", "/ops/units", {"code": "ujicoba", "name": "Unit Uji Coba"}, 201),
                    ("PATCH", "/ops/units/ujicoba", {"name": "Unit Uji Coba Baru"}, 200),
                    ("GET", "/ops/units", None, 200), ("GET", "/ops/units/ujicoba", None, 200),
                    ("POST", "/ops/staff", {"user_id": "operator9", "name": "Operator Sembilan", "roles": ["operator"],
                                            "quota": 5, "services": []}, 201),
                    ("POST", "/ops/staff", {"user_id": "producer9", "name": "Produsen Sembilan", "roles": ["producer"],
                                            "units": ["ujicoba"]}, 201),
                    ("PATCH", "/ops/staff/operator9", {"quota": 7}, 200),
                    ("PATCH", "/ops/staff/producer9", {"units": []}, 200),
                    ("GET", "/ops/staff", None, 200), ("GET", "/ops/staff/operator9", None, 200),
                    ("GET", "/me/roles", None, 200),
                ]:
                    st, out = api.call(method, path, "admin1", body=body)
                    assert st == want, (method, path, st, out)
                worker.drain()
                real_deletes(api, worker)
                # an unpaid billing for the tick's reconciliation (asks the provider: the API key) and reminders
                from bench.aws_calls import PAID_ORDER

                st, body = api.post("/requests", "consumer1", PAID_ORDER)
                assert st == 201, body
                rid = body["request_id"]
                assert worker.run_until(lambda: api.get(f"/requests/{rid}", "consumer1")[1]["status"]
                                        == "awaiting_payment", timeout_s=30)
                # the scheduled tick from the next office morning on (reminders, expiry, auto-completion, retention):
                # the same time of day whenever the suite runs
                base = office_morning(clock.now() + timedelta(minutes=2))
                for days in (0, 1, 3, 8, 40, 800):
                    clock.set_clock(lambda d=days: base + timedelta(days=d))
                    invoke("tick", schedule_event("tick"))
                    worker.drain(settle_s=0.2)
                clock.set_clock(None)
                inv.env = dict(env)
                yield inv
            conftest._reset_caches()
    finally:
        Chalice.__call__ = original_call  # type: ignore[method-assign]
        os.environ.clear()
        os.environ.update(saved)
        sso.stop()
        sim.stop()
        tmp.cleanup()


def office_morning(now: Any) -> Any:
    """The first 10:00 Asia/Jakarta of a working day from `now` on: the scenario's ticks start inside office hours
    whatever the time the suite runs at (the tick's steps that depend on the time of day are then all reached)."""
    from datetime import datetime, time

    from chalicelib.delegation.service import JAKARTA
    from chalicelib.requests.sla import calendar

    cal, day = calendar(), now.astimezone(JAKARTA).date()
    if not (cal.is_working_day(day) and datetime.combine(day, time(10), tzinfo=JAKARTA) >= now):
        day = cal.next_working_day(day)
    return datetime.combine(day, time(10), tzinfo=JAKARTA)


def real_deletes(api: Any, worker: Any) -> None:
    """Every delete the code makes on a real uploaded object (issue 18: the roles must allow them): staff withdraw
    an uploaded deliverable (every version), the uploads worker rejects a deliverable and a catalog file that do not
    match their declaration and removes an object no upload was issued for, a consumer's document that fails its
    verification is deleted by the API."""
    import hashlib

    import boto3
    import requests as http

    from bench.aws_calls import CSV, FREE_ORDER, World
    from chalicelib.delivery import s3

    w = World(api, worker)
    rid = w.submit(FREE_ORDER)
    w.wait({rid: "assigned"})
    w.ok(*api.post(f"/ops/requests/{rid}/start", "operator1"))
    did = w.upload_ready(rid)
    w.ok(*api.call("DELETE", f"/ops/requests/{rid}/deliverables/{did}", "operator1"), expect=204)
    bad = CSV.replace(b"ACEH", b"ACEX")  # same size, another SHA-256
    decl = {"filename": "salah.csv", "content_type": "text/csv", "size_bytes": len(CSV),
            "sha256": hashlib.sha256(CSV).hexdigest()}

    def upload_bad(path: str, user: str) -> str:
        out = w.ok(*api.post(path, user, decl), expect=201)
        resp = http.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("f", bad)}, timeout=10)
        assert resp.status_code in (200, 201, 204), resp.text
        return str(out["deliverable_id"])

    def rejected(path: str, key: str, fid: str, user: str) -> bool:
        st, items = api.get(path, user)
        assert st == 200, items
        return any(d[key] == fid and d["status"] == "rejected" for d in items)

    rejected_did = upload_bad(f"/ops/requests/{rid}/deliverables", "operator1")
    item = "PB-FILE1"  # the benchmark's open file-backed publication
    rejected_fid = upload_bad(f"/ops/catalog/items/{item}/files", "admin1")
    boto3.client("s3", region_name=REGION).put_object(Bucket=s3.bucket(), Key=f"deliverables/{rid}/DORPHAN/x.csv",
                                                      Body=CSV, ContentType="text/csv")
    assert worker.run_until(lambda: rejected(f"/ops/requests/{rid}/deliverables", "deliverable_id", rejected_did,
                                             "operator1")
                            and rejected(f"/ops/catalog/items/{item}/files", "file_id", rejected_fid, "admin1"))
    worker.drain()
    assign = w.submit({"kind": "consultation", "topic": "data", "subject": "Upah", "question": "Data upah?"})
    w.wait({assign: "assigned"})
    data = b"%PDF-1.7\n%%EOF\n"
    out = w.ok(*api.post(f"/requests/{assign}/attachments", "consumer1", {
        "filename": "surat.pdf", "content_type": "application/pdf", "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest()}), expect=201)
    http.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("surat.pdf", b"%PDF-1.7\n%%EOX\n")},
              timeout=10)
    st, body = api.post(f"/requests/{assign}/attachments/{out['attachment_id']}/verify", "consumer1")
    assert st == 200 and body["status"] == "rejected", (st, body)

"""AWS calls per request: every route of the API, called with real ids and valid bodies against moto in-process,
each call counted (DynamoDB / S3 / SQS / Step Functions / others) with an estimate of the DynamoDB capacity.

    .venv/bin/python -m bench.aws_calls            # table to bench/aws_calls.md, BENCH lines, bench/results.json
                                                   # (and per route, machine-readable, bench/aws_calls.json:
                                                   # the input of bench/cost.py)

Counting: a hook on ``botocore.client.BaseClient._make_api_call`` — every boto3/botocore client (ours, PynamoDB's)
goes through it — records the calls made *on the calling thread* while a ``recording()`` is open, so moto's
Step Functions threads and the test driver are not counted. One API call = one count (SDK retries not counted).

Method: for each route (``app.api.routes``; some with variants, e.g. the three kinds of ``POST /requests``) a
`Case` prepares a fresh, valid call (a request in the right state, a valid body) without counting; the call is
made once to warm up (clients, queue URLs, the JWKS, the search index), a second fresh call is counted. Both must
answer the route's success status, or the figure would describe an error path.

Capacity ("est. RCU/WCU"): DynamoDB's own rules applied to the item sizes (reads: 4 KB units, half for eventually
consistent, per item for GetItem/BatchGetItem, per page for Query; writes: 1 KB units of the item *after* the write,
read back uncounted; transactions ×2). moto's own ConsumedCapacity figures are constants, so they are not used.

``tests/integration/test_aws_call_budget.py`` holds the per-route budgets and fails when a route exceeds one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: how long the world's setup waits for the workflow and the queues to bring a request to a status (seconds): on a
#: loaded, shared machine moto's Step Functions threads take minutes, so generous; `--setup-timeout` or the
#: environment variable BENCH_SETUP_TIMEOUT_S change it
SETUP_TIMEOUT_S = 600.0


def setup_timeout_s() -> float:
    return float(os.environ.get("BENCH_SETUP_TIMEOUT_S") or SETUP_TIMEOUT_S)

# --- counting ------------------------------------------------------------------------------------------------
SERVICE_NAMES = {"dynamodb": "dynamodb", "s3": "s3", "sqs": "sqs", "stepfunctions": "sfn", "sfn": "sfn",
                 "states": "sfn"}
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Call:
    service: str
    operation: str
    target: str = ""  # table[/index] or bucket or queue
    rcu: float = 0.0
    wcu: float = 0.0
    items: int = 0  # items in a transaction / batch
    error: str = ""


@dataclass
class Recording:
    calls: list[Call] = field(default_factory=list)

    def of(self, service: str) -> list[Call]:
        return [c for c in self.calls if c.service == service]

    @property
    def dynamodb(self) -> int:
        return len(self.of("dynamodb"))

    @property
    def scans(self) -> int:
        return sum(1 for c in self.of("dynamodb") if c.operation == "Scan")

    @property
    def rcu(self) -> float:
        return round(sum(c.rcu for c in self.calls), 1)

    @property
    def wcu(self) -> float:
        return round(sum(c.wcu for c in self.calls), 1)

    def summary(self) -> str:
        c = Counter(f"{x.service}:{x.operation}" + (f"({x.items})" if x.items > 1 else "") for x in self.calls)
        return ", ".join(f"{k}×{n}" if n > 1 else k for k, n in c.items())


_state = threading.local()
_install_lock = threading.Lock()


def install() -> None:
    """Wrap botocore's single entry point for API calls (idempotent)."""
    from botocore.client import BaseClient

    with _install_lock:
        if getattr(BaseClient._make_api_call, "_silastik_counted", False):
            return
        original = BaseClient._make_api_call

        def counted(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
            rec: Recording | None = getattr(_state, "rec", None)
            if rec is None or getattr(_state, "paused", False):
                return original(self, operation_name, api_params)
            service = self.meta.service_model.service_name
            call = Call(SERVICE_NAMES.get(service, service), operation_name, _target(service, api_params))
            rec.calls.append(call)
            try:
                response = original(self, operation_name, api_params)
            except Exception as exc:
                call.error = type(exc).__name__
                raise
            if call.service == "dynamodb":
                _state.paused = True
                try:
                    _capacity(self, call, operation_name, api_params, response, original)
                except Exception:  # noqa: BLE001 - an estimate must never break the measured request
                    pass
                finally:
                    _state.paused = False
            return response

        counted._silastik_counted = True  # type: ignore[attr-defined]
        BaseClient._make_api_call = counted  # type: ignore[method-assign]


@contextmanager
def recording() -> Iterator[Recording]:
    install()
    rec = Recording()
    _state.rec = rec
    try:
        yield rec
    finally:
        _state.rec = None


def _target(service: str, p: dict[str, Any]) -> str:
    if "TableName" in p:
        return p["TableName"] + (f"/{p['IndexName']}" if p.get("IndexName") else "")
    if "RequestItems" in p:
        return ",".join(sorted(p["RequestItems"]))
    if "TransactItems" in p:
        names = {next(iter(t.values())).get("TableName", "") for t in p["TransactItems"]}
        return ",".join(sorted(names))
    return str(p.get("Bucket") or p.get("QueueUrl", "").rsplit("/", 1)[-1] or "")


# --- capacity estimate ---------------------------------------------------------------------------------------
def attr_size(v: dict[str, Any]) -> int:
    (t, x), = v.items()
    if t == "S":
        return len(x.encode())
    if t == "N":
        return len(str(x).lstrip("-").replace(".", "").lstrip("0")) // 2 + 2
    if t == "B":
        return len(x)
    if t in ("BOOL", "NULL"):
        return 1
    if t == "L":
        return 3 + sum(attr_size(e) + 1 for e in x)
    if t == "M":
        return 3 + sum(len(k.encode()) + attr_size(e) + 1 for k, e in x.items())
    if t in ("SS", "NS", "BS"):
        return sum(len(str(e).encode()) for e in x)
    return 0


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(k.encode()) + attr_size(v) for k, v in (item or {}).items())


def _read_back(client: Any, original: Any, table: str, key: dict[str, Any]) -> int:
    got = original(client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True})
    return item_size(got.get("Item"))


def _capacity(client: Any, call: Call, op: str, p: dict[str, Any], resp: dict[str, Any], original: Any) -> None:
    def rcu(size: int, consistent: bool) -> float:
        return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)

    def wcu(size: int) -> float:
        return float(max(1, math.ceil(size / 1024)))

    if op == "GetItem":
        call.rcu = rcu(item_size(resp.get("Item")), bool(p.get("ConsistentRead")))
    elif op in ("Query", "Scan"):
        call.rcu = rcu(sum(item_size(i) for i in resp.get("Items", [])), bool(p.get("ConsistentRead")))
    elif op == "BatchGetItem":
        for table, items in resp.get("Responses", {}).items():
            consistent = bool(p["RequestItems"].get(table, {}).get("ConsistentRead"))
            call.rcu += sum(rcu(item_size(i), consistent) for i in items)
            call.items += len(items)
    elif op == "TransactGetItems":
        call.rcu = sum(2 * rcu(item_size(r.get("Item")), True) for r in resp.get("Responses", []))
    elif op == "PutItem":
        call.wcu = wcu(item_size(p.get("Item")))
    elif op == "UpdateItem":
        call.wcu = wcu(_read_back(client, original, p["TableName"], p["Key"]))
    elif op == "DeleteItem":
        call.wcu = 1.0
    elif op == "BatchWriteItem":
        for reqs in p.get("RequestItems", {}).values():
            for r in reqs:
                call.wcu += wcu(item_size(r["PutRequest"]["Item"])) if "PutRequest" in r else 1.0
                call.items += 1
    elif op == "TransactWriteItems":
        for t in p.get("TransactItems", []):
            call.items += 1
            if "Put" in t:
                call.wcu += 2 * wcu(item_size(t["Put"]["Item"]))
            elif "Update" in t:
                call.wcu += 2 * wcu(_read_back(client, original, t["Update"]["TableName"], t["Update"]["Key"]))
            else:  # Delete, ConditionCheck
                call.wcu += 2.0


# --- the route cases -----------------------------------------------------------------------------------------
CSV = b"provinsi,penduduk\nACEH,5554800\nSUMATERA UTARA,15386600\n" * 20
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Berapa nilai ekspor 2024?"}
PAID_ORDER = {"kind": "data_order", "items": [{"catalog_id": "TS-PAID1"}], "purpose": "Penelitian skripsi"}
FREE_ORDER = {"kind": "data_order", "items": [{"catalog_id": "TS-FREE1"}], "purpose": "Penelitian skripsi"}
CUSTOM_ORDER = {"kind": "data_order", "items": [], "purpose": "Penelitian skripsi",
                "custom_request": "Jumlah penduduk per kecamatan menurut umur, 2020-2024"}
MICRO_ORDER = {"kind": "data_order", "items": [{"catalog_id": "MD-SUS1"}], "purpose": "Penelitian tesis",
               "abstract": "Analisis kemiskinan rumah tangga", "agreement_accepted": True}


@dataclass
class Req:
    """One call: who, what, and the status that means success."""

    method: str
    path: str
    user: str | None
    body: Any = None
    headers: dict[str, str] | None = None
    expect: int = 200


@dataclass
class Case:
    method: str
    path: str  # the route's path, as in app.api.routes
    variant: str
    prepare: Callable[[World, int], Req]  # (world, 0 = warm-up | 1 = measured) -> a fresh valid call

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.variant}]" if self.variant else "")


@dataclass
class Result:
    case: Case
    rec: Recording
    status: int
    seconds: float


class World:
    """Requests in every state the routes need, made through the API (uncounted) before measuring."""

    def __init__(self, api: Any, worker: Any) -> None:
        self.api = api
        self.worker = worker
        self.ids: dict[str, Any] = {}

    # helpers
    def ok(self, status: int, body: Any, expect: int = 200) -> Any:
        assert status == expect, f"setup call answered {status}: {body}"
        return body

    def work_item(self, i: int, kind: str, request_id: str | None = None) -> str:
        """A payment work item a supervisor acts on (made here as the payment paths make them)."""
        from chalicelib.billing.models import WorkItemRecord
        from chalicelib.core import clock

        WorkItemRecord(billing_code=f"work#{kind}.bench{i}", created_at=clock.iso(), kind=kind,
                       for_request=request_id or self.ids["paid"], amount_idr=150000, evidence={"bench": i}).save()
        return f"{kind}.bench{i}"

    def _paid_order(self, request_id: str, status: str, **extra: Any) -> str:
        """A copy of the paid order in `status` (its derived keys set as the repository sets them), saved."""
        from chalicelib.core import clock
        from chalicelib.requests.models import RequestRecord
        from chalicelib.requests.repository import derived

        src = RequestRecord.get(self.ids["paid"])
        now = clock.iso()
        rec = RequestRecord(request_id=request_id, kind="data_order", channel="portal", status=status,
                            consumer_id=src.consumer_id, consumer=src.consumer, created_by=src.consumer_id,
                            created_at=now, updated_at=now, sla_days=int(src.sla_days or 5),
                            total_idr=int(src.total_idr), transaction_type="paid", items=list(src.items or []),
                            purpose=src.purpose, needs_billing=True, **extra)
        for k, v in derived(rec.status, None, None, now)[0].items():
            setattr(rec, k, v)
        rec.save()
        return request_id

    def paid_after_close(self, i: int) -> str:
        """A paid order that had been cancelled when its payment arrived (its own, so each resume creates its
        follow-up), with the work item the payment opened."""
        from chalicelib.core import clock

        rid = self._paid_order(f"RLATE{i:04d}", "cancelled", billing_code=f"BLATE{i:04d}", paid_at=clock.iso())
        return self.work_item(i, "paid_after_close", rid)

    def stopped_workflow(self, i: int) -> str:
        """A paid order waiting for its payment whose execution is gone (flagged `workflow_lost`), with the
        `workflow_problem` item the tick opened for it: the restart."""
        rid = self._paid_order(f"RSTOP{i:04d}", "awaiting_payment", billing_code=f"BSTOP{i:04d}",
                               problem="workflow_lost")
        return self.work_item(i, "workflow_problem", rid)

    def stranded(self, i: int) -> Req:
        """An order the provider could not bill (left submitted, its billing to be created): the retry."""
        rid = self._paid_order(f"RSTRAND{i:04d}", "submitted")
        return Req("POST", f"/ops/requests/{rid}/billing/retry", "supervisor1", {})

    def pending_email_code(self, i: int) -> Req:
        """consumer2 has asked for a new address; the code is set here (the real one only goes by e-mail)."""
        from datetime import timedelta

        from chalicelib.core import clock
        from chalicelib.users.models import UserRecord
        from chalicelib.users.service import _code_hash

        self.api.get("/me", "consumer2")
        UserRecord("consumer2").update(actions=[
            UserRecord.pending_email.set(f"baru{i}@example.id"), UserRecord.email_code_hash.set(_code_hash("consumer2", "123456")),
            UserRecord.email_code_expires.set(clock.iso(clock.now() + timedelta(minutes=30))),
            UserRecord.email_code_attempts.set(0)])
        return Req("POST", "/me/email/verify", "consumer2", {"code": "123456"})

    def status(self, rid: str) -> str:
        return self.api.get(f"/ops/requests/{rid}", "supervisor1")[1]["status"]

    def submit(self, body: dict[str, Any], user: str = "consumer1") -> str:
        return self.ok(*self.api.post("/requests", user, body), expect=201)["request_id"]

    def wait(self, want: dict[str, str], timeout_s: float | None = None) -> None:
        ok = self.worker.run_until(lambda: all(self.status(r) == s for r, s in want.items()),
                                   timeout_s=timeout_s or setup_timeout_s())
        assert ok, {r: (self.status(r), s) for r, s in want.items() if self.status(r) != s}

    def upload_ready(self, rid: str) -> str:
        import requests

        body = {"filename": "penduduk 2024.csv", "content_type": "text/csv", "size_bytes": len(CSV),
                "sha256": hashlib.sha256(CSV).hexdigest()}
        out = self.ok(*self.api.post(f"/ops/requests/{rid}/deliverables", "operator1", body), expect=201)
        resp = requests.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("f", CSV)},
                             timeout=10)
        assert resp.status_code in (200, 201, 204), resp.text
        did = out["deliverable_id"]

        def ready() -> bool:
            items = self.api.get(f"/ops/requests/{rid}/deliverables", "operator1")[1]
            return any(d["deliverable_id"] == did and d["status"] == "ready" for d in items)

        assert self.worker.run_until(ready, timeout_s=setup_timeout_s()), "upload not verified"
        return did

    def setup(self) -> None:
        from chalicelib.catalog import service as catalog
        from chalicelib.catalog.repository import CatalogRepository
        from chalicelib.escalation.service import add_member
        from tests.factories import put_catalog, put_operator, standard_catalog

        api = self.api
        standard_catalog()
        put_operator("operator1", quota=100)
        put_operator("operator2", quota=100, on_duty=False)
        add_member("sosial", "producer1", "Bambang Prasetyo")
        catalog.rebuild_index([r.to_dict() for r in CatalogRepository().get_many(
            ["TS-FREE1", "TS-PAID1", "MP-PAID2", "MD-SUS1"]).values()])

        put_catalog([{"id": f"TS-PLAN{i}", "title": f"Indeks Harga Konsumen Desember {i}", "status": "planned",
                      "release_date": _today()} for i in range(2)])

        consult = [self.submit(CONSULT) for _ in range(15)]
        paid = [self.submit(PAID_ORDER) for _ in range(4)]
        micro = [self.submit(MICRO_ORDER) for _ in range(2)]
        free = [self.submit(FREE_ORDER) for _ in range(2)]
        other = self.submit(PAID_ORDER, user="consumer2")
        self.wait({**dict.fromkeys(consult + free, "assigned"), **dict.fromkeys(paid + [other], "awaiting_payment"),
                   **dict.fromkeys(micro, "awaiting_approval")})
        self.ok(*api.post(f"/requests/{other}/cancel", "consumer2", {}))
        for rid in consult[2:] + free:
            self.ok(*api.post(f"/ops/requests/{rid}/start", "operator1"))
        for rid in consult[4:6] + consult[11:15]:
            self.ok(*api.post(f"/ops/requests/{rid}/complete", "operator1", {"note": "selesai"}))
        faq_ids = [self.ok(*api.post(f"/ops/requests/{rid}/faq", "operator1", {
            "question": "Berapa nilai ekspor 2024?", "answer": "Lihat tabel ekspor di katalog."}), expect=201)["faq_id"]
            for rid in consult[13:15]]
        escalated = []
        for rid in consult[8:10]:
            e = self.ok(*api.post(f"/ops/requests/{rid}/escalations", "operator1",
                                  {"unit": "sosial", "question": "Definisi ekspor?"}), expect=201)
            escalated.append(e["escalation_id"])
        # a delivered free data order with a verified file (consumer downloads); another in progress (uploads)
        did = self.upload_ready(free[0])
        self.ok(*api.post(f"/ops/requests/{free[0]}/complete", "operator1", {"note": "terkirim"}))
        thread = self.ok(*api.post("/ops/forum/threads", "operator1", {"title": "Format data", "body": "Bagaimana?"}),
                         expect=201)
        self.ok(*api.post(f"/requests/{consult[0]}/messages", "consumer1", {"body": "Halo"}), expect=201)
        self.worker.drain(settle_s=0.3, timeout_s=setup_timeout_s())
        notes = self.ok(*api.get("/me/notifications", "consumer1"))["items"]
        assert notes, "no notification for consumer1"
        billing = [self.ok(*api.get(f"/requests/{rid}/billing", "consumer1")) for rid in paid[:2]]
        self.ids = {
            "assigned": consult[0], "assigned2": consult[1], "in_progress": consult[2],
            "to_start": consult[:2], "to_complete": consult[2:4], "to_rate": consult[4:6],
            "to_escalate": consult[6:8], "escalations": escalated, "answered_request": consult[8],
            "webhook": billing, "paid": paid[0], "to_cancel": paid[2:4], "to_approve": micro,
            "delivered_order": free[0], "order_in_progress": free[1], "deliverable": did,
            "thread": thread["thread_id"], "notif": notes[0]["notif_id"], "spare": consult[10],
            "resolved": consult[11:13], "faq": faq_ids,
        }
        self.uploads: list[str] = []
        self.ids.update(self.catalog_files())
        self.ids.update(self.consumer_loop())

    # the webhook's event
    def webhook(self, i: int) -> Req:
        from chalicelib.billing.signature import sign

        b = self.ids["webhook"][i]
        raw = json.dumps({"event_id": f"evt-bench-{i}", "billing_code": b["billing_code"], "status": "paid",
                          "amount_idr": b["amount_idr"], "paid_at": "2026-11-29T10:00:00+07:00",
                          "ntpn": "NTPN1234ABCD5678"})
        return Req("POST", "/webhooks/billing", None, raw,
                   {"X-Signature": sign(b"test-webhook-secret", raw.encode(), int(time.time()))})

    def upload(self, i: int) -> Req:
        body = {"filename": f"tabel {i}.csv", "content_type": "text/csv", "size_bytes": len(CSV),
                "sha256": hashlib.sha256(CSV).hexdigest()}
        return Req("POST", f"/ops/requests/{self.ids['order_in_progress']}/deliverables", "operator1", body,
                   expect=201)

    def delete_upload(self, i: int) -> Req:
        rid = self.ids["order_in_progress"]
        out = self.ok(*self.api.post(f"/ops/requests/{rid}/deliverables", "operator1", self.upload(10 + i).body),
                      expect=201)
        return Req("DELETE", f"/ops/requests/{rid}/deliverables/{out['deliverable_id']}", "operator1", expect=204)

    # attachments (issue 19): a consumer's documents on their request, `assigned2` (open throughout)
    def attachment(self, verify: bool) -> str:
        import hashlib

        import requests as http

        rid = self.ids["assigned2"]
        data = b"%PDF-1.7\n%%EOF\n"
        body = {"filename": "surat.pdf", "content_type": "application/pdf", "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest()}
        out = self.ok(*self.api.post(f"/requests/{rid}/attachments", "consumer1", body), expect=201)
        http.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("surat.pdf", data)}, timeout=10)
        if verify:
            self.ok(*self.api.post(f"/requests/{rid}/attachments/{out['attachment_id']}/verify", "consumer1"))
        return str(out["attachment_id"])

    # microdata application (issue 19): one returned for revision, to resubmit
    def returned_application(self) -> str:
        rid = self.submit(MICRO_ORDER)
        self.wait({rid: "awaiting_approval"})
        self.ok(*self.api.post(f"/ops/requests/{rid}/approval", "operator1",
                               {"decision": "return", "reason": "Lengkapi rincian proyek"}))
        return rid

    def intake(self, i: int) -> Req:
        return Req("POST", "/ops/requests", "operator1", {
            "channel": "phone", "consumer": {"name": "Pak Joko", "email": f"joko{i}@example.id"}, **CONSULT},
            expect=201)

    def catalog_item(self, i: int | None) -> dict[str, Any]:
        body = {"type": "table_static", "title": "Jumlah Penduduk Kota Medan 2024", "subject": "Kependudukan",
                "year": 2024, "release_date": "2024-06-01"}
        return {**body, "id": f"TS-BENCH{i}"} if i is not None else body

    def reply(self, i: int) -> str:
        """desk: a canned reply made through the API (uncounted) for the routes that change or fill one."""
        body = {"title": f"Jawaban {i}", "topic": "data", "body": "Yth. {{nama_pemohon}}, lihat {{tautan_permintaan}}."}
        return self.ok(*self.api.post("/ops/replies", "supervisor1", body), expect=201)["reply_id"]

    def duplicate(self, i: int) -> Req:
        """desk: a fresh consultation of consumer1 (assigned) merged into one of theirs that is in progress."""
        dup = self.submit({**CONSULT, "question": f"Pertanyaan yang sama {i}?"})
        self.wait({dup: "assigned"})
        return Req("POST", f"/ops/requests/{dup}/merge", "supervisor1", {"into": self.ids["in_progress"]})

    def unsubscribe(self, i: int) -> Req:
        sub = self.ok(*self.api.post("/me/subscriptions", "consumer1", {"query": {"q": f"upah {i}"}}), expect=201)
        return Req("DELETE", f"/me/subscriptions/{sub['subscription_id']}", "consumer1", expect=204)

    def consumer_loop(self) -> dict[str, Any]:
        """consumer loop (issue 19): requests in progress to ask or quote, questions to answer, quotes to decide."""
        api = self.api
        consult = [self.submit(CONSULT) for _ in range(4)]
        custom = [self.submit(CUSTOM_ORDER) for _ in range(6)]
        self.wait(dict.fromkeys(consult + custom, "assigned"))
        for rid in consult + custom:
            self.ok(*api.post(f"/ops/requests/{rid}/start", "operator1"))
        for rid in consult[2:]:
            self.ok(*api.post(f"/ops/requests/{rid}/question", "operator1", {"question": "Wilayah mana?"}))
        for rid in custom[2:]:
            self.ok(*api.post(f"/ops/requests/{rid}/quote", "operator1",
                              {"lines": [{"code": "TAB-KHUSUS", "quantity": 2}]}))
        return {"to_ask": consult[:2], "to_answer": consult[2:], "to_quote": custom[:2], "to_accept": custom[2:4],
                "to_decline": custom[4:6]}

    def catalog_files(self) -> dict[str, Any]:
        """File-backed catalog items (issue 19): an open publication and a paid table with a verified file each; a
        free order of the one and a paid order of the other, delivered automatically (no operator)."""
        import requests

        from chalicelib.core import clock
        from tests.factories import put_catalog

        put_catalog([{"id": "PB-FILE1", "type": "publication", "title": "Statistik Indonesia 2024", "format": "csv"},
                     {"id": "TS-FILE2", "title": "Upah Buruh Menurut Provinsi 2024", "access": "paid",
                      "price_idr": 50000, "format": "csv"}])
        files = {}
        for item in ("PB-FILE1", "TS-FILE2"):
            out = self.ok(*self.api.post(f"/ops/catalog/items/{item}/files", "admin1", self.file_decl(0)), expect=201)
            resp = requests.post(out["upload"]["url"], data=out["upload"]["fields"], files={"file": ("f", CSV)},
                                 timeout=10)
            assert resp.status_code in (200, 201, 204), resp.text
            files[item] = out["deliverable_id"]
        assert self.worker.run_until(lambda: all(
            f["status"] == "ready" for it in files for f in self.api.get(f"/ops/catalog/items/{it}/files", "admin1")[1]),
            timeout_s=setup_timeout_s())
        free = self.submit({**FREE_ORDER, "items": [{"catalog_id": "PB-FILE1"}]})
        paid = self.submit({**FREE_ORDER, "items": [{"catalog_id": "TS-FILE2"}]})
        self.wait({free: "delivered", paid: "awaiting_payment"})
        from chalicelib.billing.signature import sign

        b = self.ok(*self.api.get(f"/requests/{paid}/billing", "consumer1"))
        raw = json.dumps({"event_id": "evt-bench-files", "billing_code": b["billing_code"], "status": "paid",
                          "amount_idr": b["amount_idr"], "paid_at": clock.iso(), "ntpn": "NTPN1234ABCD9999"})
        self.ok(*self.api.call("POST", "/webhooks/billing", None, raw,
                               {"X-Signature": sign(b"test-webhook-secret", raw.encode(), int(time.time()))}))
        self.wait({paid: "delivered"})
        return {"file_item": "PB-FILE1", "file": files["PB-FILE1"], "auto_delivered": [free, paid]}

    def file_decl(self, i: int) -> dict[str, Any]:
        return {"filename": f"statistik {i}.csv", "content_type": "text/csv", "size_bytes": len(CSV),
                "sha256": hashlib.sha256(CSV).hexdigest()}

    def delete_file(self, i: int) -> Req:
        item = self.ids["file_item"]
        out = self.ok(*self.api.post(f"/ops/catalog/items/{item}/files", "admin1", self.file_decl(10 + i)),
                      expect=201)
        return Req("DELETE", f"/ops/catalog/items/{item}/files/{out['deliverable_id']}", "admin1", expect=204)

    def roster(self) -> dict[str, Any]:
        """Tomorrow's day shift (08:00-16:00 Jakarta): within one local day whatever the time of the run (a shift
        around now crosses midnight in the evening and the route then reads one more day)."""
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from chalicelib.core import clock

        day = clock.now().astimezone(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=1)
        start = datetime(day.year, day.month, day.day, 8, tzinfo=ZoneInfo("Asia/Jakarta"))
        return {"shifts": [{"operator_id": "operator1", "start": clock.iso(start),
                            "end": clock.iso(start + timedelta(hours=8))}]}


def _p(path: str, **ids: str) -> str:
    for k, v in ids.items():
        path = path.replace("{" + k + "}", v)
    return path


def cases() -> list[Case]:
    """One or more cases per route (variants for the main routes). Every route must have one."""
    C = Case
    return [
        C("GET", "/health", "", lambda w, i: Req("GET", "/health", None)),
        C("GET", "/openapi.json", "", lambda w, i: Req("GET", "/openapi.json", None)),
        C("GET", "/catalog/search", "", lambda w, i: Req("GET", "/catalog/search?q=penduduk&page_size=10", None)),
        C("GET", "/catalog/items/{item_id}", "", lambda w, i: Req("GET", "/catalog/items/TS-FREE1", None)),
        C("POST", "/webhooks/billing", "", lambda w, i: w.webhook(i)),
        C("GET", "/me", "", lambda w, i: Req("GET", "/me", "consumer1")),
        C("PUT", "/me", "", lambda w, i: Req("PUT", "/me", "consumer1", {"institution": f"Universitas {i}"})),
        # a new address: the per-account cap on verification codes is one more call (chalicelib.core.ratelimit)
        C("PUT", "/me", "new e-mail", lambda w, i: Req("PUT", "/me", "staff1", {"email": f"dewi{i}@example.id"})),
        C("POST", "/me/email/verify", "", lambda w, i: w.pending_email_code(i)),
        C("GET", "/ops/payments/work-items", "", lambda w, i: Req("GET", "/ops/payments/work-items", "supervisor1")),
        C("POST", "/ops/payments/work-items/{item_id}/resume", "", lambda w, i: Req(
            "POST", f"/ops/payments/work-items/{w.paid_after_close(i)}/resume", "supervisor1",
            {"note": "lanjutkan"})),
        C("POST", "/ops/payments/work-items/{item_id}/refund", "", lambda w, i: Req(
            "POST", f"/ops/payments/work-items/{w.work_item(100 + i, 'paid_after_close')}/refund", "supervisor1",
            {"reference": f"KPPN-{i}"})),
        C("POST", "/ops/payments/work-items/{item_id}/resolve", "", lambda w, i: Req(
            "POST", f"/ops/payments/work-items/{w.work_item(200 + i, 'amount_mismatch')}/resolve", "supervisor1",
            {"note": "selisih dikembalikan"})),
        C("POST", "/ops/payments/work-items/{item_id}/restart", "", lambda w, i: Req(
            "POST", f"/ops/payments/work-items/{w.stopped_workflow(i)}/restart", "supervisor1",
            {"note": "eksekusi hilang"})),
        C("POST", "/ops/requests/{request_id}/billing/retry", "", lambda w, i: w.stranded(i)),
        C("GET", "/ops/reports/reconciliation", "", lambda w, i: Req(
            "GET", "/ops/reports/reconciliation?day=2026-12-01", "supervisor1")),
        C("POST", "/requests", "consultation", lambda w, i: Req("POST", "/requests", "consumer1", CONSULT,
                                                                 expect=201)),
        C("POST", "/requests", "data_order", lambda w, i: Req("POST", "/requests", "consumer1", PAID_ORDER,
                                                               expect=201)),
        C("POST", "/requests", "complaint", lambda w, i: Req("POST", "/requests", "consumer1", {
            "kind": "complaint", "message": "Belum dibalas", "about_request_id": w.ids["assigned"]}, expect=201)),
        C("GET", "/requests", "", lambda w, i: Req("GET", "/requests?page_size=20", "consumer1")),
        C("GET", "/requests/{request_id}", "", lambda w, i: Req("GET", f"/requests/{w.ids['assigned']}", "consumer1")),
        C("POST", "/requests/{request_id}/cancel", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['to_cancel'][i]}/cancel", "consumer1", {})),
        C("GET", "/requests/{request_id}/messages", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['assigned']}/messages", "consumer1")),
        C("POST", "/requests/{request_id}/messages", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['assigned']}/messages", "consumer1", {"body": f"Pesan {i}"},
                           expect=201)),
        C("POST", "/requests/{request_id}/messages", "answer",
          lambda w, i: Req("POST", f"/requests/{w.ids['to_answer'][i]}/messages", "consumer1",
                           {"body": "Kota Medan"}, expect=201)),
        # consumer loop (issue 19)
        C("GET", "/ops/tariff", "", lambda w, i: Req("GET", "/ops/tariff", "operator1")),
        C("POST", "/ops/requests/{request_id}/question", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_ask'][i]}/question", "operator1",
                           {"question": "Untuk keperluan apa?"})),
        C("POST", "/ops/requests/{request_id}/quote", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_quote'][i]}/quote", "operator1",
                           {"lines": [{"code": "TAB-KHUSUS", "quantity": 3}], "note": "Tiga tabel"})),
        C("POST", "/requests/{request_id}/quote/accept", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['to_accept'][i]}/quote/accept", "consumer1", {})),
        C("POST", "/requests/{request_id}/quote/decline", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['to_decline'][i]}/quote/decline", "consumer1",
                           {"reason": "Terlalu mahal"})),
        C("POST", "/requests/{request_id}/rating", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['to_rate'][i]}/rating", "consumer1",
                           {"score": 5, "comment": "Cepat"}, expect=201)),
        C("GET", "/requests/{request_id}/billing", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['paid']}/billing", "consumer1")),
        C("GET", "/requests/{request_id}/invoice", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['paid']}/invoice", "consumer1",
                           headers={"Accept": "application/pdf"})),
        C("GET", "/requests/{request_id}/receipt", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['paid']}/receipt", "consumer1",
                           headers={"Accept": "application/pdf"})),
        C("GET", "/ops/queue", "", lambda w, i: Req("GET", "/ops/queue", "operator1")),
        C("GET", "/ops/requests", "", lambda w, i: Req("GET", "/ops/requests?page_size=20", "supervisor1")),
        C("GET", "/ops/requests", "status", lambda w, i: Req("GET", "/ops/requests?status=in_progress",
                                                              "supervisor1")),
        C("GET", "/ops/requests", "operator", lambda w, i: Req("GET", "/ops/requests", "operator1")),
        C("POST", "/ops/requests", "", lambda w, i: w.intake(i)),
        C("GET", "/ops/requests/{request_id}", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['assigned']}", "operator1")),
        C("PATCH", "/ops/requests/{request_id}", "due_at",
          lambda w, i: Req("PATCH", f"/ops/requests/{w.ids['assigned']}", "supervisor1",
                           {"due_at": f"2027-01-1{i}T09:00:00+07:00"})),
        C("PATCH", "/ops/requests/{request_id}", "assignee",
          lambda w, i: Req("PATCH", f"/ops/requests/{w.ids['assigned2']}", "supervisor1",
                           {"assignee": ("operator2", "operator1")[i]})),
        C("POST", "/ops/requests/{request_id}/start", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_start'][i]}/start", "operator1", {})),
        C("POST", "/ops/requests/{request_id}/complete", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_complete'][i]}/complete", "operator1",
                           {"note": "selesai"})),
        C("POST", "/ops/requests/{request_id}/approval", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_approve'][i]}/approval", "operator1",
                           {"decision": "approve", "reason": "abstraksi sesuai"})),
        C("GET", "/ops/requests/{request_id}/billing", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['paid']}/billing", "supervisor1")),
        C("GET", "/ops/requests/{request_id}/messages", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['assigned']}/messages", "operator1")),
        C("POST", "/ops/requests/{request_id}/messages", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['assigned']}/messages", "operator1",
                           {"body": f"Balasan {i}"}, expect=201)),
        C("POST", "/ops/catalog/items", "",
          lambda w, i: Req("POST", "/ops/catalog/items", "admin1", w.catalog_item(i), expect=201)),
        C("PUT", "/ops/catalog/items/{item_id}", "",
          lambda w, i: Req("PUT", "/ops/catalog/items/TS-FREE1", "admin1", w.catalog_item(None) | {
              "title": f"Jumlah Penduduk Menurut Provinsi 2024 (revisi {i})"})),
        C("GET", "/me/notifications", "", lambda w, i: Req("GET", "/me/notifications", "consumer1")),
        C("POST", "/me/notifications/{notif_id}/read", "",
          lambda w, i: Req("POST", f"/me/notifications/{w.ids['notif']}/read", "consumer1", {})),
        C("GET", "/ops/roster", "", lambda w, i: Req("GET", "/ops/roster", "operator1")),
        C("PUT", "/ops/roster", "", lambda w, i: Req("PUT", "/ops/roster", "supervisor1", w.roster())),
        C("GET", "/ops/operators", "", lambda w, i: Req("GET", "/ops/operators", "operator1")),
        C("PATCH", "/ops/operators/{operator_id}", "",
          lambda w, i: Req("PATCH", "/ops/operators/operator2", "supervisor1", {"quota": 50 + i})),
        C("GET", "/ops/forum/threads", "", lambda w, i: Req("GET", "/ops/forum/threads", "operator1")),
        C("POST", "/ops/forum/threads", "",
          lambda w, i: Req("POST", "/ops/forum/threads", "operator1",
                           {"title": f"Topik {i}", "body": "Ada yang tahu? @operator2",
                            "request_id": w.ids["assigned"]}, expect=201)),
        C("GET", "/ops/forum/threads/{thread_id}", "",
          lambda w, i: Req("GET", f"/ops/forum/threads/{w.ids['thread']}", "operator1")),
        C("POST", "/ops/forum/threads/{thread_id}/posts", "",
          lambda w, i: Req("POST", f"/ops/forum/threads/{w.ids['thread']}/posts", "operator1",
                           {"body": "Coba cek metadata @operator2"}, expect=201)),
        C("POST", "/ops/requests/{request_id}/escalations", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['to_escalate'][i]}/escalations", "operator1",
                           {"unit": "sosial", "question": "Apakah definisinya berubah?"}, expect=201)),
        C("GET", "/ops/escalations", "", lambda w, i: Req("GET", "/ops/escalations", "operator1")),
        C("GET", "/ops/escalations", "unit", lambda w, i: Req("GET", "/ops/escalations?unit=sosial", "operator1")),
        C("GET", "/ops/escalations/{escalation_id}", "",
          lambda w, i: Req("GET", f"/ops/escalations/{w.ids['escalations'][0]}", "producer1")),
        C("POST", "/ops/escalations/{escalation_id}/answer", "",
          lambda w, i: Req("POST", f"/ops/escalations/{w.ids['escalations'][i]}/answer", "producer1",
                           {"answer": "Tidak berubah sejak 2017."})),
        C("GET", "/ops/reports/summary", "",
          lambda w, i: Req("GET", f"/ops/reports/summary?from={_today()}&to={_today()}", "supervisor1")),
        C("GET", "/ops/reports/ledger.csv", "",
          lambda w, i: Req("GET", f"/ops/reports/ledger.csv?from={_today()}&to={_today()}", "supervisor1",
                           headers={"Accept": "text/csv"})),
        # desk (issue 20): merging a duplicate; canned replies
        C("POST", "/ops/requests/{request_id}/merge", "", lambda w, i: w.duplicate(i)),
        C("GET", "/ops/replies", "", lambda w, i: Req("GET", "/ops/replies", "operator1")),
        C("POST", "/ops/replies", "", lambda w, i: Req("POST", "/ops/replies", "supervisor1", {
            "title": f"Salam {i}", "topic": "general", "body": "Selamat siang, {{nama_pemohon}}."}, expect=201)),
        C("PUT", "/ops/replies/{reply_id}", "", lambda w, i: Req("PUT", f"/ops/replies/{w.reply(i)}", "supervisor1", {
            "title": "Salam", "topic": "general", "body": "Selamat pagi, {{nama_pemohon}}.", "active": False})),
        C("DELETE", "/ops/replies/{reply_id}", "",
          lambda w, i: Req("DELETE", f"/ops/replies/{w.reply(10 + i)}", "supervisor1", expect=204)),
        C("GET", "/ops/requests/{request_id}/replies/{reply_id}", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['assigned']}/replies/{w.reply(20 + i)}", "operator1")),
        # desk (issue 20): the desk's report (default period) and one of its tables as CSV
        C("GET", "/ops/reports/desk", "", lambda w, i: Req("GET", "/ops/reports/desk", "supervisor1")),
        C("GET", "/ops/reports/csv/{table}", "",
          lambda w, i: Req("GET", "/ops/reports/csv/ikm", "supervisor1", headers={"Accept": "text/csv"})),
        # sla (issue 20): producer response times per unit (default period: the last 30 days), and as CSV
        C("GET", "/ops/reports/producers", "", lambda w, i: Req("GET", "/ops/reports/producers", "supervisor1")),
        C("GET", "/ops/reports/producers.csv", "",
          lambda w, i: Req("GET", "/ops/reports/producers.csv", "supervisor1", headers={"Accept": "text/csv"})),
        C("GET", "/requests/{request_id}/deliverables", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['delivered_order']}/deliverables", "consumer1")),
        C("POST", "/ops/requests/{request_id}/deliverables", "", lambda w, i: w.upload(i)),
        C("GET", "/ops/requests/{request_id}/deliverables", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['order_in_progress']}/deliverables", "operator1")),
        C("DELETE", "/ops/requests/{request_id}/deliverables/{deliverable_id}", "",
          lambda w, i: w.delete_upload(i)),
        # microdata application (issue 19)
        C("GET", "/microdata/agreement", "", lambda w, i: Req("GET", "/microdata/agreement", None)),
        C("PUT", "/requests/{request_id}/application", "",
          lambda w, i: Req("PUT", f"/requests/{w.returned_application()}/application", "consumer1",
                           {"abstract": "Analisis kemiskinan rumah tangga, variabel pendapatan",
                            "project": {"title": "Kemiskinan", "institution": "Universitas", "purpose": "Tesis",
                                        "outputs": "Tesis"}, "agreement_version": "2026.1"})),
        # attachments (issue 19)
        C("POST", "/requests/{request_id}/attachments", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['assigned2']}/attachments", "consumer1",
                           {"filename": f"surat{i}.pdf", "content_type": "application/pdf", "size_bytes": 100,
                            "sha256": "0" * 64}, expect=201)),
        C("POST", "/requests/{request_id}/attachments/{attachment_id}/verify", "",
          lambda w, i: Req("POST", f"/requests/{w.ids['assigned2']}/attachments/{w.attachment(False)}/verify",
                           "consumer1", {})),
        C("GET", "/requests/{request_id}/attachments", "",
          lambda w, i: Req("GET", f"/requests/{w.ids['assigned2']}/attachments", "consumer1")),
        C("DELETE", "/requests/{request_id}/attachments/{attachment_id}", "",
          lambda w, i: Req("DELETE", f"/requests/{w.ids['assigned2']}/attachments/{w.attachment(True)}",
                           "consumer1", expect=204)),
        C("GET", "/ops/requests/{request_id}/attachments", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['assigned2']}/attachments", "operator1")),
        C("GET", "/ops/requests/{request_id}/downloads", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['delivered_order']}/downloads", "operator1")),
        # files of catalog items (issue 19)
        C("GET", "/catalog/items/{item_id}/files", "",
          lambda w, i: Req("GET", f"/catalog/items/{w.ids['file_item']}/files", None)),
        C("POST", "/catalog/items/{item_id}/files/{file_id}/download", "",
          lambda w, i: Req("POST", f"/catalog/items/{w.ids['file_item']}/files/{w.ids['file']}/download", None, {})),
        C("POST", "/ops/catalog/items/{item_id}/files", "",
          lambda w, i: Req("POST", f"/ops/catalog/items/{w.ids['file_item']}/files", "admin1", w.file_decl(1 + i),
                           expect=201)),
        C("GET", "/ops/catalog/items/{item_id}/files", "",
          lambda w, i: Req("GET", f"/ops/catalog/items/{w.ids['file_item']}/files", "admin1")),
        C("DELETE", "/ops/catalog/items/{item_id}/files/{file_id}", "", lambda w, i: w.delete_file(i)),
        # release calendar, subscriptions, privacy, FAQ (issue 12)
        C("GET", "/catalog/releases", "", lambda w, i: Req("GET", "/catalog/releases", None)),
        C("POST", "/ops/catalog/items/{item_id}/publish", "",
          lambda w, i: Req("POST", f"/ops/catalog/items/TS-PLAN{i}/publish", "producer1", {})),
        C("GET", "/me/subscriptions", "", lambda w, i: Req("GET", "/me/subscriptions", "consumer1")),
        C("POST", "/me/subscriptions", "",
          lambda w, i: Req("POST", "/me/subscriptions", "consumer1", {"query": {"q": f"inflasi {i}"}}, expect=201)),
        C("DELETE", "/me/subscriptions/{subscription_id}", "", lambda w, i: w.unsubscribe(i)),
        C("GET", "/ops/requests/{request_id}/faq", "",
          lambda w, i: Req("GET", f"/ops/requests/{w.ids['resolved'][0]}/faq", "operator1")),
        C("POST", "/ops/requests/{request_id}/faq", "",
          lambda w, i: Req("POST", f"/ops/requests/{w.ids['resolved'][i]}/faq", "operator1",
                           {"question": "Berapa nilai ekspor 2024?", "answer": "Lihat tabel ekspor."}, expect=201)),
        C("GET", "/ops/faq", "", lambda w, i: Req("GET", "/ops/faq", "supervisor1")),
        C("POST", "/ops/faq/{faq_id}/review", "",
          lambda w, i: Req("POST", f"/ops/faq/{w.ids['faq'][i]}/review", "supervisor1", {"decision": "approve"})),
        C("GET", "/faq", "", lambda w, i: Req("GET", "/faq?q=ekspor", None)),
        # staff and units (issue 18)
        C("GET", "/me/roles", "", lambda w, i: Req("GET", "/me/roles", "consumer1")),
        C("POST", "/ops/staff", "",
          lambda w, i: Req("POST", "/ops/staff", "admin1", {"user_id": f"kc-bench-{i}", "name": f"Petugas {i}",
                                                            "roles": ["operator"], "quota": 3}, expect=201)),
        C("GET", "/ops/staff", "", lambda w, i: Req("GET", "/ops/staff", "admin1")),
        C("GET", "/ops/staff/{user_id}", "", lambda w, i: Req("GET", "/ops/staff/kc-bench-0", "admin1")),
        C("PATCH", "/ops/staff/{user_id}", "",
          lambda w, i: Req("PATCH", "/ops/staff/kc-bench-0", "admin1", {"quota": 6 + i})),
        C("POST", "/ops/units", "",
          lambda w, i: Req("POST", "/ops/units", "admin1", {"code": f"bench{i}", "name": f"Unit {i}"}, expect=201)),
        C("GET", "/ops/units", "", lambda w, i: Req("GET", "/ops/units", "operator1")),
        C("GET", "/ops/units/{unit_code}", "", lambda w, i: Req("GET", "/ops/units/sosial", "admin1")),
        C("PATCH", "/ops/units/{unit_code}", "",
          lambda w, i: Req("PATCH", "/ops/units/bench0", "admin1", {"name": f"Unit bench {i}"})),
        # last: erases the caller (consumer2, one closed request; warm-up: staff1, none)
        C("GET", "/me/export", "", lambda w, i: Req("GET", "/me/export", "consumer2")),
        C("DELETE", "/me", "", lambda w, i: Req("DELETE", "/me", ("staff1", "consumer2")[i])),
    ]


def _today() -> str:
    from zoneinfo import ZoneInfo

    from chalicelib.core import clock

    return clock.now().astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()


def _call(api: Any, r: Req) -> tuple[int, Any]:
    headers = dict(r.headers or {})
    return api.call(r.method, r.path, r.user, body=r.body, headers=headers)


@contextmanager
def caches_held() -> Iterator[None]:
    """The container caches with a time to live (a caller's staff-directory entry, the unit list: 30 s) stay warm
    while measuring: on a loaded machine the time from a warm-up to its measured call can pass their TTL, and the
    figure would count a refresh that a warm container makes once per TTL. A change still drops them (the unit
    list after a unit's change, an entry after a staff change), as in production."""
    from chalicelib.core.auth import forget_grant
    from chalicelib.core.config import reset_settings
    from chalicelib.escalation import service as escalation

    saved_env, saved_ttl = os.environ.get("STAFF_ROLES_CACHE_S"), escalation._UNITS_TTL_S
    os.environ["STAFF_ROLES_CACHE_S"] = "86400"
    escalation._UNITS_TTL_S = 86400.0
    reset_settings()
    forget_grant(None)  # what the setup cached expires on the old TTL: each case's warm-up fills it again
    escalation.forget_units()
    try:
        yield
    finally:
        if saved_env is None:
            os.environ.pop("STAFF_ROLES_CACHE_S", None)
        else:
            os.environ["STAFF_ROLES_CACHE_S"] = saved_env
        escalation._UNITS_TTL_S = saved_ttl
        reset_settings()


def measure(api: Any, worker: Any, only: Callable[[Case], bool] | None = None) -> list[Result]:
    """Set up the world, then warm up and measure every case (in the order of `cases()`)."""
    install()
    world = World(api, worker)
    world.setup()
    with caches_held():
        return _measure_cases(api, world, only)


def _measure_cases(api: Any, world: World, only: Callable[[Case], bool] | None) -> list[Result]:
    results = []
    for case in cases():
        if only is not None and not only(case):
            continue
        warm = case.prepare(world, 0)
        st, body = _call(api, warm)
        assert st == warm.expect, f"{case.key} warm-up answered {st}: {body}"
        call = case.prepare(world, 1)
        t = time.perf_counter()
        with recording() as rec:
            st, body = _call(api, call)
        dt = time.perf_counter() - t
        assert st == call.expect, f"{case.key} answered {st}: {body}"
        results.append(Result(case, rec, st, dt))
    return results


def route_keys() -> set[tuple[str, str]]:
    import app as app_module

    return {(r.method, r.path) for r in app_module.api.routes}


# --- report --------------------------------------------------------------------------------------------------
#: why a list or bulk route needs the calls it makes, where the budget table says nothing more
MULTI_ITEM_WHY: dict[str, str] = {
    "GET /health": "no AWS call",
    "GET /openapi.json": "no AWS call",
    "GET /catalog/search": "served from the search snapshot in memory (S3 only at load and refresh)",
    "GET /faq": "approved entries cached in memory per container; one Query when the cache refreshes",
}


def multi_item_section(results: list[Result], budgets: dict[str, tuple[int, str]], single: set[str]) -> list[str]:
    """Every list/bulk route (not a single-item route) with its measured calls, budget and the reason."""
    lines = ["", "Every list or bulk route (the routes that are not single-item), its budget and why:", "",
             "| route | DynamoDB | budget | why |", "|---|---:|---:|---|"]
    for r in results:
        key = r.case.key
        if key in single:
            continue
        budget, why = budgets.get(key, (None, ""))
        why = why or MULTI_ITEM_WHY.get(key, "") or (f"(no reason in the budget table) measured: "
                                                     f"{r.rec.summary() or 'no AWS call'}")
        lines.append(f"| `{key}` | {r.rec.dynamodb} | {'' if budget is None else budget} | {why} |")
    return lines


def as_json(results: list[Result]) -> dict[str, Any]:
    """Per case: calls per service and operation, estimated capacity, the warm in-process time (bench/cost.py)."""
    out: dict[str, Any] = {}
    for r in results:
        ops = Counter(f"{c.service}:{c.operation}" for c in r.rec.calls)
        out[r.case.key] = {
            "dynamodb": r.rec.dynamodb, "s3": len(r.rec.of("s3")), "sqs": len(r.rec.of("sqs")),
            "sfn": len(r.rec.of("sfn")), "rcu": r.rec.rcu, "wcu": r.rec.wcu, "ops": dict(ops),
            "seconds": round(r.seconds, 4),
        }
    return out


def markdown(results: list[Result], budgets: dict[str, tuple[int, str]], single: set[str] | None = None) -> str:
    lines = [
        "# AWS calls per request",
        "",
        "Generated by `python -m bench.aws_calls` (also part of `make bench`): every route called with real ids and",
        "a valid body against moto in-process, warm (after one warm-up call), counted on botocore's",
        "`_make_api_call`. Budgets: `tests/integration/test_aws_call_budget.py`. est. RCU/WCU: DynamoDB's",
        "capacity rules applied to the item sizes (transactions ×2). Container caches with a time to live (a",
        "caller's staff-directory entry, the unit list: 30 s) are held warm while measuring; a change still drops",
        "them. Single-item routes: at most 3 DynamoDB calls each (asserted by the budget test; how: the section",
        "\"≤ 3 DynamoDB calls on a single-item route\" of docs/architecture.md); list and bulk routes: their budget",
        "and its reason in the last table.",
        "",
        "| route | DynamoDB | budget | Scan | S3 | SQS | SFN | est. RCU | est. WCU | calls |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        budget = budgets.get(r.case.key, (None, ""))[0]
        lines.append(
            f"| `{r.case.key}` | {r.rec.dynamodb} | {'' if budget is None else budget} | {r.rec.scans} | "
            f"{len(r.rec.of('s3'))} | {len(r.rec.of('sqs'))} | {len(r.rec.of('sfn'))} | {r.rec.rcu:g} | "
            f"{r.rec.wcu:g} | {r.rec.summary() or '—'} |")
    lines += ["", "Budgets above 3 DynamoDB calls, and why:", ""]
    for key, (budget, why) in budgets.items():
        if budget > 3 and why:
            lines.append(f"- `{key}` ≤ {budget}: {why}")
    if single is not None:
        lines += multi_item_section(results, budgets, single)
    return "\n".join(lines) + "\n"


def figures(results: list[Result], single_item: set[str]) -> dict[str, Any]:
    return {
        "max_dynamodb_calls_single_item_route": max(r.rec.dynamodb for r in results if r.case.key in single_item),
        "scans_on_request_paths": sum(r.rec.scans for r in results),
        "max_dynamodb_calls_any_route": max(r.rec.dynamodb for r in results),
        "routes_measured": len({(r.case.method, r.case.path) for r in results}),
    }


def main() -> None:
    import argparse

    from bench._stack import local_stack
    from bench.sim_month import merge_results

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "aws_calls.md"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    ap.add_argument("--setup-timeout", type=float, default=None, metavar="S",
                    help=f"how long the setup waits for a status (default: $BENCH_SETUP_TIMEOUT_S or {SETUP_TIMEOUT_S:g})")
    args = ap.parse_args()
    if args.setup_timeout:
        os.environ["BENCH_SETUP_TIMEOUT_S"] = str(args.setup_timeout)
    from tests.integration.test_aws_call_budget import BUDGETS, SINGLE_ITEM

    t = time.perf_counter()
    with local_stack() as stack:
        results = measure(stack.api, stack.worker)
    missing = sorted(route_keys() - {(r.case.method, r.case.path) for r in results})
    text = markdown(results, BUDGETS, SINGLE_ITEM)
    if missing:
        text += "\nRoutes without a case (not measured): " + ", ".join(f"`{m} {p}`" for m, p in missing) + "\n"
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(text)
    with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8") as fh:
        json.dump(as_json(results), fh, indent=1, sort_keys=True)
        fh.write("\n")
    figs = figures(results, SINGLE_ITEM)
    over = [f"{r.case.key}: {r.rec.dynamodb} > {BUDGETS[r.case.key][0]}" for r in results
            if r.case.key in BUDGETS and r.rec.dynamodb > BUDGETS[r.case.key][0]]
    print(f"# {len(results)} cases over {figs['routes_measured']} routes in {time.perf_counter() - t:.1f}s; "
          f"table: {os.path.relpath(args.out, ROOT)}")
    for r in results:
        print(f"#  {r.case.key:70} ddb={r.rec.dynamodb} {r.rec.summary()}")
    for k, v in figs.items():
        print(f"BENCH {k}={v}")
    merge_results(args.results, figs)
    problems = [f"over budget: {over}"] * bool(over) + [f"routes without a case: {missing}"] * bool(missing)
    if problems:
        print("INFO " + "; ".join(problems))
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()

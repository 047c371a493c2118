"""Handler throughput in-process: requests per second through `chalice.test.Client` (the full route wrapper:
auth with a real RS256 token, validation, the service, JSON), one request at a time, for three hot routes —
`GET /catalog/search`, `POST /requests` (a consultation) and `POST /webhooks/billing` (a payment applied) —

- against moto in-process (`rps_*_moto`): our code plus botocore plus moto's emulation (moto dominates), and
- with AWS stubbed out (`rps_*_stubbed`): botocore's `BaseClient._make_api_call` answers from a cassette
  recorded from the same request against moto (same calls, same answers, no serialisation, no HTTP, no moto), so
  the figure is our own overhead (route wrapper, pydantic, PynamoDB (de)serialisation, JWT) alone.

    .venv/bin/python -m bench.bench_throughput [--seconds 2] [--items 5000] [--profile]

Setup: the in-process stack of the tests (bench/_stack.py) with Step Functions *not* executing (a started
execution is only recorded: its background threads would otherwise compete with the measured loop); a search
snapshot of `--items` generated catalog items; for the webhook, requests awaiting payment with an unpaid billing
and a payment task token, written directly (one per payment applied). `--profile` writes a pyinstrument
profile of each stubbed loop to bench/profiles/ (pyinstrument installed separately).
Prints ``BENCH rps_<route>_<moto|stubbed>=`` and merges them into bench/results.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.sim_month import merge_results

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = ["penduduk", "inflasi kota medan", "indeks harga konsumen", "kemiskinan provinsi", "ekspor 2023",
           "peta wilkerstat", "susenas", "pdrb kabupaten", "infl", "pendidikan jawa barat"]
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Berapa nilai ekspor 2024?"}


# --- AWS stubbed by a cassette ------------------------------------------------------------------------------
class Cassette:
    """(service, operation) -> answers, recorded from real calls; replayed in order, cycling."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], list[Any]] = {}
        self._next: dict[tuple[str, str], int] = {}

    @contextmanager
    def recording(self) -> Iterator[Cassette]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def record(client: Any, op: str, params: dict[str, Any]) -> Any:
            answers = self.answers.setdefault((client.meta.service_model.service_name, op), [])
            try:
                resp = original(client, op, params)
            except Exception as exc:  # replayed as raised (e.g. a task token the service refuses)
                answers.append(exc)
                raise
            answers.append(copy.deepcopy(resp))
            return resp

        BaseClient._make_api_call = record  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]

    @contextmanager
    def replaying(self) -> Iterator[Cassette]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def replay(client: Any, op: str, params: dict[str, Any]) -> Any:
            key = (client.meta.service_model.service_name, op)
            answers = self.answers.get(key)
            if not answers:
                raise AssertionError(f"no recorded answer for {key}")
            i = self._next.get(key, 0)
            self._next[key] = i + 1
            answer = answers[i % len(answers)]
            if isinstance(answer, Exception):
                raise answer
            return copy.deepcopy(answer)

        BaseClient._make_api_call = replay  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]


def rps(call: Callable[[int], None], seconds: float, warmup: int = 10) -> tuple[float, int]:
    for i in range(warmup):
        call(-1 - i)
    n = 0
    t0 = time.perf_counter()
    while True:
        call(n)
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= 20:
            return n / dt, n


# --- the three routes ----------------------------------------------------------------------------------------
class Routes:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.pending: list[dict[str, Any]] = []

    def search(self, i: int) -> None:
        st, body = self.api.get(f"/catalog/search?q={QUERIES[i % len(QUERIES)].replace(' ', '+')}&page_size=20")
        assert st == 200 and body["total"] >= 0, (st, body)

    def create(self, i: int) -> None:
        st, body = self.api.post("/requests", "consumer1", CONSULT)
        assert st == 201, (st, body)

    def awaiting_payment(self, n: int) -> None:
        """`n` requests awaiting payment with an unpaid billing and a payment task token (as the workflow leaves
        them), written directly."""
        from chalicelib.billing.models import BillingRecord
        from chalicelib.core import clock
        from chalicelib.requests import lifecycle as lc
        from chalicelib.requests.models import Contact, OrderItem, RequestRecord, TaskToken
        from chalicelib.requests.repository import RequestRepository
        from chalicelib.requests.service import new_request_id

        repo = RequestRepository()
        now = clock.iso()
        for i in range(n):
            code = f"{820000000000000 + len(self.pending):015d}"
            rec = RequestRecord(request_id=new_request_id(), kind="data_order", channel="portal",
                                status=lc.AWAITING_PAYMENT, consumer_id="consumer1",
                                consumer=Contact(name="Budi Santoso", email="consumer1@example.id"),
                                created_by="consumer1", created_at=now, updated_at=now, sla_days=5, total_idr=150000,
                                transaction_type="paid", needs_billing=True, billing_code=code, paused_at=now,
                                items=[OrderItem(catalog_id="TS-PAID1", title="IHK Medan", type="table_static",
                                                 access="paid", price_idr=150000)],
                                task=TaskToken(stage="payment", token=f"bench-token-{i}", at=now))
            repo.create(rec, "consumer1")
            BillingRecord(billing_code=code, request_id=rec.request_id, amount_idr=150000, status="unpaid",
                          created_at=now, expires_at=clock.iso(clock.now().replace(year=clock.now().year + 1)),
                          payment_instructions={}).save()
            self.pending.append({"billing_code": code, "amount_idr": 150000})

    def webhook(self, i: int, stubbed: bool = False) -> None:
        from chalicelib.billing.signature import sign

        b = self.pending[0] if stubbed else self.pending.pop()
        raw = json.dumps({"event_id": f"evt-{time.monotonic_ns()}", "billing_code": b["billing_code"], "status": "paid",
                          "amount_idr": b["amount_idr"], "paid_at": "2026-11-29T10:00:00+07:00", "ntpn": "NTPN1234ABCD5678"})
        st, body = self.api.call("POST", "/webhooks/billing", body=raw,
                                 headers={"X-Signature": sign(b"test-webhook-secret", raw.encode(), int(time.time()))})
        assert st == 200 and body["result"] == "applied", (st, body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="timed seconds per figure")
    ap.add_argument("--items", type=int, default=5000, help="catalog items in the search snapshot")
    ap.add_argument("--profile", action="store_true", help="pyinstrument profiles to bench/profiles/")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    from bench._stack import local_stack

    figures: dict[str, float] = {}
    with local_stack(execute_state_machine=False, extra_env={"SEARCH_REFRESH_S": "3600"}) as stack:
        from chalicelib.catalog import service as catalog
        from local.catalog_generator import generate_items
        from tests.factories import put_operator, standard_catalog

        standard_catalog()
        put_operator("operator1")
        t = time.perf_counter()
        catalog.rebuild_index(generate_items(args.items, seed=42))
        print(f"INFO search snapshot of {args.items} items built in {time.perf_counter() - t:.1f}s")
        routes = Routes(stack.api)
        # enough unpaid billings for the moto loop (measured rate x time, with a margin)
        routes.awaiting_payment(40)
        probe, _ = rps(lambda i: routes.webhook(i), 0.3, warmup=2)
        routes.awaiting_payment(int(probe * args.seconds * 1.5) + 40)

        loops: dict[str, Callable[[int], None]] = {
            "search": routes.search,
            "create_request": routes.create,
            "webhook": routes.webhook,
        }
        for name, fn in loops.items():
            value, n = rps(fn, args.seconds)
            figures[f"rps_{name}_moto"] = round(value, 1)
            print(f"INFO {name:15} moto:    {value:8.1f} req/s ({n} requests, {1000 / value:.2f} ms each)")

        stubbed: dict[str, Callable[[int], None]] = {
            "search": routes.search,
            "create_request": routes.create,
            "webhook": lambda i: routes.webhook(i, stubbed=True),
        }
        for name, fn in stubbed.items():
            cassette = Cassette()
            if name == "webhook":
                routes.awaiting_payment(1)
                routes.pending[0] = routes.pending[-1]
            with cassette.recording():
                fn(0)
            with cassette.replaying():
                value, n = rps(fn, args.seconds)
                if args.profile:
                    profile(name, fn, args.seconds)
            figures[f"rps_{name}_stubbed"] = round(value, 1)
            calls = sum(len(v) for v in cassette.answers.values())
            print(f"INFO {name:15} stubbed: {value:8.1f} req/s ({n} requests, {1000 / value:.2f} ms each; "
                  f"{calls} AWS calls per request replayed)")
    for name, value in figures.items():
        print(f"BENCH {name}={value}")
    merge_results(args.results, figures)


def profile(name: str, fn: Callable[[int], None], seconds: float) -> None:
    from pyinstrument import Profiler

    os.makedirs(os.path.join(ROOT, "bench", "profiles"), exist_ok=True)
    p = Profiler(interval=0.0005)
    p.start()
    rps(fn, seconds, warmup=0)
    p.stop()
    path = os.path.join(ROOT, "bench", "profiles", f"{name}_stubbed.txt")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(p.output_text(unicode=False, color=False, show_all=False))
    print(f"INFO profile: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()

"""Cold paths a user feels: the first request a fresh Lambda interpreter serves, end to end.

    .venv/bin/python -m bench.bench_first_request                     # 1,000,000 items (BENCH_ITEMS)
    .venv/bin/python -m bench.bench_first_request --items 20000 --bandwidth-mbps 90 --rtt-ms 2

Two figures, each the median of ``--runs`` fresh interpreters (default 3), on the wall clock (and, as
``*_cpu_*``, in the child's CPU time: on a shared machine the wall clock also measures the neighbours):

``search_first_request_s_1m``
    ``GET /catalog/search?q=indeks harga konsumen`` as the first request of a new container: ``import app``,
    the route, settings, the S3 client, ``current.json``, the snapshot download (4 MiB ranges on up to 4
    connections, extracted in order as they arrive, on a thread while the route's FAQ lookup creates the
    DynamoDB client and queries), opening the index, stemming, the query with its facets, the JSON response.
``ddb_first_route_ms``
    ``GET /catalog/items/{id}`` as the first request of a new container: ``import app``, the route, settings,
    PynamoDB/botocore, the DynamoDB client, one GetItem, the response.

Method. The parent starts moto's server (S3 + DynamoDB) on loopback, provisions the tables and buckets from
infra/ (``local.provision``), publishes the search index of ``--items`` demo items as a snapshot (the one
bench/bench_search.py built under bench/data/, else built here) and stores one catalog item. Between the
child and moto sits a TCP relay that paces what the server sends at ``--bandwidth-mbps`` MB/s per
connection (default 90: roughly what one Lambda connection gets from S3 in-region; S3 scales with parallel
connections, so the snapshot's ranged GETs each get that much, as in AWS) and holds every request
``--rtt-ms`` (default 2: an in-region round trip; moto's own processing time comes on top). Each child is a
new ``python -c`` (interpreter start-up, which Lambda's runtime init also pays before the handler, is not
counted; the timer starts at the child's first statement) with the environment every deployed function has
(``.chalice/config.json``, e.g. ``PYDANTIC_DISABLE_PLUGINS``) and botocore's endpoint data as the package ships
it (``AWS_DATA_PATH``: only the services the code uses, ``scripts/package.py``), a bytecode cache warmed by an untimed run (the
package ships every module's bytecode: ``scripts/package.py``, ``precompile``; one more run without any is INFO),
an empty ``SEARCH_LOCAL_ROOT`` (so the snapshot is downloaded again), and calls the Chalice app with an API
Gateway proxy event, as Lambda does. Not modelled: Lambda's CPU share (at 1,769 MB one vCPU; this machine's
cores are shared with other jobs: the load average is printed) and the network beyond the relay.

A second child per run times the phases of the same cold search separately (INFO): ``import app``; the
index load (S3 client + manifest + download/extract + open); the first query through the route.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

ITEM_ID = "TS-COLD0001"
QUERY = "indeks harga konsumen"

CHILD = r'''
import json, time
t0, c0 = time.perf_counter(), time.process_time()
import app


class Context:
    function_name = "silastik-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:silastik-api"
    aws_request_id = "bench-cold"
    log_group_name = log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis():
        return 30000


def event(resource, path, query=None, path_params=None):
    return {
        "resource": resource, "path": path, "httpMethod": "GET",
        "headers": {"Host": "api.example", "Accept": "application/json"},
        "multiValueHeaders": {"Host": ["api.example"], "Accept": ["application/json"]},
        "queryStringParameters": query, "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_params, "stageVariables": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"resourcePath": resource, "httpMethod": "GET", "path": "/api" + path, "stage": "api",
                           "requestId": "bench-cold", "identity": {"sourceIp": "127.0.0.1"}},
    }


MODE = __MODE__
t_import = time.perf_counter()
t_load = t_import
if MODE == "phases":
    from chalicelib.catalog import service
    service.search_service().index()
    t_load = time.perf_counter()
if MODE == "item":
    ev = event("/catalog/items/{item_id}", "/catalog/items/__ITEM__", None, {"item_id": "__ITEM__"})
else:
    ev = event("/catalog/search", "/catalog/search", {"q": "__QUERY__"})
resp = app.app(ev, Context())
t_end = time.perf_counter()
body = json.loads(resp["body"])
print(json.dumps({"status": resp["statusCode"], "total": body.get("total"), "id": body.get("id"),
                  "s": t_end - t0, "cpu_s": time.process_time() - c0, "import_s": t_import - t0, "load_s": t_load - t_import, "route_s": t_end - t_load}))
'''


class Relay:
    """TCP relay to ``target``: server->client bytes paced at ``bandwidth`` bytes/s per connection, each
    client->server chunk held ``rtt_s`` (one round trip per request)."""

    CHUNK = 64 * 1024

    def __init__(self, target: tuple[str, int], bandwidth: float, rtt_s: float) -> None:
        self.target, self.bandwidth, self.rtt_s = target, bandwidth, rtt_s
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True, name="relay-accept").start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, paced: bool) -> None:
        start = None
        sent = 0
        try:
            while True:
                data = src.recv(self.CHUNK)
                if not data:
                    break
                if paced:
                    now = time.perf_counter()
                    if start is None or now - start > sent / self.bandwidth + 0.05:  # a new response
                        start, sent = now, 0
                    sent += len(data)
                    wait = start + sent / self.bandwidth - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                elif self.rtt_s:
                    time.sleep(self.rtt_s)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._stop = True
        self.sock.close()


@contextlib.contextmanager
def aws(env_extra: dict[str, str]) -> Iterator[tuple[dict[str, str], Any]]:
    """moto's server on loopback, provisioned from infra/; yields (the child's environment, the server)."""
    from moto.server import ThreadedMotoServer

    from tests.conftest import TEST_ENV

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = dict(os.environ)
    try:
        os.environ.update(TEST_ENV)
        os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
        os.environ.update(env_extra)
        import boto3

        from local.provision import provision

        env = provision(prefix=TEST_ENV["PREFIX"], region="ap-southeast-3", session=boto3.session.Session())
        os.environ.update(env)
        yield {**TEST_ENV, **env, **env_extra}, (host, port)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()


def index_dir_for(items: int, seed: int, data_dir: str) -> str:
    """The index bench/bench_search.py built (same items and seed), else one built now."""
    path = os.path.join(data_dir, f"index-{items}-s{seed}")
    if os.path.exists(os.path.join(path, "meta.json")):
        from chalicelib.catalog.search.engine import SCHEMA_VERSION

        with open(os.path.join(path, "silastik-search.json"), encoding="utf-8") as fh:
            if json.load(fh).get("schema_version") == SCHEMA_VERSION:
                return path
    from chalicelib.catalog.search.engine import SearchIndex
    from local.catalog_generator import read_jsonl, write_jsonl

    os.makedirs(data_dir, exist_ok=True)
    jsonl = os.path.join(data_dir, f"catalog-{items}-s{seed}.jsonl")
    if not os.path.exists(jsonl):
        write_jsonl(jsonl, items, seed)
    shutil.rmtree(path, ignore_errors=True)
    print(f"INFO building the index of {items} items ...", flush=True)
    SearchIndex.build(read_jsonl(jsonl), path).close()
    return path


def endpoint_data_dir(parent: str) -> str:
    """botocore's endpoint data pruned as the package ships it (scripts/package.py; the functions' AWS_DATA_PATH)."""
    from scripts.package import write_endpoint_data

    path = os.path.join(parent, "botocore-data")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "endpoints.json"), "wb") as fh:
        fh.write(write_endpoint_data())
    return path


def deployed_env() -> dict[str, str]:
    """The environment every deployed function has (`.chalice/config.json`, top level)."""
    with open(os.path.join(ROOT, ".chalice", "config.json"), encoding="utf-8") as fh:
        return dict(json.load(fh).get("environment_variables", {}))


def run_child(mode: str, env: dict[str, str], pycache: str | None) -> dict[str, Any]:
    """One fresh interpreter serving one request; `pycache=None`: no bytecode at all (every module compiled, as
    from a package of plain sources on Lambda's read-only /var/task)."""
    code = CHILD.replace("__MODE__", repr(mode)).replace("__ITEM__", ITEM_ID).replace("__QUERY__", QUERY)
    with tempfile.TemporaryDirectory(prefix="silastik-cold-") as scratch:
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_"))}
        child_env.update(deployed_env())
        child_env.update(env)
        child_env.update({"PYTHONPYCACHEPREFIX": pycache or os.path.join(scratch, "no-pyc"),
                          "SEARCH_LOCAL_ROOT": os.path.join(scratch, "search"), "POWERTOOLS_LOG_LEVEL": "ERROR"})
        if pycache is None:
            child_env["PYTHONDONTWRITEBYTECODE"] = "1"
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env, capture_output=True, text=True,
                             timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"cold child ({mode}) failed:\n{out.stderr[-3000:]}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["status"] != 200:
        raise RuntimeError(f"cold child ({mode}) answered {res}")
    return res


def main() -> None:
    from bench.sim_month import merge_results

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=int(os.environ.get("BENCH_ITEMS", "1000000")))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bandwidth-mbps", type=float, default=90.0, help="S3 -> Lambda, MB/s (10^6 bytes)")
    ap.add_argument("--rtt-ms", type=float, default=2.0)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "bench", "data"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()

    index_dir = index_dir_for(args.items, args.seed, args.data_dir)
    with aws({"SEARCH_REFRESH_S": "3600"}) as (env, target):
        from chalicelib.catalog import service as catalog
        from chalicelib.core import config
        from tests.factories import put_catalog

        config.get_settings.cache_clear()
        catalog.reset()
        put_catalog([{"id": ITEM_ID, "title": "Indeks Harga Konsumen Kota Medan 2024"}])
        store = catalog.snapshot_store()
        version = store.publish(index_dir)
        snap_bytes = store.current()["size_bytes"]
        catalog.reset()
        relay = Relay(target, args.bandwidth_mbps * 1e6, args.rtt_ms / 1000)
        env = {**env, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{relay.port}"}
        with tempfile.TemporaryDirectory(prefix="silastik-pyc-") as pycache:
            env["AWS_DATA_PATH"] = endpoint_data_dir(pycache)
            run_child("item", env, pycache)  # untimed: warm the bytecode cache and the OS page cache
            run_child("search", env, pycache)
            search, phases, item = [], [], []
            for _ in range(args.runs):
                search.append(run_child("search", env, pycache))
                phases.append(run_child("phases", env, pycache))
                item.append(run_child("item", env, pycache))
            plain = run_child("item", env, None)
        relay.close()

    med = statistics.median
    figures = {
        "search_first_request_s_1m": round(med(r["s"] for r in search), 3),
        "ddb_first_route_ms": round(1000 * med(r["s"] for r in item), 1),
        # the same, in CPU time of the child (what the neighbours on a shared machine inflate much less)
        "search_first_request_cpu_s_1m": round(med(r["cpu_s"] for r in search), 3),
        "ddb_first_route_cpu_ms": round(1000 * med(r["cpu_s"] for r in item), 1),
    }
    download_s = snap_bytes / (args.bandwidth_mbps * 1e6)
    print(f"INFO items={args.items} snapshot {version}: {snap_bytes / 1e6:.1f} MB "
          f"({download_s:.2f} s at {args.bandwidth_mbps:g} MB/s), rtt {args.rtt_ms:g} ms; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; first search total={search[0]['total']}")
    print("INFO cold search runs_s=" + str([round(r["s"], 3) for r in search]))
    print(f"INFO cold search phases (median): import app {med(r['import_s'] for r in phases):.3f} s, "
          f"index load (S3 client, manifest, download+extract, open) {med(r['load_s'] for r in phases):.3f} s, "
          f"first query through the route {med(r['route_s'] for r in phases):.3f} s")
    print("INFO first DynamoDB route runs_ms=" + str([round(1000 * r["s"], 1) for r in item])
          + f"; of which import app {1000 * med(r['import_s'] for r in item):.1f} ms")
    print(f"INFO first DynamoDB route without any bytecode (a package of plain sources: every module compiled at "
          f"the cold start; scripts/package.py ships the bytecode): {1000 * plain['s']:.1f} ms, "
          f"CPU {1000 * plain['cpu_s']:.1f} ms (one run)")
    for name, value in figures.items():
        print(f"BENCH {name}={value}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

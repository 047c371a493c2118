"""Monthly AWS cost of SILASTIK at national scale, from the measured AWS calls per route and a stated traffic mix.

    .venv/bin/python -m bench.cost                          # uses bench/aws_calls.json (python -m bench.aws_calls)
    .venv/bin/python -m bench.cost --traffic my-mix.json    # override any key of TRAFFIC below
    .venv/bin/python -m bench.cost --downloads-via s3       # the deliverables as pre-signed S3 GETs (no CDN key)

Inputs
- Prices: bench/prices-ap-southeast-3.json (on-demand list prices with their date and source; see that file).
- Calls per route: bench/aws_calls.json, written by bench/aws_calls.py (every route called warm against moto,
  each AWS call counted, DynamoDB capacity estimated from the item sizes; transactions x2).
- Traffic: TRAFFIC below (a national statistics office: 150,000 requests a year, 20 million searches a year,
  30,000 downloads a month), overridable with ``--traffic FILE.json``.

Model (every number in TRAFFIC and JOURNEYS is an assumption, stated there):
- Each request is one journey of API calls (JOURNEYS: the consumer's and the staff's calls for one request of
  that kind, e.g. the consumer polls its status, both sides exchange messages). Its DynamoDB capacity, SQS and
  Step Functions API calls are the measured ones of each route, times the count. API Gateway: one request per
  call. Lambda: one invocation per call; duration = ``lambda_base_ms`` + the route's AWS calls x
  ``aws_call_ms`` (in-region latency; the in-process time against moto is not a Lambda figure), at
  ``lambda_memory_mb``.
- Asynchronous work per request (not in a route): Step Functions state transitions of the fulfilment workflow
  (counted from statemachines/fulfilment.asl.json along the kind's path), outbox -> SQS messages (each: send,
  receive, delete), e-mails (SES), the worker invocations and their DynamoDB writes.
- Searches: API Gateway + a warm Lambda invocation of ``search_lambda_ms`` (the warm search p50 plus the
  route) — no DynamoDB, no S3; cold starts: ``search_cold_starts_per_month`` x the first-request time
  (INIT is billed), each a GET of the snapshot (in-region S3 -> Lambda transfer is free).
- Downloads: one ``GET /requests/{id}/deliverables`` (the pre-signed link) + one S3 GET + the bytes to the
  internet, by DOWNLOAD_MIX (what is downloaded and its mean size): through the downloads distribution (CloudFront
  signed URLs, chalicelib/delivery/cdn.py: the first TB a month free; origin fetches from S3 are free), or with
  ``--downloads-via s3`` as pre-signed S3 GETs (a stack deployed without the distribution's key).
- Storage: DynamoDB (items of the requests kept), S3 (deliverables kept for the download window, snapshots),
  CloudWatch Logs (``log_kb_per_invocation``).

Output: one line per component (USD a month), the total, the cost per fulfilled request (the whole bill /
fulfilled requests: searches included), the marginal cost of one more request (its journey and async work
only), and the same search load on OpenSearch Serverless at its minimum capacity. ``BENCH cost_usd_month`` and
``BENCH cost_usd_per_request`` are printed and merged into bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRICES = os.path.join(ROOT, "bench", "prices-ap-southeast-3.json")
CALLS = os.path.join(ROOT, "bench", "aws_calls.json")

TRAFFIC: dict[str, Any] = {
    "requests_per_year": 150_000,
    "searches_per_year": 20_000_000,
    "downloads_per_month": 30_000,
    # kinds of request (SPEC: consultation, data order, complaint); data orders split by transaction
    "kind_mix": {"consultation": 0.45, "order_free": 0.15, "order_paid": 0.25, "order_microdata": 0.05,
                 "complaint": 0.10},
    "fulfilled_share": 0.95,  # the rest is cancelled or expires unpaid
    "lambda_memory_mb": 1024,
    "lambda_arch": "x86",
    "lambda_base_ms": 4.0,  # our code + the route wrapper per call (the stubbed throughput bench: ~1 ms) + JSON
    "aws_call_ms": 8.0,  # one DynamoDB/SQS/SFN call in-region, mean (GetItem ~3-5 ms, TransactWrite ~10-15 ms)
    "search_lambda_ms": 8.0,  # warm search with facets (bench_search p50 1-6 ms) + route
    "search_cold_starts_per_month": 7_300,  # ~10 an hour: containers recycled, bursts scale out
    "search_cold_start_s": 1.0,  # search_first_request_s_1m goal
    "worker_invocation_ms": 60.0,  # a queue consumer (notify: render + send + write)
    "log_kb_per_invocation": 1.0,
    "dynamodb_kb_per_request": 12.0,  # request + timeline + messages + audit + notifications, kept
    "dynamodb_retained_months": 24,
    "download_window_days": 30,  # deliverables are kept this long (S3)
    "snapshot_mb": 48.0,  # search snapshot (zstd), several versions kept
    "snapshots_kept": 10,
    "catalog_edits_per_month": 3_000,  # each publishes a new snapshot (batched by the catalog worker)
    "snapshots_published_per_month": 600,
}

#: the API calls of one request, by kind: route case (bench/aws_calls.json key) -> calls
_COMMON_CONSUMER = {
    "GET /me": 1, "GET /requests": 2, "GET /requests/{request_id}": 4, "GET /me/notifications": 2,
    "GET /requests/{request_id}/messages": 3, "POST /requests/{request_id}/messages": 1,
    "POST /me/notifications/{notif_id}/read": 2, "POST /requests/{request_id}/rating": 0.4,
}
_COMMON_STAFF = {
    "GET /ops/queue": 3, "GET /ops/requests/{request_id}": 3, "GET /ops/requests/{request_id}/messages": 2,
    "POST /ops/requests/{request_id}/messages": 2, "POST /ops/requests/{request_id}/start": 1,
    "POST /ops/requests/{request_id}/complete": 1,
}
_ORDER_EXTRA = {"GET /ops/requests/{request_id}/deliverables": 2, "POST /ops/requests/{request_id}/deliverables": 1}
_PAID_EXTRA = {"GET /requests/{request_id}/billing": 3, "GET /requests/{request_id}/invoice": 1,
               "GET /requests/{request_id}/receipt": 1, "POST /webhooks/billing": 1}
JOURNEYS: dict[str, dict[str, float]] = {
    "consultation": {"POST /requests [consultation]": 1, **_COMMON_CONSUMER, **_COMMON_STAFF,
                     "POST /ops/requests/{request_id}/escalations": 0.1,
                     "POST /ops/escalations/{escalation_id}/answer": 0.1},
    "order_free": {"POST /requests [data_order]": 1, **_COMMON_CONSUMER, **_COMMON_STAFF, **_ORDER_EXTRA},
    "order_paid": {"POST /requests [data_order]": 1, **_COMMON_CONSUMER, **_COMMON_STAFF, **_ORDER_EXTRA,
                   **_PAID_EXTRA},
    "order_microdata": {"POST /requests [data_order]": 1, **_COMMON_CONSUMER, **_COMMON_STAFF, **_ORDER_EXTRA,
                        **_PAID_EXTRA, "POST /ops/requests/{request_id}/approval": 1},
    "complaint": {"POST /requests [complaint]": 1, **_COMMON_CONSUMER, **_COMMON_STAFF},
}
#: asynchronous work per request: Step Functions transitions (statemachines/fulfilment.asl.json: Triage,
#: NeedsApproval, [AwaitApproval], NeedsBilling, [CreateBilling, AwaitPayment], Delegate, AwaitFulfilment,
#: NotifyDelivered, Done), outbox messages (SQS), e-mails (SES)
ASYNC: dict[str, dict[str, float]] = {
    "consultation": {"sfn_transitions": 7, "sqs_messages": 6, "emails": 4},
    "order_free": {"sfn_transitions": 7, "sqs_messages": 6, "emails": 4},
    "order_paid": {"sfn_transitions": 9, "sqs_messages": 8, "emails": 6},
    "order_microdata": {"sfn_transitions": 10, "sqs_messages": 9, "emails": 7},
    "complaint": {"sfn_transitions": 7, "sqs_messages": 5, "emails": 3},
}
#: what a download is, and its mean size in MB (sizes as in the demo catalog, local/catalog_generator.py)
DOWNLOAD_MIX: dict[str, tuple[float, float]] = {
    "table": (0.70, 0.4), "publication": (0.15, 20.0), "map": (0.08, 40.0), "microdata": (0.07, 1000.0),
}
SQS_REQUESTS_PER_MESSAGE = 3  # send, receive, delete (batches of 1: the conservative case)


def load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def month_cost(calls: dict[str, dict[str, Any]], prices: dict[str, float], t: dict[str, Any],
               downloads_via: str = "cloudfront") -> tuple[dict[str, float], dict[str, float]]:
    """(USD per component a month, quantities a month)."""
    p = prices
    gb_s_price = p["lambda_gb_second_arm64" if t["lambda_arch"] == "arm64" else "lambda_gb_second_x86"]
    mem_gb = t["lambda_memory_mb"] / 1024
    requests = t["requests_per_year"] / 12
    searches = t["searches_per_year"] / 12
    q: dict[str, float] = defaultdict(float)

    def route(key: str, n: float) -> None:
        if key not in calls:
            raise KeyError(f"no measurement for {key!r} in bench/aws_calls.json (run python -m bench.aws_calls)")
        c = calls[key]
        q["api_calls"] += n
        q["rcu"] += n * c["rcu"]
        q["wcu"] += n * c["wcu"]
        q["sqs_requests"] += n * c["sqs"] * SQS_REQUESTS_PER_MESSAGE
        q["sfn_api_calls"] += n * c["sfn"]
        q["s3_put"] += n * c["s3"]
        aws_calls = c["dynamodb"] + c["s3"] + c["sqs"] + c["sfn"]
        q["lambda_invocations"] += n
        q["lambda_gb_s"] += n * mem_gb * (t["lambda_base_ms"] + aws_calls * t["aws_call_ms"]) / 1000

    for kind, share in t["kind_mix"].items():
        n = requests * share
        for key, count in JOURNEYS[kind].items():
            route(key, n * count)
        a = ASYNC[kind]
        q["sfn_transitions"] += n * a["sfn_transitions"]
        q["sqs_requests"] += n * a["sqs_messages"] * SQS_REQUESTS_PER_MESSAGE
        q["emails"] += n * a["emails"]
        q["lambda_invocations"] += n * a["sqs_messages"]
        q["lambda_gb_s"] += n * a["sqs_messages"] * 0.5 * t["worker_invocation_ms"] / 1000  # workers: 512 MB
        q["wcu"] += n * a["sqs_messages"] * 1  # a notification / an outbox mark per message

    # searches
    q["api_calls"] += searches
    q["search_calls"] = searches
    q["lambda_invocations"] += searches
    q["lambda_gb_s"] += searches * mem_gb * t["search_lambda_ms"] / 1000
    q["lambda_gb_s"] += t["search_cold_starts_per_month"] * mem_gb * t["search_cold_start_s"]
    q["s3_get"] += t["search_cold_starts_per_month"] * 2  # current.json + the snapshot
    # downloads
    dl = t["downloads_per_month"]
    route("GET /requests/{request_id}/deliverables", dl)
    q["s3_get"] += dl
    mean_mb = sum(share * mb for share, mb in DOWNLOAD_MIX.values())
    q["egress_gb"] = dl * mean_mb / 1000
    q["download_mean_mb"] = mean_mb
    # storage
    q["dynamodb_gb"] = requests * t["dynamodb_kb_per_request"] * t["dynamodb_retained_months"] / 1e6
    fulfilled_orders = requests * sum(s for k, s in t["kind_mix"].items() if k.startswith("order"))
    q["s3_gb"] = (fulfilled_orders * mean_mb * t["download_window_days"] / 30 / 1000
                  + t["snapshot_mb"] * t["snapshots_kept"] / 1000)
    q["s3_put"] += fulfilled_orders + t["snapshots_published_per_month"] * 2
    q["log_gb"] = q["lambda_invocations"] * t["log_kb_per_invocation"] / 1e6
    q["fulfilled"] = requests * t["fulfilled_share"]
    q["requests"] = requests

    usd = {
        "API Gateway (REST)": q["api_calls"] / 1e6 * p["api_gateway_rest_per_million"],
        "Lambda requests": q["lambda_invocations"] / 1e6 * p["lambda_request_per_million"],
        "Lambda compute (GB-s)": q["lambda_gb_s"] * gb_s_price,
        "DynamoDB reads (RRU)": q["rcu"] / 1e6 * p["dynamodb_read_request_unit_per_million"],
        "DynamoDB writes (WRU)": q["wcu"] / 1e6 * p["dynamodb_write_request_unit_per_million"],
        "DynamoDB storage": q["dynamodb_gb"] * p["dynamodb_storage_gb_month"],
        "SQS": q["sqs_requests"] / 1e6 * p["sqs_standard_per_million_requests"],
        "Step Functions (transitions)": q["sfn_transitions"] / 1000 * p["stepfunctions_standard_per_thousand_transitions"],
        "SES e-mail": q["emails"] / 1000 * p["ses_per_thousand_emails"],
        "S3 requests": q["s3_put"] / 1000 * p["s3_put_per_thousand"] + q["s3_get"] / 1000 * p["s3_get_per_thousand"],
        "S3 storage": q["s3_gb"] * p["s3_standard_storage_gb_month"],
        "CloudWatch Logs": q["log_gb"] * (p["cloudwatch_logs_ingest_per_gb"] + p["cloudwatch_logs_storage_gb_month"]),
    }
    if downloads_via == "s3":
        usd["Downloads: data transfer out (S3)"] = q["egress_gb"] * p["data_transfer_out_internet_per_gb"]
    else:
        billable = max(0.0, q["egress_gb"] - 1000 * p["cloudfront_free_tb_per_month"])
        usd["Downloads: data transfer out (CloudFront)"] = (billable * p["cloudfront_data_out_indonesia_per_gb"]
                                                            + dl / 1e4 * p["cloudfront_https_per_10k"])
    return usd, dict(q)


def search_share(usd: dict[str, float], q: dict[str, float], prices: dict[str, float], t: dict[str, Any]) -> float:
    """What the search load costs on our stack: its API Gateway requests, Lambda time and cold starts."""
    gb_s_price = prices["lambda_gb_second_arm64" if t["lambda_arch"] == "arm64" else "lambda_gb_second_x86"]
    mem_gb = t["lambda_memory_mb"] / 1024
    s = q["search_calls"]
    return (s / 1e6 * (prices["api_gateway_rest_per_million"] + prices["lambda_request_per_million"])
            + (s * mem_gb * t["search_lambda_ms"] / 1000
               + t["search_cold_starts_per_month"] * mem_gb * t["search_cold_start_s"]) * gb_s_price)


def opensearch_minimum(prices: dict[str, float], redundancy: bool = True, index_gb: float = 1.0) -> float:
    ocus = 2.0 if redundancy else 1.0
    return ocus * 730 * prices["opensearch_serverless_ocu_hour"] + index_gb * prices["opensearch_serverless_storage_gb_month"]


def main() -> None:
    from bench.sim_month import merge_results

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", default=CALLS)
    ap.add_argument("--prices", default=PRICES)
    ap.add_argument("--traffic", help="JSON file overriding keys of TRAFFIC")
    ap.add_argument("--downloads-via", choices=("cloudfront", "s3"), default="cloudfront",
                    help="how deliverables reach the consumer (cloudfront: the downloads distribution's signed URLs, "
                         "as deployed with its key; s3: pre-signed S3 GETs, without it)")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    args = ap.parse_args()
    if not os.path.exists(args.calls):
        raise SystemExit(f"{args.calls} is missing: run `python -m bench.aws_calls` first (make bench does)")
    price_file = load(args.prices)
    prices = price_file["prices"]
    calls = load(args.calls)
    traffic = dict(TRAFFIC)
    if args.traffic:
        traffic.update(load(args.traffic))

    usd, q = month_cost(calls, prices, traffic, args.downloads_via)
    total = sum(usd.values())
    per_request = total / q["fulfilled"]
    print(f"# prices: {os.path.relpath(args.prices, ROOT)} ({price_file['region']}, as of {price_file['as_of']}; "
          "list prices from memory, not re-checked online: see the file)")
    print(f"# traffic a month: {q['requests']:,.0f} requests ({q['fulfilled']:,.0f} fulfilled), "
          f"{q['search_calls']:,.0f} searches, {traffic['downloads_per_month']:,} downloads "
          f"(mean {q['download_mean_mb']:.0f} MB: {q['egress_gb']:,.0f} GB out); {q['api_calls']:,.0f} API calls, "
          f"{q['lambda_gb_s']:,.0f} GB-s, {q['rcu']:,.0f} RRU, {q['wcu']:,.0f} WRU, "
          f"{q['sfn_transitions']:,.0f} transitions, {q['emails']:,.0f} e-mails")
    width = max(len(k) for k in usd)
    for name, value in sorted(usd.items(), key=lambda kv: -kv[1]):
        print(f"#   {name:{width}}  {value:9.2f} USD  {100 * value / total:5.1f} %")
    print(f"#   {'TOTAL':{width}}  {total:9.2f} USD a month; {per_request:.4f} USD per fulfilled request")
    largest = max(usd, key=usd.get)  # type: ignore[arg-type]
    print(f"# largest item: {largest} ({usd[largest]:.2f} USD, {100 * usd[largest] / total:.0f} %)")
    other = "s3" if args.downloads_via == "cloudfront" else "cloudfront"
    alt, _ = month_cost(calls, prices, traffic, other)
    alt_total = sum(alt.values())
    how = ("with pre-signed S3 GETs instead (a stack without the downloads distribution's key)" if other == "s3"
           else "with the deliverables served through CloudFront (first TB free)")
    print(f"# the same month {how}: {alt_total:.2f} USD ({alt_total - total:+.2f}); --downloads-via {other}")

    # marginal cost of one more request (journey + async work; no search, no download)
    one = dict(traffic)
    one.update(searches_per_year=0, downloads_per_month=0, search_cold_starts_per_month=0)
    base = dict(one)
    base["requests_per_year"] = 0
    u1, _ = month_cost(calls, prices, {**one, "requests_per_year": 12_000}, args.downloads_via)
    u0, _ = month_cost(calls, prices, base, args.downloads_via)
    marginal = (sum(u1.values()) - sum(u0.values())) / 1000
    print(f"# marginal cost of one more request (its API calls, workflow, messages, e-mails): {marginal:.5f} USD")
    ours = search_share(usd, q, prices, traffic)
    for redundancy in (True, False):
        print(f"# search: ours {ours:.2f} USD a month for {q['search_calls']:,.0f} searches vs OpenSearch Serverless at "
              f"its minimum ({'2 OCU, with' if redundancy else '1 OCU, without'} redundancy) "
              f"{opensearch_minimum(prices, redundancy):.2f} USD a month before its API Gateway/Lambda front")
    figures = {"cost_usd_month": round(total, 2), "cost_usd_per_request": round(per_request, 4),
               "cost_search_usd_month": round(ours, 2),
               "cost_opensearch_min_usd_month": round(opensearch_minimum(prices, True), 2)}
    for k, v in figures.items():
        print(f"BENCH {k}={v}")
    merge_results(args.results, figures)


if __name__ == "__main__":
    main()

"""Issue 19 "Done when", through the local stack (`make dev` on free ports, seeded demo data): a free published
table ordered is downloadable within seconds with no operator action; a paid file-backed publication is
downloadable within seconds of the payment at the billing simulator; an open item's file is downloadable by anyone
from its detail, without an order."""

from __future__ import annotations

import functools
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.e2e

wait = functools.partial(wait_for, timeout_s=30.0, interval=0.3)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        return r.read()


def status(http, rid: str) -> str:
    return http.call("GET", f"/requests/{rid}", "consumer1")[1]["status"]


def order(http, item_id: str) -> str:
    st, req = http.call("POST", "/requests", "consumer1", {"kind": "data_order", "items": [{"catalog_id": item_id}],
                                                           "purpose": "Penelitian skripsi"})
    assert st == 201, req
    return req["request_id"]


def test_a_free_published_table_is_downloadable_within_seconds_without_an_operator(http):
    st, files = http.call("GET", "/catalog/items/TS-DEMO-PENDUDUK-2024/files")
    assert st == 200 and files and files[0]["downloadable"], files
    t0 = time.monotonic()
    rid = order(http, "TS-DEMO-PENDUDUK-2024")
    assert wait(lambda: status(http, rid) == "delivered"), status(http, rid)
    elapsed = time.monotonic() - t0
    st, req = http.call("GET", f"/requests/{rid}", "consumer1")
    assert req["assignee"] is None and any("dikirim otomatis" in e["note"] for e in req["timeline"])
    st, links = http.call("GET", f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and len(links) == 1, links
    # through the downloads distribution's stand-in (local/cdn_sim.py), a CloudFront-signed link as in AWS
    url = links[0]["download_url"]
    assert url.startswith(http.stack.url["cdn"] + "/") and "Key-Pair-Id=" in url and "X-Amz-" not in url, url
    data = fetch(url)
    assert data.startswith(b"provinsi,") and b"DKI JAKARTA" in data
    with pytest.raises(urllib.error.HTTPError) as refused:  # the same link, tampered: CloudFront's 403
        fetch(url.replace("Expires=", "Expires=1", 1))
    assert refused.value.code == 403
    assert elapsed < 30, f"delivered after {elapsed:.1f} s"
    print(f"BENCH instant_delivery_free_s={elapsed:.1f}")


def test_a_paid_file_backed_publication_is_downloadable_within_seconds_of_payment(http):
    rid = order(http, "PB-DEMO-HARGA-PRODUSEN-2024")
    billing = wait(lambda: (lambda r: r[1] if r[0] == 200 else None)(
        http.call("GET", f"/requests/{rid}/billing", "consumer1")))
    assert billing and billing["amount_idr"] == 75_000
    assert http.call("GET", f"/requests/{rid}/deliverables", "consumer1")[0] == 409  # nothing before payment
    t0 = time.monotonic()
    st, paid = http.call("POST", "/simulate/pay", body={"billing_code": billing["billing_code"]}, base="billing")
    assert st == 200, paid
    assert wait(lambda: status(http, rid) == "delivered"), status(http, rid)
    elapsed = time.monotonic() - t0
    st, links = http.call("GET", f"/requests/{rid}/deliverables", "consumer1")
    assert st == 200 and [fetch(x["download_url"])[:5] for x in links] == [b"%PDF-"]
    assert http.call("GET", f"/requests/{rid}/billing", "consumer1")[1]["status"] == "paid"
    assert elapsed < 20, f"delivered {elapsed:.1f} s after the payment"
    print(f"BENCH instant_delivery_paid_s={elapsed:.1f}")


def test_an_open_publication_is_downloadable_by_anyone_from_its_detail(http):
    st, files = http.call("GET", "/catalog/items/PB-DEMO-STATISTIK-INDONESIA-2025/files")
    assert st == 200 and files and files[0]["downloadable"]
    st, link = http.call("POST", f"/catalog/items/PB-DEMO-STATISTIK-INDONESIA-2025/files/{files[0]['file_id']}"
                                 "/download", body={})
    assert st == 200, link
    assert fetch(link["download_url"])[:5] == b"%PDF-"
    st, err = http.call("POST", "/catalog/items/PB-DEMO-HARGA-PRODUSEN-2024/files/x/download", body={})
    assert st == 409 and err["error"]["code"] == "not_open"

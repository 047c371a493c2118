"""Release calendar and subscriptions (issue 12): the public calendar over the `by_release_month` GSI, producers
publishing planned items, the tick publishing those whose day has come, and the fan-out to subscribers of a
series (with an automatic order that goes through the normal billing workflow) or of a saved search —
idempotent per (subscription, item)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core import clock
from tests.factories import put_catalog, put_operator
from tests.integration.helpers import status_of

SERIES = "IHK-BULANAN-1275"


def _today() -> str:
    from chalicelib.catalog.releases import today

    return today().isoformat()


def _day(offset: int) -> str:
    from chalicelib.catalog.releases import today

    return (today() + timedelta(days=offset)).isoformat()


def _ihk(item_id: str, month: str, release: str, status: str = "published", **extra: Any) -> dict[str, Any]:
    return {"id": item_id, "title": f"Indeks Harga Konsumen Kota Medan {month}", "subject": "Inflasi",
            "region_code": "1275", "region": "Kota Medan", "level": "kabupaten_kota", "year": int(release[:4]),
            "period": month, "series_id": SERIES, "access": "paid", "price_idr": 50000, "release_date": release,
            "status": status, **extra}


def _notifications(api: Any, user: str, event: str = "subscription_release") -> list[dict[str, Any]]:
    st, page = api.get("/me/notifications?page_size=100", user)
    assert st == 200, page
    return [n for n in page["items"] if n["event"] == event]


@pytest.fixture
def catalog(aws_env: dict[str, str]) -> None:
    put_catalog([
        _ihk("IHK-1275-A", "September", "2026-10-01"),
        _ihk("IHK-1275-B", "Oktober", "2026-11-02"),
        _ihk("IHK-1275-NEXT", "Desember", _day(3), status="planned"),
        {"id": "PB-SUMUT-2026", "type": "publication", "title": "Provinsi Sumatera Utara Dalam Angka 2027",
         "subject": "Statistik Umum", "region_code": "12", "region": "Sumatera Utara", "level": "provinsi",
         "year": 2027, "release_date": _day(10), "status": "planned", "series_id": "DDA-12"},
        {"id": "TS-WITHDRAWN", "title": "Tabel yang ditarik", "release_date": _day(2), "status": "withdrawn"},
        {"id": "TS-OLD", "title": "Penduduk Menurut Kelompok Umur 2019", "release_date": "2019-07-01"},
    ])


def test_calendar_lists_planned_and_published_by_month(api, catalog):
    frm = (clock.now() - timedelta(days=70)).date().replace(day=1).isoformat()
    to = _day(40)
    st, cal = api.get(f"/catalog/releases?from={frm}&to={to}")
    assert st == 200, cal
    ids = [i["id"] for i in cal["items"]]
    assert {"IHK-1275-B", "IHK-1275-NEXT", "PB-SUMUT-2026"} <= set(ids)
    assert "TS-WITHDRAWN" not in ids and "TS-OLD" not in ids
    assert [i["release_date"] for i in cal["items"]] == sorted(i["release_date"] for i in cal["items"])
    nxt = next(i for i in cal["items"] if i["id"] == "IHK-1275-NEXT")
    assert nxt["status"] == "planned" and nxt["series_id"] == SERIES and nxt["price_idr"] == 50000
    assert cal["from"] == frm and cal["to"] == to and cal["total"] == len(ids)
    assert sum(m["planned"] for m in cal["months"].values()) == 2

    st, planned = api.get(f"/catalog/releases?from={frm}&to={to}&status=planned")
    assert {i["id"] for i in planned["items"]} == {"IHK-1275-NEXT", "PB-SUMUT-2026"}
    st, pubs = api.get(f"/catalog/releases?from={frm}&to={to}&type=publication")
    assert [i["id"] for i in pubs["items"]] == ["PB-SUMUT-2026"]
    st, default = api.get("/catalog/releases")  # this month and the next two
    assert st == 200 and "IHK-1275-NEXT" in {i["id"] for i in default["items"]}

    assert api.get("/catalog/releases?from=2025-01-01&to=2026-03-01")[0] == 400  # 15 months
    assert api.get("/catalog/releases?from=2026-05-01&to=2026-04-01")[0] == 400
    assert api.get("/catalog/releases?from=kemarin")[0] == 400
    assert api.get("/catalog/releases?from=2025-12-01&to=2026-12-31")[0] == 200  # 13 months


def test_producer_publishes_a_planned_item(api, worker, catalog):
    assert api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "consumer1")[0] == 403
    assert api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "operator1")[0] == 403
    st, item = api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "producer1")
    assert st == 200, item
    assert item["status"] == "published" and item["release_date"] == _today()  # early: the real release day
    st, again = api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "admin1")
    assert st == 409 and again["error"]["code"] == "not_planned"
    assert api.post("/ops/catalog/items/NOPE/publish", "producer1")[0] == 404
    worker.drain()  # the catalog worker re-indexes
    st, found = api.get("/catalog/search?q=indeks+harga+konsumen+medan+desember")
    assert st == 200 and "IHK-1275-NEXT" in [h["id"] for h in found["items"]]


def test_tick_publishes_planned_items_whose_day_has_come(api, worker, catalog):
    put_catalog([_ihk("IHK-1275-DUE", "November", _today(), status="planned"),
                 _ihk("IHK-1275-LATE", "Oktober revisi", _day(-3), status="planned")])
    from chalicelib.fulfilment.tick import tick

    out = tick()
    assert out["releases"] == {"published": 2, "conflicts": 0}, out
    st, cal = api.get(f"/catalog/releases?from={_day(-5)}&to={_day(15)}")
    status = {i["id"]: i["status"] for i in cal["items"]}
    assert status["IHK-1275-DUE"] == "published" and status["IHK-1275-LATE"] == "published"
    assert status["IHK-1275-NEXT"] == "planned" and status["PB-SUMUT-2026"] == "planned"
    assert tick()["releases"] == {"published": 0, "conflicts": 0}
    worker.drain()
    st, found = api.get("/catalog/search?q=indeks+harga+konsumen+medan+november")
    assert "IHK-1275-DUE" in [h["id"] for h in found["items"]]


def test_subscription_validation_and_lifecycle(api, catalog):
    bad = [
        ({}, 400), ({"series_id": SERIES, "query": {"q": "inflasi"}}, 400), ({"query": {}}, 400),
        ({"query": {"q": "inflasi"}, "auto_order": True}, 400), ({"series_id": "TIDAK-ADA"}, 404),
        ({"series_id": "DDA-12", "auto_order": True}, 400),  # a free series cannot be ordered automatically
        ({"query": {"q": "dan atau"}}, 400),  # only stopwords
    ]
    for body, status in bad:
        st, resp = api.post("/me/subscriptions", "consumer1", body)
        assert st == status, (body, resp)
    st, sub = api.post("/me/subscriptions", "consumer1", {"series_id": SERIES, "auto_order": True})
    assert st == 201, sub
    assert sub["kind"] == "series" and sub["auto_order"] is True and "Kota Medan" in sub["label"]
    assert api.post("/me/subscriptions", "consumer1", {"series_id": SERIES})[0] == 409
    st, search = api.post("/me/subscriptions", "consumer1",
                          {"query": {"q": "Indeks Harga", "region": "Kota Medan"}})
    assert st == 201 and search["kind"] == "search" and search["query"]["region"] == "Kota Medan"
    st, mine = api.get("/me/subscriptions", "consumer1")
    assert st == 200 and {s["subscription_id"] for s in mine} == {sub["subscription_id"], search["subscription_id"]}
    assert api.get("/me/subscriptions", "consumer2")[1] == []
    # another consumer cannot remove it; the owner can, once
    assert api.call("DELETE", f"/me/subscriptions/{sub['subscription_id']}", "consumer2")[0] == 404
    gone = api.client.http.delete(f"/me/subscriptions/{sub['subscription_id']}",
                                  headers={"Authorization": f"Bearer {api.tokens('consumer1')}"})
    # no content and so no content type: a client (the fuzz test's too) must not parse an empty body as JSON
    assert gone.status_code == 204 and not gone.body and "Content-Type" not in gone.headers
    doc = api.get("/openapi.json")[1]
    assert doc["paths"]["/me/subscriptions/{subscription_id}"]["delete"]["responses"]["204"] == {
        "description": "No Content"}  # and the contract says so: no media type for a client to parse
    assert api.call("DELETE", f"/me/subscriptions/{sub['subscription_id']}", "consumer1")[0] == 404
    assert [s["subscription_id"] for s in api.get("/me/subscriptions", "consumer1")[1]] == [search["subscription_id"]]


def test_release_notifies_subscribers_and_auto_orders_once(api, worker, catalog):
    put_operator("operator1", quota=10)
    st, series_sub = api.post("/me/subscriptions", "consumer1", {"series_id": SERIES, "auto_order": True})
    assert st == 201
    assert api.post("/me/subscriptions", "consumer2", {"query": {"q": "harga konsumen", "region": "1275"}})[0] == 201
    assert api.post("/me/subscriptions", "staff1", {"query": {"q": "inflasi", "region": "Aceh"}})[0] == 201
    assert api.post("/me/subscriptions", "staff1", {"series_id": "DDA-12"})[0] == 201

    st, _ = api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "producer1")
    assert st == 200
    worker.drain()

    # the series subscriber: notified, and an automatic paid order went through triage to billing
    notes = _notifications(api, "consumer1")
    assert len(notes) == 1, notes
    rid = notes[0]["request_id"]
    assert rid and "Indeks Harga Konsumen Kota Medan Desember" in notes[0]["subject"]
    assert f"pesanan data {rid}" in notes[0]["body"] and "Rp 50.000" in notes[0]["body"]
    st, order = api.get(f"/requests/{rid}", "consumer1")
    assert st == 200 and order["channel"] == "subscription" and order["transaction_type"] == "paid"
    assert order["items"][0]["catalog_id"] == "IHK-1275-NEXT" and order["total_idr"] == 50000
    assert worker.run_until(lambda: status_of(api, rid) == "awaiting_payment")
    st, billing = api.get(f"/requests/{rid}/billing", "consumer1")
    assert st == 200 and billing["amount_idr"] == 50000 and billing["status"] == "unpaid"

    # the saved search that matches (words in the title, region by BPS code): notified, nothing ordered
    notes2 = _notifications(api, "consumer2")
    assert len(notes2) == 1 and notes2[0]["request_id"] is None
    assert "/#/katalog/IHK-1275-NEXT" in notes2[0]["url"]
    assert api.get("/requests", "consumer2")[1]["items"] == []
    # a saved search for another region and another series: nothing
    assert _notifications(api, "staff1") == []

    # redelivered release (and a racing tick): still one notification and one order per subscriber
    from chalicelib.core import queues
    from chalicelib.subscriptions import service

    queues.send(queues.JOBS, {"job": "release", "item_id": "IHK-1275-NEXT", "key": "release#IHK-1275-NEXT"})
    worker.drain()
    assert service.on_release("IHK-1275-NEXT") == {"matched": 2, "delivered": 0}
    worker.drain()
    assert len(_notifications(api, "consumer1")) == 1 and len(_notifications(api, "consumer2")) == 1
    orders = api.get("/requests", "consumer1")[1]["items"]
    assert [o["request_id"] for o in orders] == [rid]
    mine = api.get("/me/subscriptions", "consumer1")[1]
    assert mine[0]["subscription_id"] == series_sub["subscription_id"]
    assert mine[0]["last_item_id"] == "IHK-1275-NEXT" and mine[0]["releases_notified"] == 1

    # a new item of the series created as published by the admin is a release too
    body = {k: v for k, v in _ihk("IHK-1275-JAN", "Januari", _today(), type="table_static").items()
            if k != "status"}
    st, created = api.post("/ops/catalog/items", "admin1", body)
    assert st == 201, created
    worker.drain()
    assert len(_notifications(api, "consumer1")) == 2
    assert len(api.get("/requests", "consumer1")[1]["items"]) == 2


def test_failed_delivery_is_retried_without_double_order(api, worker, catalog, monkeypatch):
    """A crash after the automatic order but before the notification: the retry finds the order (derived id)
    and only sends what is missing."""
    st, _ = api.post("/me/subscriptions", "consumer1", {"series_id": SERIES, "auto_order": True})
    assert st == 201
    from chalicelib.catalog.releases import _mark_published
    from chalicelib.catalog.repository import CatalogRepository
    from chalicelib.subscriptions import service

    _mark_published(CatalogRepository().get("IHK-1275-NEXT"), "producer1", _today())
    calls = {"n": 0}
    real = service._notify

    def flaky(*a: Any, **k: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("notify queue unavailable")
        real(*a, **k)

    monkeypatch.setattr(service, "_notify", flaky)
    with pytest.raises(RuntimeError):
        service.on_release("IHK-1275-NEXT")
    assert len(api.get("/requests", "consumer1")[1]["items"]) == 1  # ordered before the failure
    assert service.on_release("IHK-1275-NEXT") == {"matched": 1, "delivered": 1}
    worker.drain()
    assert len(api.get("/requests", "consumer1")[1]["items"]) == 1
    assert len(_notifications(api, "consumer1")) == 1


def test_releases_during_a_queue_outage_are_indexed_and_announced_once_sqs_is_back(api, worker, catalog, monkeypatch):
    """SQS refuses every send while a producer publishes, the tick publishes a due item and the admin creates a
    published one: each change commits with its index update and its release fan-out as outbox rows, so once SQS is
    back the items are searchable and the series' subscriber is told of each release, once."""
    from chalicelib.core import queues
    from chalicelib.core.outbox import OutboxRecord
    from chalicelib.fulfilment.tick import tick

    assert api.post("/me/subscriptions", "consumer1", {"series_id": SERIES})[0] == 201
    put_catalog([_ihk("IHK-1275-DUE", "November", _today(), status="planned")])
    real_send = queues.send

    def outage(queue: str, body: dict[str, Any]) -> Any:
        raise RuntimeError("SQS unavailable")

    monkeypatch.setattr(queues, "send", outage)
    assert api.post("/ops/catalog/items/IHK-1275-NEXT/publish", "producer1")[0] == 200
    assert tick()["releases"] == {"published": 1, "conflicts": 0}
    body = {k: v for k, v in _ihk("IHK-1275-JAN", "Januari", _today(), type="table_static").items() if k != "status"}
    st, created = api.post("/ops/catalog/items", "admin1", {**body, "status": "published"})
    assert st == 201, created
    rows = sorted(r.id.split("#", 2)[1] + "#" + r.id.split("#", 3)[2] for r in OutboxRecord.scan())
    assert rows == ["release#IHK-1275-DUE", "release#IHK-1275-JAN", "release#IHK-1275-NEXT",
                    "upsert#IHK-1275-DUE", "upsert#IHK-1275-JAN", "upsert#IHK-1275-NEXT"], rows
    assert tick()["releases"] == {"published": 0, "conflicts": 0}  # published: the tick does not take them again

    monkeypatch.setattr(queues, "send", real_send)
    worker.drain()
    for q, item in (("medan+desember", "IHK-1275-NEXT"), ("medan+november", "IHK-1275-DUE"),
                    ("medan+januari", "IHK-1275-JAN")):
        st, found = api.get(f"/catalog/search?q=indeks+harga+konsumen+{q}")
        assert st == 200 and item in [h["id"] for h in found["items"]], (q, found)
    notes = _notifications(api, "consumer1")
    assert sorted(n["subject"].split("Kota Medan ")[1].split()[0] for n in notes) == ["Desember", "Januari",
                                                                                      "November"], notes
    assert list(OutboxRecord.scan()) == []

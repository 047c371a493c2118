"""Catalog and search through the API (issue 3): admin edits, index refresh, bulk import, bad parameters."""

from __future__ import annotations

import collections
import json

from local.catalog_generator import generate_items


def _publish(n=300):
    from chalicelib.catalog import service
    from chalicelib.catalog.models import CatalogRecord

    items = list(generate_items(n, seed=3))
    with CatalogRecord.batch_write() as batch:
        for it in items:
            data = {k: v for k, v in it.items() if k in CatalogRecord.get_attributes()}
            data["release_month"] = str(it["release_date"])[:7]
            batch.save(CatalogRecord(**data))
    service.rebuild_index(items)
    return items


ITEM = {"type": "table_static", "title": "Jumlah Penduduk Lansia Menurut Kabupaten, Provinsi Bali, 2025",
        "subject": "Kependudukan", "region_code": "51", "region": "Bali", "level": "provinsi", "year": 2025,
        "format": "xlsx", "price_idr": 0, "access": "open", "release_date": "2025-08-01"}


def test_search_route_shapes_and_facets(api, aws_env):
    items = _publish()
    st, res = api.get("/catalog/search?q=penduduk&page_size=5")
    assert st == 200 and res["total"] > 0 and len(res["items"]) <= 5
    for facet in ("type", "subject", "region", "year"):
        assert sum(res["facets"][facet].values()) == res["total"]
    st, filtered = api.get("/catalog/search?q=penduduk&type=table_static")
    assert filtered["total"] == res["facets"]["type"].get("table_static", 0)
    st, detail = api.get(f"/catalog/items/{items[0]['id']}")
    assert st == 200 and detail["title"] == items[0]["title"]
    assert api.get("/catalog/items/NOPE-1")[0] == 404


def test_bad_search_parameters_are_400(api, aws_env):
    _publish(50)
    for qs in ("page_size=0", "page_size=1000", "page=-1", "type=spreadsheet", "q=" + "x" * 201, "year=abc",
               "sort=price", "type=publication,spreadsheet", "year=2023,19", "year=1800", "region=" + ",".join(["32"] * 51),
               "subject=" + "x" * 101):
        st, body = api.get(f"/catalog/search?{qs}")
        assert st == 400, (qs, st, body)
        assert body["error"]["code"] == "invalid_input"


def test_search_sort_multi_select_facets_and_province(api, aws_env):
    """Issue 20 item 9 through the API: sort, OR within a facet / AND across, a province with its regencies/cities."""
    items = _publish()
    st, both = api.get("/catalog/search?type=publication,map&page_size=100")
    want = [i for i in items if i["type"] in ("publication", "map")]
    assert st == 200 and both["total"] == len(want) > 0
    assert {i["type"] for i in both["items"]} == {"publication", "map"}
    # the type facet still offers the other types (their counts under the other selections: none here)
    assert both["facets"]["type"] == dict(collections.Counter(i["type"] for i in items))
    st, anded = api.get("/catalog/search?type=publication,map&year=2022,2023&page_size=100")
    assert anded["total"] == len([i for i in want if i["year"] in (2022, 2023)])
    st, prov = api.get("/catalog/search?province=32&page_size=100")
    in_32 = [i for i in items if i["region_code"][:2] == "32"]
    assert prov["total"] == len(in_32) and any(len(i["region_code"]) == 4 for i in in_32)
    assert prov["facets"]["province"]["Jawa Barat"] == len(in_32)
    regency_counts = collections.Counter(i["region"] for i in in_32 if len(i["region_code"]) == 4)
    assert prov["facets"]["regency"] == dict(regency_counts)
    one = next(iter(regency_counts))
    st, reg = api.get(f"/catalog/search?province=Jawa+Barat&regency={one.replace(' ', '+')}")
    assert reg["total"] == regency_counts[one]
    st, by_title = api.get("/catalog/search?q=penduduk&sort=title&page_size=50")
    assert st == 200 and by_title["sort"] == "title"
    from chalicelib.catalog.search.text import tokenize

    titles = [" ".join(tokenize(i["title"])) for i in by_title["items"]]
    assert len(titles) > 3 and titles == sorted(titles)
    st, newest = api.get("/catalog/search?q=penduduk&sort=newest&page_size=50")
    dates = [i["release_date"] for i in newest["items"]]
    assert dates == sorted(dates, reverse=True) and newest["total"] == by_title["total"]


def test_search_parameters_are_in_the_openapi(api, aws_env):
    st, doc = api.get("/openapi.json")
    params = {p["name"]: p for p in doc["paths"]["/catalog/search"]["get"]["parameters"]}
    assert {"q", "type", "subject", "region", "province", "regency", "year", "sort", "page", "page_size"} <= set(params)
    assert "comma-separated" in params["type"]["schema"]["description"] or "comma-separated" in str(params["type"])
    assert "title" in str(params["sort"]["schema"])


def test_admin_edit_refreshes_the_index(api, worker, aws_env, monkeypatch):
    monkeypatch.setenv("SEARCH_REFRESH_S", "0")
    from chalicelib.catalog import service
    from chalicelib.core.config import reset_settings

    reset_settings()
    service.reset()
    _publish(50)
    assert api.post("/ops/catalog/items", "operator1", ITEM)[0] == 403
    st, created = api.post("/ops/catalog/items", "admin1", {**ITEM, "id": "TS-LANSIA-BALI"})
    assert st == 201, created
    assert api.post("/ops/catalog/items", "admin1", {**ITEM, "id": "TS-LANSIA-BALI"})[0] == 409
    worker.drain()
    st, res = api.get("/catalog/search?q=lansia%20bali")
    assert res["items"] and res["items"][0]["id"] == "TS-LANSIA-BALI"
    st, upd = api.put("/ops/catalog/items/TS-LANSIA-BALI", "admin1", {**ITEM, "title": "Penduduk Manula Bali 2025"})
    assert st == 200
    worker.drain()
    st, res = api.get("/catalog/search?q=manula")
    assert [i["id"] for i in res["items"]] == ["TS-LANSIA-BALI"]
    st, bad = api.post("/ops/catalog/items", "admin1", {**ITEM, "price_idr": 5000})  # open items are free
    assert st == 400


def test_bulk_import_cli(aws_env, tmp_path, capsys):
    from scripts.catalog import main

    rows = [dict(ITEM, id=f"TS-IMP-{i}", title=f"Statistik Impor Beras {i}") for i in range(5)]
    bad = ['{"type": "table_static"}', "not json", json.dumps(dict(ITEM, id="TS-IMP-0"))]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join([json.dumps(r) for r in rows] + bad) + "\n")
    assert main(["import", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "line 6:" in out and "line 7: invalid JSON" in out and "line 8: duplicate id TS-IMP-0" in out
    from chalicelib.catalog.models import CatalogRecord

    assert CatalogRecord.count() == 0  # dry run wrote nothing
    main(["import", str(path)])
    main(["import", str(path)])  # idempotent upsert
    assert CatalogRecord.count() == 5
    csv_path = tmp_path / "items.csv"
    csv_path.write_text("type,title,subject,year,release_date,region\n"
                        "publication,Statistik Indonesia 2026,Sosial Budaya,2026,2026-02-28,Indonesia\n"
                        "publication,,Sosial Budaya,2026,2026-02-28,Indonesia\n")
    assert main(["import", str(csv_path)]) == 1
    assert "line 3:" in capsys.readouterr().out
    assert CatalogRecord.count() == 6


def test_blank_series_id_is_invalid_not_a_500(api, aws_env):
    for bad in ("", "   ", "a b"):
        st, body = api.post("/ops/catalog/items", "admin1", {**ITEM, "series_id": bad})
        assert st == 400, (bad, body)


def test_a_snapshot_of_an_older_schema_is_rebuilt_from_the_table(api, worker, aws_env, monkeypatch):
    """After a deployment that changes the index schema, the snapshot in S3 is one the new code cannot open: the tick
    asks the catalog worker for a rebuild from the catalog table (and stops asking once it is done), and an update
    arriving first rebuilds too, its own change included."""
    monkeypatch.setenv("SEARCH_REFRESH_S", "0")
    from chalicelib.catalog import service
    from chalicelib.catalog.search import engine
    from chalicelib.core.config import reset_settings
    from chalicelib.fulfilment.tick import tick

    reset_settings()
    service.reset()
    items = _publish(40)
    store = service.snapshot_store()
    with monkeypatch.context() as old_release:  # what the previous release left: schema 3, part of the catalog
        old_release.setattr(engine, "SCHEMA_VERSION", engine.SCHEMA_VERSION - 1)
        service.rebuild_index(items[:5])
    assert store.current()["schema_version"] == engine.SCHEMA_VERSION - 1
    st, res = api.get("/catalog/search?q=")
    assert st == 200 and res["total"] == 0  # the new code cannot load it: an empty catalog, never an error

    assert tick()["search_schema"] == {"rebuild_requested": 1}
    assert tick()["search_schema"] == {"rebuild_requested": 1}  # asked again until it is done: a lost send retried
    worker.drain()
    manifest = store.current()
    assert manifest["schema_version"] == engine.SCHEMA_VERSION and manifest["doc_count"] == len(items)
    rebuilt = manifest["version"]
    assert api.get("/catalog/search?q=")[1]["total"] == len(items)
    assert tick()["search_schema"] == {"rebuild_requested": 0}
    worker.drain()
    assert store.current()["version"] == rebuilt  # the second request found the work done

    # an update reaching a stale snapshot first: rebuilt, with the update
    with monkeypatch.context() as old_release:
        old_release.setattr(engine, "SCHEMA_VERSION", engine.SCHEMA_VERSION - 1)
        service.rebuild_index(items[:5])
    st, created = api.post("/ops/catalog/items", "admin1", {**ITEM, "id": "TS-LANSIA-BALI"})
    assert st == 201, created
    worker.drain()
    manifest = store.current()
    assert manifest["schema_version"] == engine.SCHEMA_VERSION and manifest["doc_count"] == len(items) + 1
    st, res = api.get("/catalog/search?q=lansia%20bali")
    assert [i["id"] for i in res["items"]] == ["TS-LANSIA-BALI"]


def test_two_catalog_workers_at_once_both_keep_their_update(api, aws_env, monkeypatch):
    """The catalog queue's event source runs two invocations at once. One starts from the current snapshot; the other
    publishes its update meanwhile; the first must not then publish an index without that update (publishing is a
    compare-and-swap on current.json: it applies its items again on the new snapshot)."""
    monkeypatch.setenv("SEARCH_REFRESH_S", "0")
    from chalicelib.catalog import service
    from chalicelib.catalog import worker as catalog_worker
    from chalicelib.catalog.search.snapshot import SnapshotStore
    from chalicelib.core.config import reset_settings

    reset_settings()
    service.reset()
    items = _publish(30)
    for item_id, title in (("TS-LANSIA-BALI", ITEM["title"]), ("TS-MANULA-NTB", "Penduduk Manula Nusa Tenggara Barat")):
        assert api.post("/ops/catalog/items", "admin1", {**ITEM, "id": item_id, "title": title})[0] == 201
    real_download = SnapshotStore.download
    other_published: list[str | None] = []

    def download(self, version, dest_root):
        path = real_download(self, version, dest_root)
        if not other_published:  # the second invocation runs start to finish while the first holds this snapshot
            other_published.append(None)
            other_published[0] = catalog_worker.apply_index_updates([{"upserts": ["TS-MANULA-NTB"]}])
        return path

    monkeypatch.setattr(SnapshotStore, "download", download)
    final = catalog_worker.apply_index_updates([{"upserts": ["TS-LANSIA-BALI"]}])
    manifest = service.snapshot_store().current()
    assert manifest["version"] == final != other_published[0] and manifest["doc_count"] == len(items) + 2
    assert [i["id"] for i in api.get("/catalog/search?q=lansia%20bali")[1]["items"]] == ["TS-LANSIA-BALI"]
    assert [i["id"] for i in api.get("/catalog/search?q=manula")[1]["items"]] == ["TS-MANULA-NTB"]

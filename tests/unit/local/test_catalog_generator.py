"""Demo catalog generator and the BPS region table."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import re
import unicodedata

import pytest

from chalicelib.catalog import regions
from chalicelib.catalog.search.engine import ITEM_TYPES as ENGINE_TYPES
from local.catalog_generator import (
    ITEM_TYPES,
    SUBJECTS,
    TYPE_PREFIX,
    generate_items,
    read_jsonl,
    write_jsonl,
)

KEYS = {
    "id", "type", "title", "abstract", "subject", "region_code", "region", "level", "year", "period",
    "format", "size_bytes", "price_idr", "access", "release_date", "series_id",
}
FORMATS = {
    "table_static": {"xlsx", "csv", "pdf"},
    "table_dynamic": {"xlsx", "csv"},
    "publication": {"pdf"},
    "microdata": {"sav", "dta", "csv"},
    "map": {"shp", "pdf"},
}


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return list(generate_items(5000, seed=42))


# ---- regions -------------------------------------------------------------------------------


def test_38_provinces_with_bps_codes():
    provs = regions.provinces()
    assert len(provs) == 38
    codes = [p.code for p in provs]
    assert len(set(codes)) == 38 and all(re.fullmatch(r"[1-9][0-9]", c) for c in codes)
    by_code = {p.code: p.name for p in provs}
    assert by_code["31"] == "DKI Jakarta"
    assert by_code["32"] == "Jawa Barat"
    assert by_code["35"] == "Jawa Timur"
    assert by_code["11"] == "Aceh"
    assert {"Papua", "Papua Barat", "Papua Barat Daya", "Papua Selatan", "Papua Tengah", "Papua Pegunungan"} <= set(
        by_code.values()
    )


def test_regencies_belong_to_their_province_and_have_capital():
    for prov in regions.provinces():
        kids = regions.regencies(prov.code)
        assert len(kids) >= 4, prov.name
        for kid in kids:
            assert re.fullmatch(r"[0-9]{4}", kid.code) and kid.code.startswith(prov.code)
            assert kid.level == regions.LEVEL_REGENCY and kid.province_code == prov.code
            assert kid.name.startswith("Kota ") == (kid.code[2] == "7")
            assert kid.name.startswith(("Kota ", "Kabupaten "))
        assert regions.capital(prov.code) in kids
    assert regions.get("3171").name == "Kota Jakarta Selatan"
    assert regions.get("3273").name == "Kota Bandung"
    assert regions.get("3204").name == "Kabupaten Bandung"
    assert regions.get("3578").name == "Kota Surabaya"
    assert regions.province_of("3578").name == "Jawa Timur"
    assert regions.province_of("0000") is None


def test_region_names_and_codes_unique():
    all_regions = regions.all_regions()
    assert len({r.code for r in all_regions}) == len(all_regions)
    assert len({r.name for r in all_regions}) == len(all_regions)
    assert regions.national().code == "0000" and regions.national().name == "Indonesia"
    assert len(regions.regencies()) >= 300


# ---- generator -----------------------------------------------------------------------------


def test_deterministic_and_prefix_stable(items):
    again = list(generate_items(5000, seed=42))
    assert again == items
    assert list(itertools.islice(generate_items(20000, seed=42), 5000)) == items
    other = list(generate_items(200, seed=7))
    assert [i["title"] for i in other] != [i["title"] for i in items[:200]]


def test_item_shape_and_domains(items):
    assert ITEM_TYPES == ENGINE_TYPES
    ids = set()
    for it in items:
        assert set(it) == KEYS
        assert it["type"] in ITEM_TYPES
        assert re.fullmatch(rf"{TYPE_PREFIX[it['type']]}-[0-9]{{7}}", it["id"]), it["id"]
        ids.add(it["id"])
        assert it["subject"] in SUBJECTS
        reg = regions.get(it["region_code"])
        assert reg is not None and reg.name == it["region"] and reg.level == it["level"]
        assert 2015 <= it["year"] <= 2025
        assert str(it["year"]) in it["period"] or it["type"] == "table_dynamic"
        release = dt.date.fromisoformat(it["release_date"])
        assert dt.date(2015, 1, 1) <= release <= dt.date(2025, 10, 31)
        assert it["format"] in FORMATS[it["type"]]
        assert it["size_bytes"] > 0 and it["price_idr"] >= 0
        assert it["title"].strip() and it["abstract"].strip()
        assert it["series_id"] is None or isinstance(it["series_id"], str)
        if it["type"] == "microdata":
            assert it["access"] == "restricted" and it["price_idr"] > 0
        elif it["access"] == "open":
            assert it["price_idr"] == 0
        else:
            assert it["access"] == "paid" and it["price_idr"] > 0
    assert len(ids) == len(items)


def test_realistic_mix(items):
    counts = collections.Counter(it["type"] for it in items)
    assert set(counts) == set(ITEM_TYPES)
    assert counts["table_static"] + counts["table_dynamic"] > 0.6 * len(items)
    assert counts["table_static"] > counts["publication"] > counts["microdata"]
    levels = collections.Counter(it["level"] for it in items)
    assert set(levels) == {"nasional", "provinsi", "kabupaten_kota"}
    assert len({it["region_code"][:2] for it in items if it["level"] != "nasional"}) == 38
    assert len({it["subject"] for it in items}) >= 20
    assert len({it["year"] for it in items}) == 11
    # mostly free/open, some paid
    paid = sum(1 for it in items if it["access"] == "paid")
    assert 0.03 * len(items) < paid < 0.3 * len(items)
    maps = [it for it in items if it["type"] == "map"]
    assert sum(1 for m in maps if m["access"] == "paid") > len(maps) / 2


def test_titles_use_bps_vocabulary(items):
    titles = [it["title"] for it in items]
    assert any(t.startswith("Indeks Harga Konsumen Kota ") for t in titles)
    assert any("Menurut Kelompok Umur dan Jenis Kelamin" in t for t in titles)
    assert any(t.startswith("Survei Sosial Ekonomi Nasional (Susenas)") for t in titles)
    assert any(t.startswith("Peta Wilkerstat Kecamatan ") for t in titles)
    assert any("Dalam Angka" in t for t in titles)
    assert any(re.search(r"Triwulan (I|II|III|IV) 20\d\d", t) for t in titles)
    # few duplicate titles at demo scale
    dups = len(titles) - len(set(titles))
    assert dups < 0.02 * len(titles)


def test_accented_variants_present(items):
    accented = [it["title"] for it in items if any(unicodedata.combining(c) for c in
                                                   unicodedata.normalize("NFKD", it["title"]))
                and "²" not in it["title"]]
    assert len(accented) >= 10
    assert any("Édisi" in t for t in accented)


def test_series_ids_group_recurring_items(items):
    series = collections.defaultdict(list)
    for it in items:
        if it["series_id"]:
            series[it["series_id"]].append(it)
    recurring = [v for v in series.values() if len(v) >= 2]
    assert len(recurring) >= 50
    for group in recurring:
        assert len({(g["type"], g["subject"], g["region_code"]) for g in group}) == 1


def test_jsonl_roundtrip(tmp_path, items):
    path = tmp_path / "catalog.jsonl"
    assert write_jsonl(str(path), 300, seed=42) == 300
    assert list(read_jsonl(str(path))) == items[:300]
    assert "Édisi" in path.read_text(encoding="utf-8")  # UTF-8, not \\u escapes


def test_negative_n_rejected():
    with pytest.raises(ValueError):
        list(generate_items(-1))

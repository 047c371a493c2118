"""Catalog search: text analysis, Tantivy index (ranking, filters, facets, paging, updates), S3 snapshots."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from chalicelib.catalog import regions
from chalicelib.catalog.search import engine as engine_mod
from chalicelib.catalog.search import text
from chalicelib.catalog.search.engine import ITEM_TYPES, SearchIndex
from chalicelib.catalog.search.snapshot import SearchService, SearchUnavailable, SnapshotStore
from local.catalog_generator import generate_items


def mk(item_id: str, type_: str, title: str, **kw) -> dict:
    item = {
        "id": item_id, "type": type_, "title": title,
        "abstract": kw.pop("abstract", f"Data {title.lower()} dari Badan Pusat Statistik."),
        "subject": "Sosial Budaya", "region_code": "0000", "region": "Indonesia", "level": "nasional",
        "year": 2024, "period": "2024", "format": "pdf", "size_bytes": 1000, "price_idr": 0,
        "access": "open", "release_date": "2024-06-01", "series_id": None,
    }
    item.update(kw)
    return item


HAND = [
    mk("PB-9000001", "publication", "Indikator Kesejahteraan Petani 2024", subject="Pertanian"),
    mk("PB-9000002", "publication", "Indikator Kesejahteraan Petani Provinsi Jawa Timur 2024",
       subject="Pertanian", region_code="35", region="Jawa Timur", level="provinsi"),
    mk("TS-9000003", "table_static", "Kesejahteraan dan Indikator Petani Menurut Provinsi, 2024",
       subject="Pertanian", format="xlsx"),
    mk("TS-9000004", "table_static", "Statistik Kependudukan Kabupaten Sleman 2022", subject="Kependudukan",
       region_code="3404", region="Kabupaten Sleman", level="kabupaten_kota", year=2022,
       release_date="2023-02-01", abstract="Tabel ringkas untuk wilayah Sleman."),
    mk("TS-9000005", "table_static", "Jumlah Penduduk Kota Batu 2023", subject="Kependudukan",
       region_code="3579", region="Kota Batu", level="kabupaten_kota", year=2023, release_date="2024-03-01",
       abstract="Tabel ringkas untuk wilayah Batu."),
    mk("PB-9000006", "publication", "Statistik Pariwisata — Édisi Khusus 2023", subject="Pariwisata", year=2023,
       release_date="2023-12-01"),
    mk("TS-9000007", "table_static", "Inflasi Bulanan Kota Ambon, Januari 2024", subject="Inflasi",
       region_code="8171", region="Kota Ambon", level="kabupaten_kota", release_date="2024-02-01", format="csv"),
    mk("MD-9000008", "microdata", "Survei Angkatan Kerja Nasional (Sakernas) Agustus 2023",
       subject="Ketenagakerjaan", year=2023, access="restricted", price_idr=5_000_000, format="sav",
       release_date="2023-11-20"),
    mk("MP-9000009", "map", "Peta Wilkerstat Kecamatan Coblong, Kota Bandung — Sensus Penduduk 2020",
       subject="Geografi", region_code="3273", region="Kota Bandung", level="kabupaten_kota", year=2020,
       access="paid", price_idr=250_000, format="shp", release_date="2020-09-01"),
    mk("TD-9000010", "table_dynamic", "Luas Panen Padi Menurut Kabupaten/Kota, Provinsi Jawa Barat, 2018–2023",
       subject="Pertanian", region_code="32", region="Jawa Barat", level="provinsi", year=2023, format="xlsx"),
    mk("TS-9000011", "table_static", "Cafe dan Restoran Menurut Kabupaten/Kota, Provinsi Bali, 2022",
       subject="Pariwisata", region_code="51", region="Bali", level="provinsi", year=2022, format="xlsx"),
    mk("TS-9000012", "table_static", "Produksi Gabah Menurut Kecamatan, 2024", subject="Pertanian",
       abstract="Termasuk indikator kesejahteraan petani padi di setiap kecamatan.", format="xlsx"),
]
HAND_BY_ID = {h["id"]: h for h in HAND}


@pytest.fixture(scope="module")
def hand_index(tmp_path_factory) -> SearchIndex:
    return SearchIndex.build(HAND, str(tmp_path_factory.mktemp("hand")))


@pytest.fixture(scope="module")
def mixed_items() -> list[dict]:
    return list(generate_items(400, seed=3)) + HAND


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory, mixed_items) -> SearchIndex:
    return SearchIndex.build(mixed_items, str(tmp_path_factory.mktemp("mixed")))


def ids(result: dict) -> list[str]:
    return [i["id"] for i in result["items"]]


def all_results(index: SearchIndex, q: str = "", **filters) -> list[dict]:
    out: list[dict] = []
    page = 1
    while True:
        res = index.search(q, page=page, page_size=100, **filters)
        out.extend(res["items"])
        if not res["items"]:
            return out
        page += 1


# ---- text analysis ---------------------------------------------------------------------------


def test_fold_and_tokenize():
    assert text.fold("Édisi RÉVISI Café") == "edisi revisi cafe"
    assert text.tokenize("Statistik Pariwisata — Édisi Khusus (2023)") == [
        "statistik", "pariwisata", "edisi", "khusus", "2023"]
    assert text.tokenize("m-to-m; rata_rata") == ["m", "to", "m", "rata", "rata"]


def test_stemming_is_cached_and_matches_derivations():
    st = text.Stemmer()
    assert st.stem("kependudukan") == st.stem("penduduk")
    assert st.stem("pertanian") == st.stem("petani")
    assert st.stem("2023") == "2023" and st.stem("ibu") == "ibu"
    st.stem("kemiskinan")
    size = st.cache_size()
    st.stem("kemiskinan")
    assert st.cache_size() == size
    assert text.analyze("Jumlah Penduduk di Jawa Barat") == ["jumlah", st.stem("penduduk"), "jawa", "barat"]


def test_import_is_cheap():
    code = (
        "import sys; import chalicelib.catalog.search.snapshot, local.catalog_generator;"
        "print(sorted(m for m in ('tantivy','Sastrawi','boto3','botocore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.stdout.strip() == "[]"


# ---- ranking and matching --------------------------------------------------------------------


def test_exact_title_ranked_first(hand_index):
    for q in ("Indikator Kesejahteraan Petani 2024", "indikator kesejahteraan petani 2024",
              "INDIKATOR KESEJAHTERAAN PETANI"):
        res = hand_index.search(q)
        assert ids(res)[0] == "PB-9000001", q
        assert {"PB-9000002", "TS-9000003"} <= set(ids(res))
    res = hand_index.search("indikator kesejahteraan petani")
    scores = [i["score"] for i in res["items"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    # an item mentioning the words only in its abstract ranks after the title matches
    assert ids(res).index("TS-9000012") > ids(res).index("TS-9000003")


def test_exact_title_first_among_generated(mixed_index, mixed_items):
    counts = collections.Counter(i["title"] for i in mixed_items)
    targets = [i for i in mixed_items[:60] if counts[i["title"]] == 1]
    assert len(targets) > 40
    for target in targets:
        assert ids(mixed_index.search(target["title"]))[0] == target["id"], target["title"]


def test_the_query_as_a_phrase_of_the_title_is_boosted(tmp_path):
    """The phrase boost: every word pair of the query is a word pair of the title (``title_bi``). The item with the
    words in the query's order outranks a shorter title with the same words in another order; without that item,
    the other is still found (the boost only adds to the score)."""
    together = mk("MP-1", "map", "Peta Blok Sensus Kecamatan Coblong Kota Bandung Tahun 2024",
                  abstract="Peta wilayah kerja.")
    apart = mk("MP-2", "map", "Sensus Blok Peta Coblong", abstract="Peta wilayah kerja.")
    index = SearchIndex.build([together, apart], str(tmp_path / "phrase"))
    assert ids(index.search("peta blok sensus")) == ["MP-1", "MP-2"]
    assert ids(index.search("sensus blok peta")) == ["MP-2", "MP-1"]
    alone = SearchIndex.build([apart], str(tmp_path / "alone"))
    assert ids(alone.search("peta blok sensus")) == ["MP-2"]
    with open(os.path.join(index.directory, "meta.json"), encoding="utf-8") as fh:
        options = {f["name"]: f["options"]["indexing"]["record"] for f in json.load(fh)["schema"]
                   if f["type"] == "text" and f["options"].get("indexing")}
    assert options[engine_mod.F_TITLE] == "freq"  # no positions: the pairs decide the phrase


def test_stemming_finds_derived_forms(hand_index):
    assert {"TS-9000004", "TS-9000005"} <= set(ids(hand_index.search("kependudukan")))
    assert {"TS-9000004", "TS-9000005"} <= set(ids(hand_index.search("penduduk")))
    assert "TD-9000010" in ids(hand_index.search("pertanian padi"))  # subject "Pertanian" ~ "petani"


def test_all_terms_must_match(hand_index):
    assert ids(hand_index.search("penduduk batu")) == ["TS-9000005"]
    assert ids(hand_index.search("penduduk sleman")) == ["TS-9000004"]
    res = hand_index.search("penduduk di kota batu")  # stopword "di" is ignored
    assert ids(res) == ["TS-9000005"] and res["relaxed"] is False


def test_unknown_words_are_dropped_and_flagged(hand_index):
    res = hand_index.search("penduduk batu xyzzy")
    assert res["relaxed"] is True and ids(res) == ["TS-9000005"]
    res = hand_index.search("inflsi ambon")  # typo
    assert res["relaxed"] is True and ids(res) == ["TS-9000007"]
    res = hand_index.search("xyzzy")
    assert res["total"] == 0 and res["items"] == [] and res["relaxed"] is False
    # known words that never occur together: no result (all known terms are required)
    res = hand_index.search("sakernas ambon")
    assert res["total"] == 0 and res["relaxed"] is False


def test_accent_folding_both_ways(hand_index):
    assert ids(hand_index.search("edisi khusus")) == ["PB-9000006"]
    assert ids(hand_index.search("ÉDISI")) == ["PB-9000006"]
    assert ids(hand_index.search("Café restoran")) == ["TS-9000011"]
    item = hand_index.search("edisi")["items"][0]
    assert item["title"] == "Statistik Pariwisata — Édisi Khusus 2023"  # original text is returned


def test_prefix_on_last_term(hand_index):
    assert ids(hand_index.search("infl")) == ["TS-9000007"]
    assert ids(hand_index.search("inflasi")) == ["TS-9000007"]
    assert ids(hand_index.search("inflasi kota amb")) == ["TS-9000007"]
    assert set(ids(hand_index.search("kesejahteraan pet"))) >= {"PB-9000001", "PB-9000002", "TS-9000003"}
    res = hand_index.search("amb inflasi")  # only the last term is a prefix: "amb" is an unknown word
    assert res["relaxed"] is True
    assert hand_index.search("kota amb inflasi")["relaxed"] is True
    assert "MP-9000009" in ids(hand_index.search("wilk"))


def test_result_item_shape(hand_index):
    item = hand_index.search("sakernas")["items"][0]
    assert item == {
        "id": "MD-9000008", "type": "microdata", "title": "Survei Angkatan Kerja Nasional (Sakernas) Agustus 2023",
        "subject": "Ketenagakerjaan", "region": "Indonesia", "region_code": "0000", "year": 2023,
        "price_idr": 5_000_000, "access": "restricted", "format": "sav", "release_date": "2023-11-20",
        "score": item["score"],
    }
    assert isinstance(item["score"], float) and item["score"] > 0


def test_browse_sorted_by_release_date(mixed_index, mixed_items):
    res = mixed_index.search("", page_size=100)
    assert res["total"] == len(mixed_items)
    dates = [i["release_date"] for i in res["items"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == max(i["release_date"] for i in mixed_items)
    assert all(i["score"] is None for i in res["items"])
    assert mixed_index.search("   ")["total"] == len(mixed_items)
    assert mixed_index.search("!!! —")["total"] == len(mixed_items)


# ---- filters and facets ----------------------------------------------------------------------


def _prov_name(code: str) -> str:
    return regions.get(code[:2]).name


def _selected(values) -> list[str]:
    if values is None:
        return []
    return [str(v) for v in ([values] if isinstance(values, str | int) else values)]


def _matches(item: dict, name: str, values) -> bool:
    """The reference semantics of one facet selection (OR over its values)."""
    want = _selected(values)
    if not want:
        return True
    code = item["region_code"]
    folded = [text.fold(v) for v in want]
    if name == "type":
        return item["type"] in want
    if name == "subject":
        return text.fold(item["subject"]) in folded
    if name == "year":
        return str(item["year"]) in want
    if name == "region":
        return code in want or text.fold(item["region"]) in folded
    if name == "province":
        folded = [f.removeprefix("provinsi ") for f in folded]
        return code != "0000" and (code[:2] in want or text.fold(_prov_name(code)) in folded)
    if name == "regency":
        return len(code) == 4 and code != "0000" and (code in want or text.fold(item["region"]) in folded)
    raise AssertionError(name)


def _facet_key(item: dict, name: str) -> str | None:
    code = item["region_code"]
    if name == "province":
        return _prov_name(code) if code != "0000" else None
    if name == "regency":
        return item["region"] if len(code) == 4 and code != "0000" else None
    return str(item[name])


def expected_facets(items: list[dict], filters: dict | None = None) -> dict[str, dict[str, int]]:
    """Each facet counts the items that every *other* facet's selection lets through (multi-select facets)."""
    filters = filters or {}
    out: dict[str, dict[str, int]] = {}
    for name in engine_mod.FACETS:
        others = [(n, v) for n, v in filters.items() if n != name and n in engine_mod.FACETS]
        keys = [_facet_key(i, name) for i in items if all(_matches(i, n, v) for n, v in others)]
        out[name] = dict(collections.Counter(k for k in keys if k is not None))
    return out


def check_facets(res: dict, expected_items: list[dict], filters: dict | None = None, all_items=None) -> None:
    assert res["total"] == len(expected_items)
    for name in ("type", "subject", "region", "year"):
        if name not in (filters or {}):
            assert sum(res["facets"][name].values()) == res["total"], name
    got = {name: {k: v for k, v in counts.items() if v} for name, counts in res["facets"].items()}
    assert got == expected_facets(all_items if all_items is not None else expected_items, filters)


def test_facets_of_browse_equal_hand_counts(mixed_index, mixed_items):
    res = mixed_index.search("")
    check_facets(res, mixed_items)
    counts = list(res["facets"]["subject"].values())
    assert counts == sorted(counts, reverse=True)
    assert list(res["facets"]["year"]) == sorted(res["facets"]["year"], reverse=True)
    assert set(res["facets"]) == {"type", "subject", "region", "year", "province", "regency"}


FILTER_CASES = [
    {"type": "microdata"},
    {"type": "table_static"},
    {"subject": "Inflasi"},
    {"subject": "inflasi"},
    {"region": "32"},
    {"region": "Jawa Barat"},
    {"region": "jawa barat"},
    {"region": "0000"},
    {"year": 2023},
    {"year": "2023"},
    {"type": "table_static", "year": 2022},
    {"type": "publication", "region": "Indonesia", "subject": "Pertanian"},
    # multi-select: OR within a facet, AND across facets
    {"type": ["publication", "map"]},
    {"type": ["publication", "map"], "year": [2022, 2023]},
    {"subject": ["Inflasi", "Kependudukan"], "type": "table_static"},
    # a province includes its regencies/cities; the regency facet
    {"province": "32"},
    {"province": "Jawa Barat"},
    {"province": ["32", "35"], "type": "table_static"},
    {"province": "Provinsi Jawa Timur"},
    {"regency": "3273"},
    {"regency": ["Kota Bandung", "3578"]},
    {"province": "32", "regency": "3273"},
    {"province": "32", "region": "32"},
]


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_filters_and_their_facets(mixed_index, mixed_items, filters):
    expected = [i for i in mixed_items if all(_matches(i, n, v) for n, v in filters.items())]
    assert expected, "fixture should contain matching items"
    res = mixed_index.search("", **filters)
    check_facets(res, expected, filters, mixed_items)
    got = all_results(mixed_index, "", **filters)
    assert sorted(i["id"] for i in got) == sorted(i["id"] for i in expected)


def test_province_filter_includes_its_regencies_and_cities(mixed_index, mixed_items):
    got = all_results(mixed_index, "", province="32")
    codes = {i["region_code"] for i in got}
    assert "32" in codes and any(len(c) == 4 for c in codes)  # the province's own items and its regencies'
    assert all(c[:2] == "32" for c in codes)
    assert {i["id"] for i in got} >= {i["id"] for i in mixed_items if i["region_code"] == "3273"}
    res = mixed_index.search("", province="32")
    assert res["facets"]["province"]["Jawa Barat"] == len(got)  # the selection's own count
    assert "Jawa Timur" in res["facets"]["province"]  # the other provinces stay selectable
    assert set(res["facets"]["regency"]) == {i["region"] for i in got if len(i["region_code"]) == 4}


def test_selected_values_stay_in_their_facet(hand_index):
    res = hand_index.search("sakernas", type=["map", "microdata"])
    assert res["total"] == 1
    assert res["facets"]["type"] == {"microdata": 1, "map": 0}


def test_text_query_facets_equal_the_result_set(mixed_index, mixed_items):
    for q, filters in (("penduduk", {}), ("indeks", {"type": "table_static"}), ("a", {}),
                       ("pertanian", {"year": 2024}), ("kota", {"region": "Kota Bandung"}),
                       ("penduduk", {"type": ["table_static", "publication"], "province": "35"})):
        res = mixed_index.search(q, **filters)
        got = all_results(mixed_index, q, **filters)
        assert res["total"] == len(got) > 0, q
        assert len({i["id"] for i in got}) == len(got)
        unfiltered = {i["id"] for i in all_results(mixed_index, q)}
        pool = [i for i in mixed_items if i["id"] in unfiltered]
        check_facets(res, got, filters, pool)
        for key, value in filters.items():
            assert all(_matches(i, key, value) for i in got)


def test_unknown_filter_values_give_empty_result(mixed_index):
    for filters in ({"subject": "Tidak Ada"}, {"region": "9999"}, {"region": "Atlantis"}, {"province": "99"},
                    {"province": "Atlantis"}, {"regency": "32"}, {"regency": "Atlantis"}):
        res = mixed_index.search("", **filters)
        assert res["total"] == 0 and res["items"] == []
        assert res["facets"] == {name: {} for name in engine_mod.FACETS}
    res = mixed_index.search("", year=1999)
    assert res["total"] == 0 and res["items"] == [] and res["facets"]["year"]["1999"] == 0
    assert res["facets"]["year"]["2023"] > 0  # the other years stay selectable (OR within the facet)
    # one unknown value among known ones is simply no extra match (OR)
    assert mixed_index.search("", subject=["Inflasi", "Tidak Ada"])["total"] == mixed_index.search(
        "", subject="Inflasi")["total"]


# ---- sort ------------------------------------------------------------------------------------


def test_sort_by_title(mixed_index, mixed_items):
    got = all_results(mixed_index, "", sort="title")
    assert len(got) == len(mixed_items)
    keys = [text.fold(i["title"]) for i in got]
    assert keys == sorted(keys)
    assert [i["score"] for i in got[:3]] == [None, None, None]
    filtered = all_results(mixed_index, "penduduk", sort="title", type="table_static")
    keys = [text.fold(i["title"]) for i in filtered]
    assert len(keys) > 5 and keys == sorted(keys)
    assert {i["id"] for i in filtered} == {i["id"] for i in all_results(mixed_index, "penduduk", type="table_static")}


@pytest.mark.parametrize("title", ["Statistik Pariwisata — Édisi Khusus 2023", "ABC def", "ﬁne Title", "İstanbul", "a",
                                   "Peta Wilkerstat Kecamatan Coblong, Kota Bandung", "ÀÉÎÕÜ çñ ß", "x" * 1000])
def test_title_column_restores_the_title_and_sorts_folded(title):
    key = engine_mod.title_sort_key(title)
    assert engine_mod.title_from_key(key) == title
    assert key.startswith(text.fold(title))


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60))
def test_title_column_round_trips_any_text(title):
    assert engine_mod.title_from_key(engine_mod.title_sort_key(title)) == title


def test_sort_title_ignores_case_and_accents(tmp_path):
    items = [mk("X-3", "publication", "zebra"), mk("X-1", "publication", "Édisi Khusus"),
             mk("X-2", "publication", "apel Malang"), mk("X-4", "publication", "Buah")]
    index = SearchIndex.build(items, str(tmp_path / "t"))
    assert ids(index.search("", sort="title")) == ["X-2", "X-4", "X-1", "X-3"]


def test_sort_newest_for_a_text_query(mixed_index):
    res = all_results(mixed_index, "penduduk", sort="newest")
    dates = [i["release_date"] for i in res]
    assert len(dates) > 5 and dates == sorted(dates, reverse=True)
    assert all(i["score"] is None for i in res)
    ranked = mixed_index.search("penduduk")
    assert ranked["sort"] == "relevance" and ranked["items"][0]["score"] is not None
    scores = [i["score"] for i in ranked["items"]]
    assert scores == sorted(scores, reverse=True)
    assert {i["id"] for i in res} == {i["id"] for i in all_results(mixed_index, "penduduk")}


def test_sort_pages_do_not_overlap(mixed_index):
    for sort in ("title", "newest"):
        first = mixed_index.search("", sort=sort, page=1, page_size=7)
        second = mixed_index.search("", sort=sort, page=2, page_size=7)
        assert not set(ids(first)) & set(ids(second)) and len(ids(second)) == 7


def test_empty_index(tmp_path):
    index = SearchIndex.build([], str(tmp_path / "empty"))
    assert index.doc_count() == 0
    for q in ("", "penduduk", "p"):
        for sort in engine_mod.SORTS:
            res = index.search(q, sort=sort)
            assert res["total"] == 0 and res["items"] == []
            assert res["facets"] == {name: {} for name in engine_mod.FACETS}


def test_parallel_and_serial_paths_agree(mixed_index):
    serial = SearchIndex.open(mixed_index.directory, parallel=False)
    for q in ("", "penduduk", "indeks harga", "p"):
        assert serial.search(q, page=2, page_size=5) == mixed_index.search(q, page=2, page_size=5)


def test_concurrent_searches_agree_with_serial(mixed_index):
    queries = ["", "penduduk", "indeks harga", "p", "peta", "statistik indonesia"] * 5
    expected = {q: mixed_index.search(q, page_size=10) for q in set(queries)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda q: (q, mixed_index.search(q, page_size=10)), queries))
    for q, res in results:
        assert res == expected[q], q


# ---- pagination ------------------------------------------------------------------------------


def test_pagination_edges(mixed_index):
    total = mixed_index.search("penduduk")["total"]
    assert total > 14
    size = 7
    pages = -(-total // size)
    seen: list[str] = []
    for page in range(1, pages + 1):
        res = mixed_index.search("penduduk", page=page, page_size=size)
        assert res["total"] == total and res["page"] == page and res["page_size"] == size
        seen.extend(ids(res))
    assert len(seen) == total == len(set(seen))
    last = mixed_index.search("penduduk", page=pages, page_size=size)
    assert len(last["items"]) == total - size * (pages - 1)
    beyond = mixed_index.search("penduduk", page=pages + 1, page_size=size)
    assert beyond["items"] == [] and beyond["total"] == total
    assert sum(beyond["facets"]["type"].values()) == total
    far = mixed_index.search("penduduk", page=10**6, page_size=100)
    assert far["items"] == [] and far["total"] == total
    one = mixed_index.search("penduduk", page_size=1)
    assert len(one["items"]) == 1
    assert len(mixed_index.search("", page_size=100)["items"]) == 100


def test_deep_pages_are_refused_only_inside_the_result_set(mixed_index, monkeypatch):
    monkeypatch.setattr(engine_mod, "MAX_RESULT_WINDOW", 50)
    with pytest.raises(ValueError, match="halaman"):
        mixed_index.search("", page=10, page_size=10)
    assert mixed_index.search("", page=50, page_size=10)["items"] == []  # beyond the end: fine


@pytest.mark.parametrize("kwargs", [
    {"page": 0}, {"page": -1}, {"page": "x"}, {"page": 1.5}, {"page": True},
    {"page_size": 0}, {"page_size": 101}, {"page_size": -5},
    {"q": "a" * 201}, {"q": 5},
    {"type": "tabel"}, {"type": "TABLE_STATIC"}, {"year": "dua ribu"}, {"year": 99999},
    {"subject": 12}, {"region": "x" * 300}, {"sort": "harga"}, {"type": ["map", "tabel"]},
    {"region": ["32"] * 51}, {"year": [2020, "x"]},
])
def test_bad_parameters_raise_value_error(hand_index, kwargs):
    with pytest.raises(ValueError):
        hand_index.search(**kwargs)


def test_limits_are_accepted(hand_index):
    assert hand_index.search("a" * 200)["total"] == 0
    assert hand_index.search("", page_size=100)["page_size"] == 100
    assert set(ITEM_TYPES) == {"table_static", "table_dynamic", "publication", "microdata", "map"}


# ---- building and incremental updates --------------------------------------------------------


def test_build_validates_items_and_dedupes_ids(tmp_path):
    with pytest.raises(ValueError):
        SearchIndex.build([mk("X-1", "book", "Judul")], str(tmp_path / "a"))
    with pytest.raises(ValueError):
        SearchIndex.build([mk("X-1", "publication", "")], str(tmp_path / "b"))
    with pytest.raises(ValueError):
        SearchIndex.build([{**mk("X-1", "publication", "Judul"), "year": "2024"}], str(tmp_path / "c"))
    index = SearchIndex.build(
        [mk("X-1", "publication", "Judul Lama"), mk("X-2", "publication", "Lain"),
         mk("X-1", "publication", "Judul Baru")], str(tmp_path / "d"))
    assert index.doc_count() == 2
    assert ids(index.search("judul")) == ["X-1"]
    assert index.search("judul")["items"][0]["title"] == "Judul Baru"
    with pytest.raises(FileExistsError):
        SearchIndex.build(HAND, str(tmp_path / "d"))


def test_apply_changes_edit_and_delete(tmp_path):
    directory = str(tmp_path / "idx")
    index = SearchIndex.build(HAND, directory)
    assert index.doc_count() == len(HAND)
    before = index.search("")  # fills the browse caches, which a commit must invalidate
    assert "Perikanan" not in before["facets"]["subject"] and before["items"][0]["release_date"] == "2024-06-01"
    edited = {**HAND_BY_ID["TS-9000007"], "title": "Inflasi Bulanan Kota Ternate, Januari 2024",
              "abstract": "Inflasi bulanan menurut kelompok pengeluaran.", "region_code": "8271",
              "region": "Kota Ternate"}
    new = mk("PB-9000099", "publication", "Statistik Perikanan Tangkap 2024", subject="Perikanan")
    index.apply_changes([edited, new], ["TS-9000005"])
    assert index.doc_count() == len(HAND)
    assert ids(index.search("ternate")) == ["TS-9000007"]
    assert index.search("ambon")["total"] == 0
    assert index.search("inflasi")["total"] == 1
    assert "TS-9000005" not in ids(index.search("penduduk"))
    res = index.search("", subject="Perikanan")
    assert ids(res) == ["PB-9000099"] and res["facets"]["subject"]["Perikanan"] == 1 and res["total"] == 1
    assert index.search("", region="Kota Ternate")["total"] == 1
    after = index.search("")
    assert after["facets"]["subject"]["Perikanan"] == 1 and after["total"] == len(HAND)
    assert "TS-9000005" not in ids(after)
    # persisted: a fresh open sees the same state, including the new vocabulary entries
    reopened = SearchIndex.open(directory)
    assert reopened.doc_count() == len(HAND)
    assert ids(reopened.search("perikanan tangkap")) == ["PB-9000099"]
    assert reopened.search("", region="8271")["facets"]["regency"] == {"Kota Ternate": 1}
    assert sorted(i["id"] for i in all_results(reopened)) == sorted(
        [h["id"] for h in HAND if h["id"] != "TS-9000005"] + ["PB-9000099"])
    # invalid batch: nothing is applied
    with pytest.raises(ValueError):
        index.apply_changes([mk("PB-9000100", "publication", "Sah"), mk("Z", "buku", "Tidak sah")], [])
    assert index.search("sah")["total"] == 0 and index.doc_count() == len(HAND)
    index.apply_changes([], ["PB-9000099", "TIDAK-ADA"])
    assert index.doc_count() == len(HAND) - 1 and index.search("perikanan")["total"] == 0


# ---- snapshots on S3 (moto) ------------------------------------------------------------------


@pytest.fixture
def s3(monkeypatch):
    for var, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "ap-southeast-3")):
        monkeypatch.setenv(var, value)
    with mock_aws():
        client = boto3.client("s3", region_name="ap-southeast-3")
        client.create_bucket(Bucket="silastik-data",
                             CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"})
        yield client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_snapshot_publish_and_download(s3, tmp_path):
    built = SearchIndex.build(HAND, str(tmp_path / "build"))
    store = SnapshotStore(s3, "silastik-data", compression="gzip")
    assert store.current_version() is None
    version = store.publish(built.directory)
    assert store.current_version() == version
    manifest = json.loads(s3.get_object(Bucket="silastik-data", Key="search/current.json")["Body"].read())
    assert manifest["version"] == version and manifest["doc_count"] == len(HAND)
    assert manifest["key"] == f"search/snapshots/{version}.tar.gz" and manifest["built_at"]
    assert manifest["compression"] == "gzip"
    head = s3.head_object(Bucket="silastik-data", Key=manifest["key"])
    assert head["ContentLength"] == manifest["size_bytes"]
    path = store.download(version, str(tmp_path / "local"))
    assert path == str(tmp_path / "local" / version)
    assert not any(n.startswith(".") for n in os.listdir(tmp_path / "local"))
    opened = SearchIndex.open(path)
    assert opened.doc_count() == len(HAND)
    assert opened.search("edisi") == built.search("edisi")
    assert store.download(version, str(tmp_path / "local")) == path  # already there
    with pytest.raises(ValueError):
        store.download("../../etc", str(tmp_path / "local"))


def test_snapshot_corruption_is_detected(s3, tmp_path):
    built = SearchIndex.build(HAND[:3], str(tmp_path / "build"))
    store = SnapshotStore(s3, "silastik-data", prefix="idx")
    version = store.publish(built.directory)
    key = store.snapshot_key(version)
    assert key.startswith("idx/snapshots/")
    head = s3.head_object(Bucket="silastik-data", Key=key)
    body = s3.get_object(Bucket="silastik-data", Key=key)["Body"].read()
    middle = len(body) // 2
    tampered = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1:]
    s3.put_object(Bucket="silastik-data", Key=key, Body=tampered, Metadata=head["Metadata"])
    with pytest.raises(ValueError, match="corrupt"):
        store.download(version, str(tmp_path / "local"))
    assert os.listdir(tmp_path / "local") == []
    # a plain (uncompressed) tar whose bytes changed but still extracts: caught by the digest
    plain = SnapshotStore(s3, "silastik-data", prefix="plain/", compression="none")
    version = plain.publish(built.directory)
    key = plain.snapshot_key(version)
    assert key.endswith(".tar")
    head = s3.head_object(Bucket="silastik-data", Key=key)
    body = s3.get_object(Bucket="silastik-data", Key=key)["Body"].read()
    tampered = body.replace(b"Pertanian", b"Pertanean")  # a subject in the vocabulary file
    assert tampered != body
    s3.put_object(Bucket="silastik-data", Key=key, Body=tampered, Metadata=head["Metadata"])
    with pytest.raises(ValueError, match="sha256"):
        plain.download(version, str(tmp_path / "local2"))


def test_plain_and_gzip_snapshots_are_interchangeable(s3, tmp_path):
    built = SearchIndex.build(HAND, str(tmp_path / "build"))
    plain = SnapshotStore(s3, "silastik-data", compression="none")
    version = plain.publish(built.directory)
    reader = SnapshotStore(s3, "silastik-data")  # gzip by default: falls back to the .tar object
    assert reader.current_version() == version
    path = reader.download(version, str(tmp_path / "local"))
    assert SearchIndex.open(path).search("sakernas")["total"] == 1
    with pytest.raises(ValueError):
        SnapshotStore(s3, "silastik-data", compression="brotli")


def test_zstd_is_the_default_and_every_format_reads_back(s3, tmp_path):
    built = SearchIndex.build(HAND, str(tmp_path / "build"))
    store = SnapshotStore(s3, "silastik-data")
    version = store.publish(built.directory)
    manifest = json.loads(s3.get_object(Bucket="silastik-data", Key="search/current.json")["Body"].read())
    assert manifest["compression"] == "zstd" and manifest["key"] == f"search/snapshots/{version}.tar.zst"
    body = s3.get_object(Bucket="silastik-data", Key=manifest["key"])["Body"].read()
    assert body[:4] == b"\x28\xb5\x2f\xfd"  # a zstd frame
    for compression in ("zstd", "gzip", "none"):
        reader = SnapshotStore(s3, "silastik-data", compression=compression)  # falls back to the .tar.zst
        path = reader.download(version, str(tmp_path / f"local-{compression}"))
        assert SearchIndex.open(path).search("sakernas") == built.search("sakernas")
    # a zstd snapshot cut short is corrupt, not a crash
    key = store.snapshot_key(version)
    head = s3.head_object(Bucket="silastik-data", Key=key)
    s3.put_object(Bucket="silastik-data", Key=key, Body=body[: len(body) // 2], Metadata=head["Metadata"])
    with pytest.raises(ValueError, match="corrupt"):
        store.download(version, str(tmp_path / "local-cut"))


def test_a_snapshot_downloads_in_ranges_in_parallel_and_checks_every_part(s3, tmp_path, monkeypatch):
    from chalicelib.catalog.search import snapshot as snapshot_mod

    built = SearchIndex.build(HAND, str(tmp_path / "build"))
    store = SnapshotStore(s3, "silastik-data", compression="none")  # plain: every byte lands in a file
    version = store.publish(built.directory)
    key = store.snapshot_key(version)
    size = s3.head_object(Bucket="silastik-data", Key=key)["ContentLength"]
    monkeypatch.setattr(snapshot_mod, "PART_BYTES", 4096)
    assert size > 5 * 4096  # the first part and several ranged ones
    ranges: list[str] = []
    real_get = s3.get_object

    def spy(**kwargs):
        ranges.append(kwargs.get("Range", ""))
        return real_get(**kwargs)

    monkeypatch.setattr(s3, "get_object", spy)
    path = store.download(version, str(tmp_path / "local"))
    assert SearchIndex.open(path).search("sakernas") == built.search("sakernas")
    assert ranges[0] == "bytes=0-4095" and len(ranges) == -(-size // 4096)
    assert sorted(int(r.split("=")[1].split("-")[0]) for r in ranges) == list(range(0, size, 4096))
    # one byte changed in a later part: the digest over all parts catches it, nothing is left behind
    body = real_get(Bucket="silastik-data", Key=key)["Body"].read()
    head = s3.head_object(Bucket="silastik-data", Key=key)
    at = size - 100
    s3.put_object(Bucket="silastik-data", Key=key, Body=body[:at] + bytes([body[at] ^ 0x01]) + body[at + 1:],
                  Metadata=head["Metadata"])
    with pytest.raises(ValueError, match="corrupt"):
        store.download(version, str(tmp_path / "local2"))
    assert os.listdir(tmp_path / "local2") == []


def test_preload_overlaps_the_first_load_and_hands_its_outcome_to_index(s3, tmp_path):
    store = SnapshotStore(s3, "silastik-data")
    service = SearchService(store, local_root=str(tmp_path / "lambda-tmp"), refresh_seconds=30, clock=FakeClock())
    assert service.preload() is True  # nothing published yet: the thread's failure is index()'s
    with pytest.raises(SearchUnavailable):
        service.index()
    version = store.publish(SearchIndex.build(HAND, str(tmp_path / "b1")).directory)
    assert service.preload() is True
    loaded = service.index()  # waits for the thread's load
    assert service.version == version and loaded.search("sakernas")["total"] == 1
    assert service.preload() is False  # loaded: nothing to overlap
    assert service.index() is loaded


def test_stored_fields_are_only_what_the_result_list_needs(hand_index):
    """The index stays small: the stored document is the id, nothing else (the title comes from its column)."""
    with open(os.path.join(hand_index.directory, "meta.json"), encoding="utf-8") as fh:
        meta = json.load(fh)
    assert meta["index_settings"]["sort_by_field"]["field"] == engine_mod.F_TSY
    assert meta["index_settings"]["docstore_blocksize"] == engine_mod.DOCSTORE_BLOCKSIZE
    stored = [f["name"] for f in meta["schema"] if f["options"].get("stored")]
    assert stored == [engine_mod.F_DOC]
    assert len(meta["segments"]) == 1  # one term dictionary and doc store, not one per indexing thread
    item = hand_index.search("sakernas")["items"][0]
    assert item["id"] == "MD-9000008" and item["price_idr"] == 5_000_000 and item["year"] == 2023


def test_search_service_loads_lazily_and_swaps_after_refresh(s3, tmp_path):
    store = SnapshotStore(s3, "silastik-data")
    clock = FakeClock()
    service = SearchService(store, local_root=str(tmp_path / "lambda-tmp"), refresh_seconds=30, clock=clock)
    with pytest.raises(SearchUnavailable):
        service.index()

    v1 = store.publish(SearchIndex.build(HAND[:6], str(tmp_path / "b1")).directory)
    first = service.index()
    assert service.version == v1 and first.doc_count() == 6
    assert first.search("sakernas")["total"] == 0

    v2 = store.publish(SearchIndex.build(HAND, str(tmp_path / "b2")).directory)
    assert v2 > v1
    clock.now += 29
    assert service.index() is first  # not re-checked yet
    clock.now += 2
    second = service.index()
    assert second is not first and service.version == v2
    assert second.doc_count() == len(HAND) and second.search("sakernas")["total"] == 1
    assert sorted(os.listdir(tmp_path / "lambda-tmp")) == [v2]  # old version cleaned up
    clock.now += 31
    assert service.index() is second  # same version: no reload

    # S3 trouble during a refresh: keep serving what is loaded
    def broken() -> str:
        raise RuntimeError("S3 tidak dapat dihubungi")

    store.current_version = broken  # type: ignore[method-assign]
    clock.now += 31
    assert service.index() is second


def test_facet_columns_are_unsigned_and_small_enough_for_tantivys_counting_array(hand_index, tmp_path):
    """The two aggregated columns are u64 and ``tsy`` stays below 8,000,000 for every type, subject and year the
    index accepts: Tantivy then counts buckets in an array; an i64 column (sign-bit-mapped) or a larger key takes
    its hash map, ~25 % slower over a near-everything result (``bench/bench_search.py``)."""
    with open(os.path.join(hand_index.directory, "meta.json"), encoding="utf-8") as fh:
        fields = {f["name"]: f for f in json.load(fh)["schema"]}
    assert fields[engine_mod.F_TSY]["type"] == "u64" and fields[engine_mod.F_REGION_O]["type"] == "u64"
    largest = ((len(ITEM_TYPES) - 1) << engine_mod._TSY_TYPE_SHIFT
               | (engine_mod.MAX_SUBJECTS - 1) << engine_mod._TSY_SUBJECT_SHIFT | (2200 - engine_mod._YEAR_BASE))
    assert largest < 8_000_000
    # the key round-trips through the bucket decoding of the facets and of the result list
    index = SearchIndex.build([mk("X-1", "map", "Peta Kecamatan", year=2200)], str(tmp_path / "y2200"))
    item = index.search("peta")["items"][0]
    assert item["year"] == 2200 and item["type"] == "map"
    assert index.search("peta")["facets"]["year"] == {"2200": 1}


def test_a_catalog_past_the_subject_limit_is_refused_not_mis_faceted(tmp_path, monkeypatch):
    monkeypatch.setattr(engine_mod, "MAX_SUBJECTS", 2)
    items = [mk(f"X-{i}", "map", f"Peta {i}", subject=f"Subjek {i}") for i in range(3)]
    with pytest.raises(ValueError, match="more than 2 subjects"):
        SearchIndex.build(items, str(tmp_path / "many"))


def test_a_conditional_publish_refuses_to_replace_a_snapshot_it_did_not_start_from(s3, tmp_path):
    from chalicelib.catalog.search.snapshot import SnapshotConflict

    store = SnapshotStore(s3, "silastik-data")
    built = SearchIndex.build(HAND, str(tmp_path / "b1")).directory
    assert store.current_tagged() == (None, None)
    first = store.publish(built, expected=None)  # nothing published yet: only if still nothing
    with pytest.raises(SnapshotConflict):
        store.publish(built, expected=None)
    manifest, etag = store.current_tagged()
    assert manifest["version"] == first and etag
    second = store.publish(built, expected=etag)
    with pytest.raises(SnapshotConflict):
        store.publish(built, expected=etag)  # the ETag of a current.json that has been replaced since
    assert store.current()["version"] == second
    assert store.publish(built) != second  # unconditional (the CLI's full reindex): always replaces


def test_publishing_keeps_the_current_and_the_previous_snapshot_only(s3, tmp_path, monkeypatch):
    from chalicelib.catalog.search.snapshot import SnapshotConflict

    store = SnapshotStore(s3, "silastik-data")
    built = SearchIndex.build(HAND, str(tmp_path / "b1")).directory

    def stored() -> set[str]:
        return {o["Key"] for o in s3.list_objects_v2(Bucket="silastik-data", Prefix="search/snapshots/").get(
            "Contents", [])}

    versions = [store.publish(built) for _ in range(4)]
    assert stored() == {store.snapshot_key(v) for v in versions[-2:]}  # a container may still be loading the older
    assert store.current()["previous_key"] == store.snapshot_key(versions[-2])
    _, stale_tag = store.current_tagged()
    store.publish(built)
    with pytest.raises(SnapshotConflict):
        store.publish(built, expected=stale_tag)
    assert len(stored()) == 2  # refused before uploading
    stale = store.current_tagged()[0], stale_tag  # the race lost between that check and the write of current.json
    with monkeypatch.context() as m:
        m.setattr(store, "current_tagged", lambda: stale)
        with pytest.raises(SnapshotConflict):
            store.publish(built, expected=stale_tag)
    assert len(stored()) == 2  # the loser's upload deleted
    service = SearchService(store, local_root=str(tmp_path / "lambda-tmp"), refresh_seconds=30, clock=FakeClock())
    assert service.index().search("sakernas")["total"] == 1

"""Catalog search benchmark: build, size, cold load, warm latency with facets, peak RSS.

    .venv/bin/python bench/bench_search.py                 # 1,000,000 items (default)
    .venv/bin/python bench/bench_search.py --items 20000   # quick run

Steps: generate the demo catalog as JSON Lines (cached under bench/data/), build the index from
it (timed: JSONL parsing + analysis + indexing + commit), measure its size (and per Tantivy file
kind), tar it as a snapshot and time its extraction (zstd as published; gzip-1 and plain for
comparison), then start a fresh Python process that opens the index and runs the first query (cold
load), warms up and times the query mix below (every query computes facets), and reports its peak
RSS. Each query is timed on the wall clock (``search_p50_ms_1m``/``search_p95_ms_1m``) and in CPU
time of the whole process, both threads (``search_p95_cpu_ms_1m``): on a shared machine the wall clock
also measures the neighbours, the CPU time much less so; the load average is printed with them. Prints one ``BENCH name=value`` line per figure and merges the figures into
bench/results.json. The ``_1m`` suffix is kept whatever ``--items`` is; the item count is printed.

Query mix (``--queries`` timed queries, default 600, deterministic), each also run once as warm-up:
  rare 25 % (specific titles / regions), common 20 % (one frequent word), multi-word 20 %,
  prefix 15 % (incl. one- and two-letter prefixes "a", "in", "p"), near-everything 10 %
  (terms in most documents, browse-all), browse with filters 10 %;
  about 30 % of the text queries also carry filters (type / year / region / subject, two types and two
  years at once, a province with its regencies/cities); 10 % sort by release date or title.
MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

RARE = [
    "indeks harga konsumen kota surabaya maret 2024",
    "tingkat pengangguran terbuka kabupaten bogor agustus 2022",
    "peta wilkerstat kecamatan coblong",
    "jumlah penduduk menurut kelompok umur dan jenis kelamin provinsi jawa barat 2023",
    "survei sosial ekonomi nasional susenas maret 2023 kor",
    "produk domestik regional bruto kota bandung 2021",
    "luas panen produksi padi kabupaten indramayu 2020",
    "kota yogyakarta dalam angka 2024",
    "profil kemiskinan di provinsi nusa tenggara timur maret 2023",
    "tingkat penghunian kamar hotel bintang provinsi bali juli 2019",
    "sakernas agustus 2021 provinsi aceh",
    "peta blok sensus kabupaten sleman sensus penduduk 2020",
    "nilai tukar petani provinsi lampung",
    "ump provinsi dki jakarta 2024",
    "curah hujan kabupaten cilacap 2018",
    "kecamatan tebet dalam angka",
    "angka harapan hidup kabupaten jayawijaya",
    "gini ratio provinsi papua barat daya",
    "jumlah kunjungan wisatawan mancanegara pintu masuk provinsi kepulauan riau",
    "podes 2021",
    "edisi khusus statistik pariwisata",
    "ibs 2019 provinsi banten",
    "pendapatan daerah kota makassar",
    "kabupaten merauke",
    "kota denpasar inflasi",
]
COMMON = [
    "penduduk", "inflasi", "kemiskinan", "pendidikan", "ekspor", "padi", "hotel", "upah", "kesehatan",
    "perumahan", "industri", "transportasi", "pariwisata", "kependudukan", "ketenagakerjaan", "energi",
    "listrik", "sekolah", "internet", "pdrb", "susenas", "sakernas", "wilkerstat", "2023", "jawa",
]
MULTI = [
    "jumlah penduduk menurut kelompok umur", "indeks harga konsumen", "tingkat pengangguran terbuka",
    "produk domestik regional bruto", "survei sosial ekonomi nasional", "penduduk miskin",
    "angka partisipasi sekolah", "nilai ekspor", "statistik kesejahteraan rakyat", "dalam angka 2024",
    "peta blok sensus", "rumah tangga sanitasi layak", "jawa barat", "kota bandung", "inflasi bulanan",
    "harga gabah petani", "data mikro", "tabel dinamis", "indeks pembangunan manusia", "sulawesi selatan",
]
PREFIX = ["infl", "pend", "kemis", "a", "in", "p", "se", "ke", "tran", "pari", "kab", "sur", "statis", "ind", "pe"]
NEAR_ALL = ["statistik", "data", "tabel", "badan pusat statistik", "", "menurut", "indonesia provinsi",
            "tabel ini menyajikan"]
TYPES = ["table_static", "table_dynamic", "publication", "microdata", "map"]
PROVINCES = ["31", "32", "35", "Jawa Tengah", "51", "94", "Aceh"]
REGIONS = ["31", "32", "35", "3273", "3578", "Jawa Tengah", "Kota Surabaya", "51", "94", "Aceh", "0000"]
SUBJECTS = ["Inflasi", "Kependudukan", "Ketenagakerjaan", "Kemiskinan", "Pertanian", "Pariwisata",
            "Produk Domestik Regional Bruto", "Geografi"]


def query_mix(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic list of ``n`` search kwargs with a ``_cat`` label."""
    rng = random.Random(seed)
    cats = [("rare", RARE, 0.25), ("common", COMMON, 0.20), ("multi", MULTI, 0.20),
            ("prefix", PREFIX, 0.15), ("near_all", NEAR_ALL, 0.10), ("browse_filtered", [""], 0.10)]
    out: list[dict[str, Any]] = []
    for cat, pool, share in cats:
        for i in range(round(n * share)):
            kw: dict[str, Any] = {"_cat": cat, "q": pool[i % len(pool)]}
            if cat == "browse_filtered" or rng.random() < 0.3:
                kind = rng.choice(["type", "year", "region", "subject", "type+year", "types2", "province"])
                if kind in ("type", "type+year"):
                    kw["type"] = rng.choice(TYPES)
                if kind == "types2":  # multi-select: two types (OR) and two years (OR)
                    kw["type"] = rng.sample(TYPES, 2)
                    kw["year"] = rng.sample(range(2015, 2026), 2)
                if "year" in kind:
                    kw["year"] = rng.randint(2015, 2025)
                if kind == "region":
                    kw["region"] = rng.choice(REGIONS)
                if kind == "province":  # the province with its regencies/cities
                    kw["province"] = rng.choice(PROVINCES)
                if kind == "subject":
                    kw["subject"] = rng.choice(SUBJECTS)
            if rng.random() < 0.1:
                kw["page"] = rng.randint(2, 5)
            if rng.random() < 0.1:
                kw["sort"] = rng.choice(["newest", "title"])
            out.append(kw)
    rng.shuffle(out)
    return out[:n] if len(out) >= n else out + out[: n - len(out)]


def _dir_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)
               if os.path.isfile(os.path.join(path, f)))


def peak_rss_mb() -> float:
    """Peak RSS of this process (VmHWM; ru_maxrss would include the parent's peak across fork+exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


# ---------------------------------------------------------------------------------------------
# Worker: fresh process = cold load + warm queries + peak RSS
# ---------------------------------------------------------------------------------------------


def worker(index_dir: str, n_queries: int) -> None:
    t0 = time.perf_counter()
    from chalicelib.catalog.search.engine import SearchIndex

    index = SearchIndex.open(index_dir)
    first = index.search("indeks harga konsumen")
    cold = time.perf_counter() - t0
    mix = query_mix(n_queries)
    for kw in mix:  # warm-up pass (page cache, stem cache, lazy imports)
        index.search(**{k: v for k, v in kw.items() if k != "_cat"})
    lat: list[float] = []
    cpu: list[float] = []
    by_cat: dict[str, list[float]] = {}
    totals: dict[str, list[int]] = {}
    for kw in mix:
        args = {k: v for k, v in kw.items() if k != "_cat"}
        c = time.process_time()
        t = time.perf_counter()
        res = index.search(**args)
        ms = (time.perf_counter() - t) * 1000
        cpu.append((time.process_time() - c) * 1000)
        lat.append(ms)
        by_cat.setdefault(kw["_cat"], []).append(ms)
        totals.setdefault(kw["_cat"], []).append(res["total"])
    print(json.dumps({
        "cold_s": cold,
        "first_total": first["total"],
        "lat": lat,
        "cpu": cpu,
        "by_cat": {c: {"n": len(v), "p50": _pct(v, 50), "p95": _pct(v, 95), "max": max(v),
                       "median_total": statistics.median(totals[c])} for c, v in by_cat.items()},
        "peak_rss_mb": peak_rss_mb(),
        "doc_count": index.doc_count(),
    }))


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--queries", type=int, default=600)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "bench", "data"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results.json"))
    ap.add_argument("--worker", metavar="INDEX_DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.queries)
        return
    if args.queries < 500:
        ap.error("--queries must be >= 500")

    from chalicelib.catalog.search.engine import SearchIndex
    from chalicelib.catalog.search.snapshot import extract_tar, write_tar
    from local.catalog_generator import read_jsonl, write_jsonl

    os.makedirs(args.data_dir, exist_ok=True)
    jsonl = os.path.join(args.data_dir, f"catalog-{args.items}-s{args.seed}.jsonl")
    if not os.path.exists(jsonl):
        t = time.perf_counter()
        write_jsonl(jsonl, args.items, args.seed)
        print(f"INFO generated {args.items} items -> {jsonl} in {time.perf_counter() - t:.1f}s", flush=True)
    index_dir = os.path.join(args.data_dir, f"index-{args.items}-s{args.seed}")
    shutil.rmtree(index_dir, ignore_errors=True)

    print(f"INFO items={args.items} building index ...", flush=True)
    t = time.perf_counter()
    index = SearchIndex.build(read_jsonl(jsonl), index_dir)
    build_s = time.perf_counter() - t
    doc_count = index.doc_count()
    index.close()
    del index
    build_rss = peak_rss_mb()
    size_mb = _dir_bytes(index_dir) / 1e6
    kinds: dict[str, int] = {}
    for name in os.listdir(index_dir):
        if os.path.isfile(os.path.join(index_dir, name)):
            kind = name.rsplit(".", 1)[-1]
            kinds[kind] = kinds.get(kind, 0) + os.path.getsize(os.path.join(index_dir, name))

    # Snapshot as published (gzip-1 tar) vs a plain tar: size and the extraction a cold Lambda pays.
    snap: dict[str, tuple[float, float, float]] = {}
    untar_dir = os.path.join(args.data_dir, f"untar-{args.items}")
    for compression in ("zstd", "gzip", "none"):
        buf = io.BytesIO()
        t = time.perf_counter()
        write_tar(index_dir, buf, compression)
        pack_s = time.perf_counter() - t
        shutil.rmtree(untar_dir, ignore_errors=True)
        os.makedirs(untar_dir)
        buf.seek(0)
        t = time.perf_counter()
        extract_tar(buf, untar_dir)
        snap[compression] = (buf.getbuffer().nbytes / 1e6, pack_s, time.perf_counter() - t)
        shutil.rmtree(untar_dir)
        del buf

    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--worker", index_dir, "--queries", str(args.queries)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    w = json.loads(proc.stdout.strip().splitlines()[-1])
    lat = w["lat"]
    figures = {
        "search_build_s_1m": round(build_s, 2),
        "search_index_mb_1m": round(size_mb, 1),
        "search_cold_load_s_1m": round(w["cold_s"], 3),
        "search_p50_ms_1m": round(_pct(lat, 50), 2),
        "search_p95_ms_1m": round(_pct(lat, 95), 2),
        "search_p95_cpu_ms_1m": round(_pct(w["cpu"], 95), 2),
        "search_peak_rss_mb_1m": round(w["peak_rss_mb"], 1),
    }
    print(f"INFO items={args.items} docs={doc_count} queries={len(lat)} (timed, warm, facets on every query); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("INFO index MB by file kind: " + ", ".join(f"{k} {v / 1e6:.1f}" for k, v in
                                                  sorted(kinds.items(), key=lambda kv: -kv[1]) if v >= 10_000))
    for compression, (mb, pack_s, unpack_s) in snap.items():
        print(f"INFO snapshot {compression:4}: {mb:.1f}MB pack_s={pack_s:.2f} extract_s={unpack_s:.3f}"
              + (" (published format)" if compression == "zstd" else ""))
    untar_s = snap["zstd"][2]
    print(f"INFO build_peak_rss_mb={build_rss:.0f} query_max_ms={max(lat):.2f} p99_ms={_pct(lat, 99):.2f} "
          f"cpu_p50_ms={_pct(w['cpu'], 50):.2f}")
    for cat, s in sorted(w["by_cat"].items()):
        print(f"INFO  {cat:16} n={s['n']:4} p50={s['p50']:.2f}ms p95={s['p95']:.2f}ms max={s['max']:.2f}ms "
              f"median_total={s['median_total']:.0f}")
    for name, value in figures.items():
        print(f"BENCH {name}={value}")
    print(f"BENCH search_untar_s_1m={round(untar_s, 3)}")
    print(f"BENCH search_snapshot_mb_1m={round(snap['zstd'][0], 1)}")

    results: dict[str, Any] = {}
    if os.path.exists(args.results):
        with open(args.results, encoding="utf-8") as fh:
            try:
                results = json.load(fh)
            except ValueError:
                results = {}
    results.update(figures)
    results["search_untar_s_1m"] = round(untar_s, 3)
    results["search_snapshot_mb_1m"] = round(snap["zstd"][0], 1)
    results["search_items_1m"] = args.items
    tmp = args.results + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, args.results)


if __name__ == "__main__":
    main()

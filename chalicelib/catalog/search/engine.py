"""Ranked, faceted full-text search over the catalog, on an on-disk Tantivy index.

Index layout (one directory)
----------------------------
* Tantivy files, schema below, plus ``silastik-search.json`` (schema version and the ordinal
  vocabularies: subjects, regions ``[code, name]``, ``[price, format, access]`` triples).
* Only what matching, ranking, facets, filters and the result list need is in the index; the item's
  other details (abstract, period, size, series, ...) come from DynamoDB (``GET /catalog/items/{id}``).
* Fields:

  ``id``         raw token, indexed (delete/upsert by id)
  ``title_raw``  folded title words with frequencies (prefix expansion)
  ``title_bi``   the title's consecutive word pairs ``a_b`` (the phrase boost: a conjunction of pair terms
                 instead of a phrase query, whose position checks over every title with the words cost 1-5 ms
                 at 1M items; Elasticsearch's ``index_phrases``; +4.7 MB, the title positions gone)
  ``text``       folded, stopword-free, Sastrawi-stemmed words of the title (twice, as a term-frequency
                 boost) and of abstract + subject + region + period + type label (once, minus the
                 title's stems); pre-analysed in Python, split by Tantivy's ``whitespace`` tokenizer
  ``tsy``        u64 fast: ``type ord << 20 | subject ord << 9 | year - 1800`` — one terms
                 aggregation yields the type, subject and year facets, and the index is sorted by it
                 (items of one type and subject are alike, so postings and doc store compress better:
                 with the release-date and series-hash columns gone, 91 -> ~60 MB at 1M items). Below
                 8,000,000 (at most 2,048 subjects, years 1800-2311) Tantivy counts its buckets in an array;
                 an i64 column (mapped to u64 with the sign bit set) or a larger value takes a hash map,
                 ~25 % slower (schema 4)
  ``type_o``, ``subject_o``, ``year`` i64 indexed (filters); ``region_o`` u64 indexed + fast (filter,
                 facet, display; u64 for the same reason); ``pfa`` i64 fast (ordinal of the (price, format, access) triple);
                 ``day`` i64 fast (release date ordinal: browse order, ``sort=newest``, display)
  ``title_k``    text fast (raw): the folded title (the ``sort=title`` order) + what restores the title as
                 written (:func:`title_sort_key`); the result list reads the titles from it
  ``doc``        stored bytes: ``id`` (UTF-8)

Query model
-----------
Every non-stopword query term is required (stem match on ``text``), except terms that occur nowhere
in the catalog (typos) when other terms remain: those are dropped and the result says
``"relaxed": true``. The last term also matches any title word it is a prefix of: the most frequent
ones, at most ``PREFIX_EXPANSIONS`` and only as many as fit a postings budget of a quarter of the
index (a cap, so one-letter prefixes stay cheap). A title that has the query as a phrase (every word pair of the
query is a word pair of the title) is strongly boosted, so the item whose title *is* the query ranks first. Filters are required, score-neutral clauses. An empty query
browses by release date (newest first).

``sort``: ``relevance`` (the default), ``newest`` (release date), ``title`` (A-Z, folded title).

Facets (type, subject, region, year, province, regency) are multi-select: the values given for one
facet are alternatives (OR), facets combine with AND; ``province`` matches the province's own items
and those of its regencies/cities (a regency's BPS code starts with its province's). They are exact
counts over the whole result set, from Tantivy terms aggregations on two fast fields: ``tsy`` (type,
subject, year) and ``region_o`` (region; province and regency from its code). Each facet counts the
matches of the query and of the *other* facets' selections, so its own values stay selectable: the
``tsy`` buckets are aggregated under the query + region-family filters, the ``region_o`` buckets under
the query + type/subject/year filters, and each selection is applied to the buckets in Python (one
aggregation without filters, two with). The top-k search runs concurrently in a worker
thread (Tantivy releases the GIL in ``search``, not in ``aggregate``). For browsing (empty query)
the facets per filter combination and the newest 1,000 items are cached per commit.

Everything Tantivy-related is imported lazily: importing this module is cheap.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from chalicelib.catalog.search import text as _text

if TYPE_CHECKING:
    import tantivy

ITEM_TYPES: tuple[str, ...] = ("table_static", "table_dynamic", "publication", "microdata", "map")
_TYPE_ORD: dict[str, int] = {t: i for i, t in enumerate(ITEM_TYPES)}
# Words added to the searchable text for each type ("peta bandung", "publikasi inflasi", "data mikro").
_TYPE_WORDS: dict[str, str] = {
    "table_static": "tabel statis",
    "table_dynamic": "tabel dinamis",
    "publication": "publikasi",
    "microdata": "data mikro",
    "map": "peta",
}

SCHEMA_VERSION = 4
META_FILE = "silastik-search.json"

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 16
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000  # page * page_size beyond this (and before the end) is refused
MAX_FILTER_CHARS = 200
PREFIX_EXPANSIONS = 32  # title words a last-term prefix may expand to (most frequent first)
PREFIX_EXPANSIONS_SHORT = 16  # ... for a one- or two-letter prefix
# ... and only as many as fit, by document frequency, in this share of the index (at least one):
PREFIX_BUDGET_SHARE = 0.25
PREFIX_MIN_BUDGET = 20_000
PHRASE_BOOST = 4.0
# Doc store block (LZ4) size: 128 KiB instead of Tantivy's 16 KiB. Titles of one type and subject sit
# together (the index is sorted by ``tsy``), so a larger block finds more repeats: the store shrinks by
# ~28 %, and reading one document (one block, cached) still takes ~10 us.
DOCSTORE_BLOCKSIZE = 131_072
BROWSE_FACET_CACHE = 256  # filter combinations whose browse facets are kept per commit
BROWSE_TOP_CACHE = 1000  # newest items of the unfiltered catalog kept per commit
PREFIX_BOOST = 0.5
_TSY_TYPE_SHIFT, _TSY_SUBJECT_SHIFT, _YEAR_BASE = 20, 9, 1800
MAX_SUBJECTS = 1 << (_TSY_TYPE_SHIFT - _TSY_SUBJECT_SHIFT)  # 2,048: keeps ``tsy`` below 8,000,000

# Field names
F_ID, F_TITLE, F_TEXT = "id", "title_raw", "text"
F_TITLE_BI = "title_bi"
F_TSY = "tsy"
F_TYPE, F_SUBJECT, F_REGION_O, F_YEAR = "type_o", "subject_o", "region_o", "year"
F_PFA, F_DAY, F_DOC = "pfa", "day", "doc"
F_TITLE_KEY = "title_k"

SORTS: tuple[str, ...] = ("relevance", "newest", "title")
# The multi-select facets (OR within one, AND across them); type/subject/year come from ``tsy``, the region
# family (exact region, province incl. its regencies/cities, regency/city) from ``region_o``.
FACETS: tuple[str, ...] = ("type", "subject", "region", "year", "province", "regency")
MAX_FILTER_VALUES = 50  # values of one facet in one query

_AGGS: dict[str, Any] = {
    "tsy": {"terms": {"field": F_TSY, "size": 60_000}},
    "region": {"terms": {"field": F_REGION_O, "size": 60_000}},
}
_SEP = "\x1f"  # a control character ids may not contain
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")  # never in an indexed title (the title column uses \x01-\x03)
_NATIONAL = "0000"
# A result page: the hits (order key, address), their item ids, and their titles by id.
_Page = tuple[list[tuple[Any, Any]], list[str], dict[str, str]]


def _is_province(code: str) -> bool:
    return len(code) == 2


def _is_regency(code: str) -> bool:
    return len(code) == 4 and code != _NATIONAL



def _tantivy() -> Any:
    import tantivy  # heavy native module: lazy

    return tantivy


def _schema() -> tantivy.Schema:
    tv = _tantivy()
    sb = tv.SchemaBuilder()
    sb.add_text_field(F_ID, tokenizer_name="raw", index_option="basic")
    sb.add_text_field(F_TITLE, tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field(F_TITLE_BI, tokenizer_name="whitespace", index_option="basic")
    sb.add_text_field(F_TEXT, tokenizer_name="whitespace", index_option="freq")
    sb.add_unsigned_field(F_TSY, fast=True)
    for name in (F_TYPE, F_SUBJECT, F_YEAR):
        sb.add_integer_field(name, indexed=True)
    sb.add_unsigned_field(F_REGION_O, indexed=True, fast=True)
    for name in (F_PFA, F_DAY):
        sb.add_integer_field(name, fast=True)
    sb.add_bytes_field(F_DOC, stored=True, indexed=False)
    sb.add_text_field(F_TITLE_KEY, fast=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


# --------------------------------------------------------------------------------------------
# Vocabularies (ordinal <-> value), persisted next to the index
# --------------------------------------------------------------------------------------------


class _Vocab:
    """Append-only ordinal tables for subject, region and (price, format, access)."""

    def __init__(
        self,
        subjects: Iterable[str] = (),
        regions: Iterable[Iterable[str]] = (),
        pfa: Iterable[Iterable[Any]] = (),
    ) -> None:
        self.subjects: list[str] = list(subjects)
        self.regions: list[tuple[str, str]] = [(str(c), str(n)) for c, n in regions]
        self.pfa: list[tuple[int, str, str]] = [(int(p), str(f), str(a)) for p, f, a in pfa]
        self._subject_ix = {s: i for i, s in enumerate(self.subjects)}
        self._region_ix = {r: i for i, r in enumerate(self.regions)}
        self._pfa_ix = {t: i for i, t in enumerate(self.pfa)}

    def copy(self) -> _Vocab:
        return _Vocab(self.subjects, self.regions, self.pfa)

    def subject_ord(self, subject: str) -> int:
        o = self._subject_ix.get(subject)
        if o is None:
            o = self._subject_ix[subject] = len(self.subjects)
            self.subjects.append(subject)
        return o

    def region_ord(self, code: str, name: str) -> int:
        key = (code, name)
        o = self._region_ix.get(key)
        if o is None:
            o = self._region_ix[key] = len(self.regions)
            self.regions.append(key)
        return o

    def pfa_ord(self, price: int, fmt: str, access: str) -> int:
        key = (price, fmt, access)
        o = self._pfa_ix.get(key)
        if o is None:
            o = self._pfa_ix[key] = len(self.pfa)
            self.pfa.append(key)
        return o

    def subject_ords(self, value: str) -> list[int]:
        """Ordinals of the subject equal to ``value`` (case- and accent-insensitive)."""
        want = _text.fold(value.strip())
        return [i for i, s in enumerate(self.subjects) if _text.fold(s) == want]

    def region_ords(self, value: str) -> list[int]:
        """Ordinals of the region whose BPS code, or name (case/accent-insensitive), is ``value``."""
        value = value.strip()
        if value.isdigit():
            return [i for i, (code, _) in enumerate(self.regions) if code == value]
        want = _text.fold(value)
        return [i for i, (_, name) in enumerate(self.regions) if _text.fold(name) == want]

    def province_code(self, value: str) -> str | None:
        """The two-digit BPS code of the province ``value`` (a code, or a name as in the catalog or in
        :mod:`chalicelib.catalog.regions`, with or without "Provinsi"), else None."""
        value = value.strip()
        if value.isdigit():
            return value if len(value) == 2 else None
        want = _text.fold(value)
        if want.startswith("provinsi "):
            want = want[len("provinsi "):].strip()
        for code, name in self.regions:
            if len(code) == 2 and _text.fold(name) == want:
                return code
        from chalicelib.catalog import regions as _regions

        for prov in _regions.provinces():
            if _text.fold(prov.name) == want:
                return prov.code
        return None

    def province_ords(self, value: str) -> list[int]:
        """Ordinals of the province ``value`` itself and of every regency/city in it."""
        code = self.province_code(value)
        if code is None:
            return []
        return [i for i, (c, _) in enumerate(self.regions) if c[:2] == code and c != _NATIONAL]

    def regency_ords(self, value: str) -> list[int]:
        """Ordinals of the regency/city ``value`` (a four-digit BPS code or its name)."""
        return [i for i in self.region_ords(value) if _is_regency(self.regions[i][0])]

    def to_json(self) -> dict[str, Any]:
        return {
            "subjects": self.subjects,
            "regions": [list(r) for r in self.regions],
            "pfa": [list(t) for t in self.pfa],
        }


class IncompatibleIndex(ValueError):
    """The index was written with another schema version: rebuild it from the catalog (the catalog worker does,
    ``chalicelib/catalog/worker.py``)."""


def _write_meta(directory: str, vocab: _Vocab, extra: dict[str, Any] | None = None) -> None:
    meta = {"schema_version": SCHEMA_VERSION, "item_types": list(ITEM_TYPES), **vocab.to_json()}
    if extra:
        meta.update(extra)
    path = os.path.join(directory, META_FILE)
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def _read_meta(directory: str) -> dict[str, Any]:
    with open(os.path.join(directory, META_FILE), encoding="utf-8") as fh:
        meta = json.load(fh)
    if meta.get("schema_version") != SCHEMA_VERSION or meta.get("item_types") != list(ITEM_TYPES):
        raise IncompatibleIndex(
            f"index in {directory!r} has schema {meta.get('schema_version')!r}, expected {SCHEMA_VERSION}"
        )
    return meta


# --------------------------------------------------------------------------------------------
# Items -> Tantivy documents
# --------------------------------------------------------------------------------------------


def _str_field(item: dict, key: str, *, required: bool = True, max_len: int = 10_000) -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise ValueError(f"item {item.get('id')!r}: '{key}' is required")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"item {item.get('id')!r}: '{key}' must be a string")
    value = value.strip()
    if required and not value:
        raise ValueError(f"item {item.get('id')!r}: '{key}' must not be empty")
    return value[:max_len]


def _int_field(item: dict, key: str, lo: int, hi: int, default: int | None = None) -> int:
    value = item.get(key, default)
    if value is None and default is not None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"item {item.get('id')!r}: '{key}' must be an integer in [{lo}, {hi}]")
    return value


def _bigrams(tokens: list[str]) -> list[str]:
    """Consecutive word pairs, ``a_b`` (``_`` is never in a token): the title's in ``title_bi``, the query's for its
    phrase boost."""
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _date_ordinal(value: Any) -> int:
    if not value:
        return 0
    try:
        return _dt.date.fromisoformat(str(value)[:10]).toordinal()
    except ValueError:
        return 0


def title_sort_key(title: str) -> str:
    """The title column: the folded title (lowercase, accents stripped: the A-Z order), then what restores the
    title as written: ``\x01`` + the positions (as deltas, ``chr(0x21 + d)``) of the characters that differ,
    each followed by ``\x03`` + the character unless it is just the upper case of the folded one. Where folding
    changes the length (ligatures), ``\x02`` + the title itself. One column serves the sort and the result list,
    so the doc store keeps only the id (the title in both cost ~9 MB more at 1M items)."""
    folded = _text.fold(title)
    if len(folded) == len(title):
        out: list[str] = []
        prev = 0
        for i, (ch, fch) in enumerate(zip(title, folded, strict=True)):
            if ch != fch:
                out.append(chr(0x21 + i - prev))
                prev = i
                if ch != fch.upper():
                    out.append("\x03" + ch)
        key = folded + "\x01" + "".join(out)
        if title_from_key(key) == title:
            return key
    return folded + "\x02" + title


def title_from_key(key: str) -> str:
    """The title as written, from :func:`title_sort_key`'s value."""
    folded, sep, rest = key.partition("\x01")
    if not sep:
        return key.partition("\x02")[2]
    chars = list(folded)
    pos = i = 0
    n = len(rest)
    while i < n:
        pos += ord(rest[i]) - 0x21
        i += 1
        if i < n and rest[i] == "\x03":
            chars[pos] = rest[i + 1]
            i += 2
        else:
            chars[pos] = chars[pos].upper()
    return "".join(chars)


class _DocMaker:
    """Turns catalog item dicts into Tantivy documents (validating them), growing a vocabulary."""

    def __init__(self, vocab: _Vocab, stemmer: _text.Stemmer | None = None) -> None:
        self.vocab = vocab
        self.stemmer = stemmer or _text.default_stemmer()
        self._document = _tantivy().Document
        self._stop = _text.STOPWORDS
        self._tokenize = _text.tokenize

    def make(self, item: dict) -> tuple[str, Any]:
        if not isinstance(item, dict):
            raise ValueError("catalog item must be a dict")
        item_id = _str_field(item, "id", max_len=128)
        if _SEP in item_id:
            raise ValueError(f"item {item_id!r}: 'id' must not contain control characters")
        item_type = item.get("type")
        if item_type not in _TYPE_ORD:
            raise ValueError(f"item {item_id!r}: unknown type {item_type!r}")
        title = _CONTROL_RE.sub(" ", _str_field(item, "title", max_len=1000)).strip()
        if not title:
            raise ValueError(f"item {item_id!r}: 'title' must not be empty")
        abstract = _str_field(item, "abstract", required=False)
        subject = _str_field(item, "subject", max_len=200)
        region_code = _str_field(item, "region_code", max_len=16)
        region = _str_field(item, "region", max_len=200)
        period = _str_field(item, "period", required=False, max_len=100)
        year = _int_field(item, "year", 1800, 2200)
        price = _int_field(item, "price_idr", 0, 10**15, default=0)
        fmt = _str_field(item, "format", required=False, max_len=20)
        access = _str_field(item, "access", required=False, max_len=20) or "open"

        vocab, stop, stems = self.vocab, self._stop, self.stemmer.stems
        t_o = _TYPE_ORD[item_type]
        s_o = vocab.subject_ord(subject)
        if s_o >= MAX_SUBJECTS:
            raise ValueError(f"item {item_id!r}: the catalog has more than {MAX_SUBJECTS} subjects")
        r_o = vocab.region_ord(region_code, region)
        title_tokens = self._tokenize(title)
        title_stems = stems([t for t in title_tokens if t not in stop])
        seen = set(title_stems)
        body: list[str] = []
        body_text = f"{abstract} {subject} {region} {period} {_TYPE_WORDS[item_type]}"
        for s in stems([t for t in self._tokenize(body_text) if t not in stop]):
            if s not in seen:
                seen.add(s)
                body.append(s)
        doc = self._document(
            id=item_id,
            title_raw=" ".join(title_tokens),
            title_bi=" ".join(_bigrams(title_tokens)),
            text=" ".join(title_stems + title_stems + body),
            type_o=t_o,
            subject_o=s_o,
            year=year,
            pfa=vocab.pfa_ord(price, fmt, access),
            day=_date_ordinal(item.get("release_date")),
            doc=item_id.encode(),
            title_k=title_sort_key(title),
        )
        doc.add_unsigned(F_TSY, (t_o << _TSY_TYPE_SHIFT) | (s_o << _TSY_SUBJECT_SHIFT) | (year - _YEAR_BASE))
        doc.add_unsigned(F_REGION_O, r_o)
        return item_id, doc


# --------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------


class _State:
    """What one search uses: the searcher and vocabulary of one commit, plus browse caches.

    Browse results (empty ``q``) depend only on the filters and the commit, so their facets (per
    filter combination, LRU) and the newest-first top of the unfiltered catalog are cached here; a
    new commit or snapshot gets a new ``_State`` and so empty caches. Text queries are not cached.
    """

    __slots__ = ("searcher", "vocab", "_lock", "_facets", "_browse_top", "_tsy", "_region")

    def __init__(self, searcher: Any, vocab: _Vocab) -> None:
        self.searcher = searcher
        self.vocab = vocab
        self._lock = threading.Lock()
        self._facets: OrderedDict[tuple, tuple[dict[str, dict[str, int]], int]] = OrderedDict()
        self._browse_top: list[tuple[Any, Any]] | None = None
        self._tsy: dict[int, tuple[str, str, str, int, int, int]] = {}
        self._region: dict[int, tuple[str, str | None, bool, str | None]] = {}

    def tsy(self, key: int) -> tuple[str, str, str, int, int, int]:
        """A ``tsy`` bucket key as (type, subject, year as text, type ord, subject ord, year); memoised per commit
        (the vocabulary of a commit does not change), so the facet loop is dictionary lookups."""
        hit = self._tsy.get(key)
        if hit is None:
            ti = key >> _TSY_TYPE_SHIFT
            si = (key >> _TSY_SUBJECT_SHIFT) & (MAX_SUBJECTS - 1)
            yv = (key & ((1 << _TSY_SUBJECT_SHIFT) - 1)) + _YEAR_BASE
            subject = self.vocab.subjects[si] if si < len(self.vocab.subjects) else f"#{si}"
            hit = self._tsy[key] = (ITEM_TYPES[ti], subject, str(yv), ti, si, yv)
        return hit

    def region(self, ordinal: int) -> tuple[str, str | None, bool, str | None]:
        """A region ordinal as (name, its province's code or None for the national level, is a regency/city,
        its own code when it is a province); memoised per commit."""
        hit = self._region.get(ordinal)
        if hit is None:
            regions = self.vocab.regions
            code, name = regions[ordinal] if ordinal < len(regions) else ("", f"#{ordinal}")
            province = code[:2] if len(code) >= 2 and code != _NATIONAL else None
            hit = self._region[ordinal] = (name, province, _is_regency(code), code if _is_province(code) else None)
        return hit

    def cached_facets(self, key: tuple) -> tuple[dict[str, dict[str, int]], int] | None:
        with self._lock:
            hit = self._facets.get(key)
            if hit is not None:
                self._facets.move_to_end(key)
        if hit is None:
            return None
        return {name: dict(counts) for name, counts in hit[0].items()}, hit[1]

    def store_facets(self, key: tuple, facets: dict[str, dict[str, int]], total: int) -> None:
        with self._lock:
            self._facets[key] = ({name: dict(counts) for name, counts in facets.items()}, total)
            while len(self._facets) > BROWSE_FACET_CACHE:
                self._facets.popitem(last=False)

    def browse_top(self, compute: Any) -> list[tuple[Any, Any]]:
        top = self._browse_top
        if top is None:
            top = self._browse_top = compute()
        return top


def _check_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} harus bilangan bulat {lo}..{hi}")
    return value


def _check_str(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} harus berupa teks")
    value = value.strip()
    if len(value) > MAX_FILTER_CHARS:
        raise ValueError(f"{name} terlalu panjang (maksimal {MAX_FILTER_CHARS} karakter)")
    return value or None


def _empty_result(page: int, page_size: int, sort: str = "relevance") -> dict[str, Any]:
    return {
        "total": 0,
        "page": page,
        "page_size": page_size,
        "items": [],
        "facets": {name: {} for name in FACETS},
        "sort": sort,
        "relaxed": False,
    }


def _values(name: str, value: Any) -> list[Any]:
    """One facet's selected values: None/"" → none; a value or a list/tuple of them (blanks dropped, deduplicated)."""
    if value is None:
        return []
    items = [value] if isinstance(value, str | int) else list(value)
    if len(items) > MAX_FILTER_VALUES:
        raise ValueError(f"{name}: paling banyak {MAX_FILTER_VALUES} nilai")
    out: list[Any] = []
    for v in items:
        if name == "year" and isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
            continue
        checked = _check_str(name, v)
        if checked is not None:
            out.append(checked)
    return list(dict.fromkeys(out))


def _province_name(code: str) -> str:
    from chalicelib.catalog import regions as _regions

    prov = _regions.get(code)
    return prov.name if prov is not None else code


def _sorted_counts(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class SearchIndex:
    """A catalog search index in one directory. Thread-safe for concurrent searches."""

    def __init__(self, directory: str, index: Any, vocab: _Vocab, *, parallel: bool | None = None) -> None:
        self.directory = directory
        self._index = index
        self._schema = index.schema
        self._state = _State(index.searcher(), vocab)
        self._write_lock = threading.Lock()
        self._parallel = (os.cpu_count() or 1) >= 2 if parallel is None else parallel
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # ---- lifecycle --------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        items: Iterable[dict],
        directory: str,
        *,
        heap_mb: int = 600,
        threads: int | None = None,
        parallel: bool | None = None,
    ) -> SearchIndex:
        """Index ``items`` into the empty (or new) ``directory``; duplicate ids: the last one wins.

        Raises ``FileExistsError`` if ``directory`` is not empty and ``ValueError`` on an invalid item.
        """
        tv = _tantivy()
        os.makedirs(directory, exist_ok=True)
        if os.listdir(directory):
            raise FileExistsError(f"index directory {directory!r} is not empty")
        tv.Index(_schema(), path=directory, reuse=False, sort_by_field=F_TSY)
        _set_docstore_blocksize(directory, DOCSTORE_BLOCKSIZE)
        index = tv.Index.open(directory)
        # One indexing thread, so one segment (Tantivy's binding cannot merge on demand, and its merge policy leaves
        # two segments alone): one term dictionary and one doc store instead of one per thread, ~12 % smaller
        # index and snapshot (100,000 items: 8.25 -> 7.11 MB, snapshot 3.74 -> 3.27 MB) for the same CPU time; the
        # catalog worker's Lambda has about one vCPU anyway. ``heap_mb`` holds 1,000,000 items in one segment.
        n_threads = threads or 1
        heap = max(heap_mb * 1_000_000, n_threads * 20_000_000)
        vocab = _Vocab()
        maker = _DocMaker(vocab)
        writer = index.writer(heap_size=heap, num_threads=n_threads)
        seen: set[str] = set()
        try:
            for item in items:
                item_id, doc = maker.make(item)
                if item_id in seen:
                    writer.delete_documents_by_term(F_ID, item_id)
                else:
                    seen.add(item_id)
                writer.add_document(doc)
            _write_meta(directory, vocab, {"built_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")})
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        writer.wait_merging_threads()
        index.config_reader("Manual")
        index.reload()
        return cls(directory, index, vocab, parallel=parallel)

    @classmethod
    def open(cls, directory: str, *, parallel: bool | None = None) -> SearchIndex:
        """Open an index written by :meth:`build` (``FileNotFoundError`` if there is none)."""
        meta = _read_meta(directory)
        tv = _tantivy()
        index = tv.Index.open(directory)
        index.config_reader("Manual")
        vocab = _Vocab(meta.get("subjects", ()), meta.get("regions", ()), meta.get("pfa", ()))
        return cls(directory, index, vocab, parallel=parallel)

    def close(self) -> None:
        """Stop the helper thread (the index files stay)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False)
                self._pool = None

    def doc_count(self) -> int:
        return int(self._state.searcher.num_docs)

    # ---- updates ----------------------------------------------------------------------------

    def apply_changes(self, upserts: Iterable[dict], deletes: Iterable[str]) -> None:
        """Upsert (by ``id``) and delete items, commit, and make the change visible to searches.

        All upserts are validated before anything is written (``ValueError`` leaves the index as it
        was). Within one call deletes apply first, then upserts in order (the last one of an id wins).
        """
        with self._write_lock:
            vocab = self._state.vocab.copy()
            maker = _DocMaker(vocab)
            docs = [maker.make(item) for item in upserts]
            delete_ids: list[str] = []
            for item_id in deletes:
                if not isinstance(item_id, str) or not item_id.strip():
                    raise ValueError("id yang dihapus harus berupa teks")
                delete_ids.append(item_id.strip())
            if not docs and not delete_ids:
                return
            _write_meta(self.directory, vocab, _read_meta_extra(self.directory))  # before the commit
            writer = self._index.writer(heap_size=30_000_000, num_threads=1)
            try:
                for item_id in delete_ids:
                    writer.delete_documents_by_term(F_ID, item_id)
                for item_id, doc in docs:
                    writer.delete_documents_by_term(F_ID, item_id)
                    writer.add_document(doc)
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            writer.wait_merging_threads()
            self._index.reload()
            self._state = _State(self._index.searcher(), vocab)

    # ---- search -----------------------------------------------------------------------------

    def search(
        self,
        q: str = "",
        *,
        type: str | Iterable[str] | None = None,
        subject: str | Iterable[str] | None = None,
        region: str | Iterable[str] | None = None,
        year: int | str | Iterable[int | str] | None = None,
        province: str | Iterable[str] | None = None,
        regency: str | Iterable[str] | None = None,
        sort: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> dict[str, Any]:
        """Search; see the module docstring. ``ValueError`` (Indonesian message) on bad arguments.

        Each facet argument is one value or several (OR); different facets combine with AND. ``province``
        matches the province's own items and those of its regencies/cities. ``sort``: ``relevance``
        (default; without words: newest first), ``newest`` (release date), ``title`` (A-Z)."""
        if q is None:
            q = ""
        if not isinstance(q, str):
            raise ValueError("q harus berupa teks")
        if len(q) > MAX_QUERY_CHARS:
            raise ValueError(f"q terlalu panjang (maksimal {MAX_QUERY_CHARS} karakter)")
        page = _check_int("page", page, 1, 10**9)
        page_size = _check_int("page_size", page_size, 1, MAX_PAGE_SIZE)
        sort = sort or "relevance"
        if sort not in SORTS:
            raise ValueError(f"sort tidak dikenal: {sort!r} (pilihan: {', '.join(SORTS)})")
        types = _values("type", type)
        for t in types:
            if t not in _TYPE_ORD:
                raise ValueError(f"type tidak dikenal: {t!r} (pilihan: {', '.join(ITEM_TYPES)})")
        years = [_check_int("year", y, 1800, 2200) for y in _values("year", year)]

        state = self._state
        vocab, searcher = state.vocab, state.searcher
        # selected ordinals per facet (None: no filter); a facet whose values are all unknown matches nothing
        sel: dict[str, frozenset[int] | None] = {name: None for name in FACETS}
        if types:
            sel["type"] = frozenset(_TYPE_ORD[t] for t in types)
        if years:
            sel["year"] = frozenset(years)
        for name, values, resolve in (("subject", subject, vocab.subject_ords), ("region", region, vocab.region_ords),
                                      ("province", province, vocab.province_ords),
                                      ("regency", regency, vocab.regency_ords)):
            wanted = _values(name, values)
            if wanted:
                sel[name] = frozenset(o for v in wanted for o in resolve(v))
                if not sel[name]:
                    return _empty_result(page, page_size, sort)

        clauses, relaxed, flat = self._text_clauses(searcher, q)
        result = self._run(state, clauses, sel, sort, page, page_size, flat)
        result["relaxed"] = relaxed
        return result

    def _filter_queries(self, sel: dict[str, frozenset[int] | None], names: Iterable[str]) -> list[Any]:
        out = []
        for name in names:
            values = sel[name]
            if values is None:
                continue
            if name in ("region", "province", "regency"):
                out.append(self._int_set_query(F_REGION_O, sorted(values)))
            else:
                out.append(self._int_set_query({"type": F_TYPE, "subject": F_SUBJECT, "year": F_YEAR}[name],
                                               sorted(values)))
        return out

    def _run(
        self,
        state: _State,
        clauses: list[tuple[Any, Any]] | None,
        sel: dict[str, frozenset[int] | None],
        sort: str,
        page: int,
        page_size: int,
        flat: bool = False,
    ) -> dict[str, Any]:
        tv = _tantivy()
        searcher, vocab = state.searcher, state.vocab
        ranked = clauses is not None and sort == "relevance"
        order = None if ranked else ("title" if sort == "title" else "newest")
        tsy_family = [n for n in ("type", "subject", "year") if sel[n] is not None]
        region_family = [n for n in ("region", "province", "regency") if sel[n] is not None]
        filters = self._filter_queries(sel, tsy_family + region_family)

        def combine(parts: list[Any], scoring: bool) -> Any:
            """The text clauses (all of them when ``scoring``, else only the ones that decide a match) AND ``parts``."""
            cl = list(clauses or [])
            if not scoring:
                musts = [c for c in cl if c[0] == tv.Occur.Must]
                if musts:
                    cl = musts  # SHOULD clauses next to MUST ones only score (the phrase scorer is the costly part)
            if not cl and not parts:
                return tv.Query.all_query()
            if flat and parts:  # a union of alternatives: one required clause next to the filters
                cl = [(tv.Occur.Must, tv.Query.boolean_query(cl))]
            cl = cl + [(tv.Occur.Must, tv.Query.const_score_query(f, 0.0)) for f in parts]
            return tv.Query.boolean_query(cl)

        query = combine(filters, True)
        offset = (page - 1) * page_size
        in_window = offset + page_size <= MAX_RESULT_WINDOW
        filter_key = tuple(None if sel[n] is None else tuple(sorted(sel[n])) for n in FACETS)
        cached = None if clauses is not None else state.cached_facets(filter_key)
        hits: list[tuple[Any, Any]] | None = None
        if clauses is None and not filters and order == "newest" and offset + page_size <= BROWSE_TOP_CACHE:
            top = state.browse_top(lambda: self._topk(searcher, query, order, 0, BROWSE_TOP_CACHE))
            hits = top[offset: offset + page_size]
        hits_future = None
        if hits is None and cached is None and in_window and self._parallel:
            hits_future = self._submit_page(searcher, query, order, offset, page_size)
        if cached is None:
            if not filters:
                aggs = searcher.aggregate(combine([], False), _AGGS)
                facets, total = self._facets(aggs["tsy"], aggs["region"], state, sel)
            else:
                # Multi-select facets: the counts of one facet ignore its own selection (the other values stay
                # selectable), so the type/subject/year counts come from the matches of the query and the
                # region-family filters, the region/province/regency counts from the query and the
                # type/subject/year filters; each selection is then applied to the buckets in Python.
                q_tsy = combine(self._filter_queries(sel, region_family), False)
                q_region = combine(self._filter_queries(sel, tsy_family), False)
                a_tsy = searcher.aggregate(q_tsy, {"tsy": _AGGS["tsy"]})["tsy"]
                a_region = searcher.aggregate(q_region, {"region": _AGGS["region"]})["region"]
                facets, total = self._facets(a_tsy, a_region, state, sel)
            if clauses is None:
                state.store_facets(filter_key, facets, total)
        else:
            facets, total = cached
        page_hits: _Page | None = None
        if hits_future is not None:
            page_hits = hits_future.result()
        elif not in_window and offset < total:
            raise ValueError(
                f"halaman terlalu jauh: hanya {MAX_RESULT_WINDOW} hasil pertama yang dapat ditelusuri; "
                "persempit pencarian dengan kata kunci atau filter"
            )
        elif offset < total:
            page_hits = (self._page(searcher, query, order, offset, page_size) if hits is None
                         else self._resolve(searcher, hits, order == "title"))
        items = self._hydrate(searcher, vocab, page_hits, ranked) if page_hits is not None and offset < total else []
        return {
            "total": total, "page": page, "page_size": page_size, "items": items, "facets": facets,
            "sort": sort, "relaxed": False,
        }

    # ---- internals --------------------------------------------------------------------------

    def _int_set_query(self, field: str, values: list[int]) -> Any:
        tv = _tantivy()
        if len(values) == 1:
            return tv.Query.term_query(self._schema, field, values[0])
        return tv.Query.term_set_query(self._schema, field, values)

    def _text_clauses(self, searcher: Any, q: str) -> tuple[list[tuple[Any, Any]] | None, bool, bool]:
        """(scoring clauses for ``q`` or None when it has no word, relaxed flag, flat flag).

        Flat: one query word, so every clause is an alternative way to match that word (its stem, a title
        word it is a prefix of) and the clauses are all SHOULD: a pure union, 2-10x faster for a common
        word than the same union under a MUST. (Every match is scored either way: tantivy-py's
        ``Searcher.search`` collects through a ``MultiCollector``, so Tantivy's block-max WAND pruning,
        which would skip blocks that cannot reach the top k, is never used — what keeps the broad
        queries' p95 above 5 ms at 1M items.)

        Terms that occur nowhere in the index (typos, words the catalog does not use) are dropped
        when other terms remain, so one misspelt word does not empty the result; the result is then
        flagged ``relaxed``. Decided from document frequencies: no second search is needed.
        """
        tokens = _text.tokenize(q)[: MAX_QUERY_TERMS * 2]
        if not tokens:
            return None, False, False
        tv = _tantivy()
        query_cls, occur, schema = tv.Query, tv.Occur, self._schema
        content = list(dict.fromkeys(_text.content_tokens(tokens))) or list(dict.fromkeys(tokens))
        content = content[:MAX_QUERY_TERMS]
        stemmer = _text.default_stemmer()
        required: list[Any] = []
        unknown = 0
        for tok in content[:-1]:
            stem = stemmer.stem(tok)
            if searcher.doc_freq(F_TEXT, stem) > 0:
                required.append(query_cls.term_query(schema, F_TEXT, stem))
            else:
                unknown += 1
        # Last term: its stem, or any title word it is a prefix of (it may be still being typed).
        last = content[-1]
        stem = stemmer.stem(last)
        subs: list[tuple[Any, Any]] = []
        if searcher.doc_freq(F_TEXT, stem) > 0:
            subs.append((occur.Should, query_cls.term_query(schema, F_TEXT, stem)))
        limit = PREFIX_EXPANSIONS_SHORT if len(last) <= 2 else PREFIX_EXPANSIONS
        budget = max(PREFIX_MIN_BUDGET, int(searcher.num_docs * PREFIX_BUDGET_SHARE))
        spent = 0
        for term, count in searcher.terms_with_prefix(F_TITLE, last, limit=limit):  # most frequent first
            if spent and spent + count > budget:
                break  # cap: a one-letter prefix must not turn into a union over the whole index
            spent += count
            if term == last and subs:
                continue  # the whole word: already matched (stemmed) through ``text``
            title_q = query_cls.term_query(schema, F_TITLE, term)
            subs.append((occur.Should, query_cls.boost_query(title_q, PREFIX_BOOST)))
        if subs:
            required.append(query_cls.boolean_query(subs) if len(subs) > 1 else subs[0][1])
        else:
            unknown += 1
        if not required:
            return [(occur.Must, query_cls.empty_query())], False, False
        flat = len(content) == 1 and len(tokens[:MAX_QUERY_TERMS]) == 1
        clauses = list(subs) if flat else [(occur.Must, c) for c in required]
        # The exact-phrase boost: every word pair of the query is a word pair of the title (``title_bi``), unless
        # one pair is in no title at all (then it cannot match).
        pairs = list(dict.fromkeys(_bigrams(tokens[:MAX_QUERY_TERMS])))
        if pairs and all(searcher.doc_freq(F_TITLE_BI, p) > 0 for p in pairs):
            phrase = (query_cls.term_query(schema, F_TITLE_BI, pairs[0]) if len(pairs) == 1 else
                      query_cls.boolean_query([(occur.Must, query_cls.term_query(schema, F_TITLE_BI, p)) for p in pairs]))
            clauses.append((occur.Should, query_cls.boost_query(phrase, PHRASE_BOOST)))
        return clauses, unknown > 0, flat

    def _topk(self, searcher: Any, query: Any, order: str | None, offset: int, limit: int) -> list[tuple[Any, Any]]:
        """Top hits: by score (``order`` None), newest release first, or by title A-Z."""
        if order is None:
            return searcher.search(query, limit, count=False, offset=offset).hits
        tv = _tantivy()
        if order == "title":
            return searcher.search(
                query, limit, count=False, offset=offset, order_by_field=F_TITLE_KEY, order=tv.Order.Asc
            ).hits
        return searcher.search(
            query, limit, count=False, offset=offset, order_by_field=F_DAY, order=tv.Order.Desc
        ).hits

    def _page(self, searcher: Any, query: Any, order: str | None, offset: int, limit: int) -> _Page:
        return self._resolve(searcher, self._topk(searcher, query, order, offset, limit), order == "title")

    def _resolve(self, searcher: Any, hits: list[tuple[Any, Any]], by_title: bool) -> _Page:
        """The hits with their ids (doc store) and titles (title column). Tantivy releases the GIL in each call, so
        on the helper thread this overlaps the facet aggregation."""
        ids = [bytes(searcher.doc(addr).get_first(F_DOC)).decode("utf-8") for _, addr in hits]
        if by_title:  # ordered by the title column: each hit carries its value
            titles = {item_id: title_from_key(key) for item_id, (key, _) in zip(ids, hits, strict=True)}
        else:
            titles = self._titles(searcher, ids) if ids else {}
        return hits, ids, titles

    def _submit_page(self, searcher: Any, query: Any, order: str | None, offset: int, limit: int) -> Any:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-search")
            pool = self._pool
        started = threading.Event()

        def run() -> _Page:
            started.set()
            return self._page(searcher, query, order, offset, limit)

        future = pool.submit(run)
        # Let the worker enter Tantivy (which releases the GIL) before aggregate() takes the GIL.
        started.wait(0.01)
        return future

    @staticmethod
    def _facets(
        tsy_agg: dict[str, Any], region_agg: dict[str, Any], state: _State, sel: dict[str, frozenset[int] | None]
    ) -> tuple[dict[str, dict[str, int]], int]:
        """Facet counts and the total from the ``tsy`` and ``region`` buckets (see ``_run``): each facet counts
        what the other facets' selections let through (its own selection not applied); the total applies all."""
        types: dict[str, int] = {}
        subjects: dict[str, int] = {}
        years: dict[str, int] = {}
        total = 0
        s_type, s_subject, s_year = sel["type"], sel["subject"], sel["year"]
        if s_type is None and s_subject is None and s_year is None:  # no selection: plain sums
            for bucket in tsy_agg["buckets"]:
                count = bucket["doc_count"]
                key = bucket["key"]
                tname, sname, y, _, _, _ = state.tsy(key)
                types[tname] = types.get(tname, 0) + count
                subjects[sname] = subjects.get(sname, 0) + count
                years[y] = years.get(y, 0) + count
                total += count
        else:
            for bucket in tsy_agg["buckets"]:
                count = bucket["doc_count"]
                key = bucket["key"]
                tname, sname, y, ti, si, yv = state.tsy(key)
                ok_t = s_type is None or ti in s_type
                ok_s = s_subject is None or si in s_subject
                ok_y = s_year is None or yv in s_year
                if ok_s and ok_y:
                    types[tname] = types.get(tname, 0) + count
                if ok_t and ok_y:
                    subjects[sname] = subjects.get(sname, 0) + count
                if ok_t and ok_s:
                    years[y] = years.get(y, 0) + count
                    if ok_y:
                        total += count
        regions: dict[str, int] = {}
        provinces: dict[str, int] = {}
        regencies: dict[str, int] = {}
        s_region, s_prov, s_reg = sel["region"], sel["province"], sel["regency"]
        names: dict[str, str] = {}
        no_region_sel = s_region is None and s_prov is None and s_reg is None
        for bucket in region_agg["buckets"]:
            ri = bucket["key"]
            count = bucket["doc_count"]
            rname, pcode, is_regency, own_province = state.region(ri)
            if no_region_sel:
                ok_r = ok_p = ok_g = True
            else:
                ok_r = s_region is None or ri in s_region
                ok_p = s_prov is None or ri in s_prov
                ok_g = s_reg is None or ri in s_reg
            if ok_p and ok_g:
                regions[rname] = regions.get(rname, 0) + count
            if ok_r and ok_g and pcode is not None:
                provinces[pcode] = provinces.get(pcode, 0) + count
            if ok_r and ok_p and is_regency:
                regencies[rname] = regencies.get(rname, 0) + count
            if own_province is not None:
                names.setdefault(own_province, rname)
        vocab = state.vocab
        province_names = {}
        for pcode, count in provinces.items():
            name = names.get(pcode) or _province_name(pcode)
            province_names[name] = province_names.get(name, 0) + count
        facets = {
            "type": _sorted_counts(types),
            "subject": _sorted_counts(subjects),
            "region": _sorted_counts(regions),
            "year": dict(sorted(years.items(), key=lambda kv: kv[0], reverse=True)),
            "province": _sorted_counts(province_names),
            "regency": _sorted_counts(regencies),
        }
        # a selected value stays listed (count 0) so that it can be unselected
        if s_type:
            for ti in s_type:
                facets["type"].setdefault(ITEM_TYPES[ti], 0)
        if s_year:
            for yv in sorted(s_year, reverse=True):
                facets["year"].setdefault(str(yv), 0)
        if s_subject:
            for si in s_subject:
                facets["subject"].setdefault(vocab.subjects[si], 0)
        for name, chosen in (("region", s_region), ("regency", s_reg)):
            for ri in chosen or ():
                facets[name].setdefault(vocab.regions[ri][1], 0)
        for ri in s_prov or ():
            code = vocab.regions[ri][0][:2]
            facets["province"].setdefault(names.get(code) or _province_name(code), 0)
        return facets, total

    def _titles(self, searcher: Any, ids: list[str]) -> dict[str, str]:
        """The titles of the hits ``ids`` (a page): one search for exactly those ids, ordered by the title column,
        whose values it returns — the doc store holds only the id."""
        tv = _tantivy()
        query = tv.Query.term_set_query(self._schema, F_ID, ids)
        found = searcher.search(query, len(ids), count=False, order_by_field=F_TITLE_KEY, order=tv.Order.Asc).hits
        out: dict[str, str] = {}
        for key, addr in found:
            out[bytes(searcher.doc(addr).get_first(F_DOC)).decode("utf-8")] = title_from_key(key)
        return out

    def _hydrate(self, searcher: Any, vocab: _Vocab, page: _Page, ranked: bool) -> list[dict]:
        hits, ids, titles = page
        if not hits:
            return []
        addrs = [addr for _, addr in hits]
        cols = {f: searcher.fast_field_values(f, addrs) for f in (F_TSY, F_REGION_O, F_PFA, F_DAY)}
        subject_mask = (1 << (_TSY_TYPE_SHIFT - _TSY_SUBJECT_SHIFT)) - 1
        year_mask = (1 << _TSY_SUBJECT_SHIFT) - 1
        out: list[dict] = []
        for i, (score, _addr) in enumerate(hits):
            item_id = ids[i]
            title = titles.get(item_id, "")
            tsy = cols[F_TSY][i]
            code, region = vocab.regions[cols[F_REGION_O][i]]
            price, fmt, access = vocab.pfa[cols[F_PFA][i]]
            day = cols[F_DAY][i] or 0
            out.append({
                "id": item_id,
                "type": ITEM_TYPES[tsy >> _TSY_TYPE_SHIFT],
                "title": title,
                "subject": vocab.subjects[(tsy >> _TSY_SUBJECT_SHIFT) & subject_mask],
                "region": region,
                "region_code": code,
                "year": (tsy & year_mask) + _YEAR_BASE,
                "price_idr": price,
                "access": access,
                "format": fmt or None,
                "release_date": _dt.date.fromordinal(day).isoformat() if day > 0 else None,
                "score": round(float(score), 4) if ranked else None,
            })
        return out


def _set_docstore_blocksize(directory: str, blocksize: int) -> None:
    """Set Tantivy's ``IndexSettings.docstore_blocksize`` of a new, empty index (the Python binding does not
    expose it; Tantivy reads it from ``meta.json`` when the index is opened, before any segment is written)."""
    path = os.path.join(directory, "meta.json")
    with open(path, encoding="utf-8") as fh:
        meta = json.load(fh)
    if meta.get("segments"):
        raise ValueError("the doc store block size can only be set on an empty index")
    meta["index_settings"]["docstore_blocksize"] = int(blocksize)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(meta, fh)
    os.replace(tmp, path)


def _read_meta_extra(directory: str) -> dict[str, Any]:
    try:
        meta = _read_meta(directory)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in meta.items() if k == "built_at"}

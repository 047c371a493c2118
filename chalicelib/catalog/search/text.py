"""Text analysis for Indonesian catalog search: folding, tokenising and (cached) stemming.

The same functions run at index time and at query time, so a query term matches exactly the
terms that were indexed. The index stores the output of :func:`analyze` joined by spaces and
splits it again with Tantivy's ``whitespace`` tokenizer (a built-in tokenizer, so an index on disk
opens without registering anything).

PySastrawi (Indonesian stemmer; ~50 ms to import, dictionary-based) is imported lazily on the
first stem of a token that is not cached yet.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

# Letters/digits after folding; "_" is excluded so "a_b" splits like "a b".
_TOKEN_RE = re.compile(r"[^\W_]+")

# Function words that carry no topic: dropped from the stemmed fields and from the required
# terms of a query (they still count for the exact phrase match on the folded title).
STOPWORDS: frozenset[str] = frozenset(
    ["dan", "atau", "di", "ke", "dari", "yang", "untuk", "pada", "dengan", "dalam", "oleh", "per", "serta", "tentang", "terhadap", "sebagai", "adalah", "ini", "itu", "tersebut", "juga", "akan", "telah", "sudah", "bagi", "para", "secara", "antara", "hingga", "sampai", "atas", "menurut", "the", "of", "and", "in", "for", "by"]
)

# Tokens that are never stemmed (too short, or not words).
_MIN_STEM_LEN = 4
# Bound the stem cache (a catalog has a few thousand to a few hundred thousand distinct words).
_STEM_CACHE_MAX = 500_000


def fold(text: str) -> str:
    """Lowercase and strip accents (NFKD, drop combining marks): ``"Édisi"`` -> ``"edisi"``."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Folded word tokens, in order (stopwords kept)."""
    return _TOKEN_RE.findall(fold(text))


class Stemmer:
    """Thread-safe, cached wrapper around PySastrawi's stemmer (created lazily)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._impl: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._impl is None:
                from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # heavy: lazy import

                self._impl = StemmerFactory().create_stemmer()
            return self._impl

    def warm(self) -> None:
        """Load PySastrawi and its dictionary now (e.g. while a snapshot downloads)."""
        if self._impl is None:
            self._load()

    def stem(self, token: str) -> str:
        """Stem one folded token (``"kependudukan"`` -> ``"duduk"``); numbers/short tokens unchanged."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        if len(token) < _MIN_STEM_LEN or not token.isalpha() or not token.isascii():
            result = token
        else:
            impl = self._impl if self._impl is not None else self._load()
            result = impl.stem(token) or token
            if " " in result:  # defensive: Sastrawi normalises its input, never split a token
                result = token
        if len(self._cache) >= _STEM_CACHE_MAX:
            self._cache.clear()
        self._cache[token] = result
        return result

    def stems(self, tokens: Iterable[str]) -> list[str]:
        cache = self._cache
        out: list[str] = []
        for tok in tokens:
            s = cache.get(tok)
            out.append(s if s is not None else self.stem(tok))
        return out

    def cache_size(self) -> int:
        return len(self._cache)


_default_stemmer: Stemmer | None = None


def default_stemmer() -> Stemmer:
    """The process-wide stemmer (its cache is shared by index builds and queries)."""
    global _default_stemmer
    if _default_stemmer is None:
        _default_stemmer = Stemmer()
    return _default_stemmer


def stem(token: str) -> str:
    return default_stemmer().stem(token)


def content_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens without stopwords."""
    return [t for t in tokens if t not in STOPWORDS]


def analyze(text: str, stemmer: Stemmer | None = None) -> list[str]:
    """Folded, stopword-free, stemmed tokens of ``text`` (what the stemmed index fields contain)."""
    st = stemmer or default_stemmer()
    return st.stems(t for t in _TOKEN_RE.findall(fold(text)) if t not in STOPWORDS)

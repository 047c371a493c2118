"""Immutable search-index snapshots on S3, and the lazily refreshed index the API searches.

S3 layout (``prefix`` defaults to ``search/``)::

    search/snapshots/<version>.tar.zst zstd (level 9) tar of the index directory's files
                                       (``.tar.gz`` with compression="gzip", ``.tar`` with "none");
                                       object metadata ``sha256`` = hex digest of the object
    search/current.json                {"version", "key", "doc_count", "built_at", "size_bytes",
                                        "sha256", "compression"}

``<version>`` is ``YYYYMMDDTHHMMSSffffffZ-<8 hex>``: it sorts by build time and is safe as a path
component. A snapshot is never modified; publishing writes the tar first and then flips
``current.json`` (S3 is strongly consistent, so a reader never sees a pointer to a missing tar).

zstd was chosen by measurement (``bench/bench_search.py``, 1,000,000 items, schema 2): the tar
shrinks about as much as with gzip-1 (a little more), and it decompresses ~5-10x faster (python
``zstandard``, a C extension with manylinux wheels for x86_64 and arm64), so the extraction a cold
Lambda pays — streamed while the object downloads — stays well below the download time itself
(gzip-1 took 0.4 s on a quiet machine for 91 MB and 2.8 s on a busy one). gzip and plain tars are
still read (a reader falls back to the other suffixes), so older snapshots stay loadable.

The Lambda side (:class:`SearchService`) extracts a snapshot into ``/tmp/silastik-search/<version>/``
on first use, checks ``current.json`` at most every ``refresh_seconds`` and swaps to a newer version
when one appears; while a refresh fails it keeps serving the index it has.

A cold container's first search (``bench/bench_first_request.py``): the snapshot is fetched as ``PART_BYTES``
ranges, ``PARALLEL_PARTS`` connections at a time (one S3 connection gives ~90 MB/s; the ranges of one object
version, ``IfMatch`` its ETag), decompressed and written in order as they arrive, the SHA-256 over the whole
object; the load runs on a thread (:meth:`SearchService.preload`) while the route does its other work (the FAQ
lookup and its DynamoDB client), and Tantivy and the stemmer are imported meanwhile on another.
"""

from __future__ import annotations

import datetime as _dt
import gzip
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from typing import IO, Any

from chalicelib.catalog.search import engine
from chalicelib.catalog.search.engine import SearchIndex
from chalicelib.core import aws

log = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$")
_SKIP_FILES = frozenset({".tantivy-meta.lock", ".tantivy-writer.lock"})
_COPY_CHUNK = 1 << 20
COMPRESSIONS = {"zstd": ".tar.zst", "gzip": ".tar.gz", "none": ".tar"}
ZSTD_LEVEL = 9
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
CONTENT_TYPES = {"zstd": "application/zstd", "gzip": "application/gzip", "none": "application/x-tar"}
PART_BYTES = 4 << 20  # a cold container downloads the snapshot in ranges of this size ...
PARALLEL_PARTS = 4  # ... this many at a time (one connection each)


class SearchUnavailable(RuntimeError):
    """No search snapshot has been published yet, or none could be loaded (map to HTTP 503)."""


def new_version(now: _dt.datetime | None = None) -> str:
    now = now or _dt.datetime.now(_dt.UTC)
    return f"{now.strftime('%Y%m%dT%H%M%S%f')}Z-{secrets.token_hex(4)}"


class SnapshotConflict(RuntimeError):
    """Another writer published a snapshot since this one read ``current.json``: publishing would drop its change."""


#: ``publish(expected=...)``: no condition (a full rebuild from the source of truth, e.g. the CLI reindex)
UNCONDITIONAL = object()


def _check_version(version: str) -> str:
    if not isinstance(version, str) or not _VERSION_RE.match(version):
        raise ValueError(f"invalid snapshot version {version!r}")
    return version


def write_tar(index_dir: str, fileobj: IO[bytes], compression: str = "zstd") -> None:
    """Write the index directory's regular files (sorted, no lock files) as a tar: zstd, gzip-1 or plain."""
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {sorted(COMPRESSIONS)}")
    gz: Any = None
    if compression == "gzip":
        gz = gzip.GzipFile(fileobj=fileobj, mode="wb", compresslevel=1, mtime=0)
    elif compression == "zstd":
        import zstandard  # lazy: only the publisher and a cold load need it

        gz = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).stream_writer(fileobj, closefd=False)
    out: IO[bytes] = gz if gz is not None else fileobj
    try:
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(os.listdir(index_dir)):
                path = os.path.join(index_dir, name)
                if name in _SKIP_FILES or ".tmp-" in name or not os.path.isfile(path):
                    continue
                info = tar.gettarinfo(path, arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(path, "rb") as fh:
                    tar.addfile(info, fh)
    finally:
        if gz is not None:
            gz.close()


class _Peeked:
    """A read-only stream with its first bytes already read (to sniff the compression)."""

    def __init__(self, head: bytes, raw: Any) -> None:
        self._head = head
        self._raw = raw

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._raw.read(n) if n is not None and n >= 0 else self._raw.read()
        if n is None or n < 0:
            data, self._head = self._head + self._raw.read(), b""
            return data
        data, self._head = self._head[:n], self._head[n:]
        if len(data) < n:
            data += self._raw.read(n - len(data))
        return data


def extract_tar(fileobj: IO[bytes], dest: str) -> None:
    """Extract a snapshot tar stream (plain, gzip or zstd) into ``dest``: regular files only, none outside it."""
    head = fileobj.read(4)
    stream: Any = _Peeked(head, fileobj)
    if head != _ZSTD_MAGIC:
        _extract(stream, dest)
        return
    import zstandard

    try:
        _extract(zstandard.ZstdDecompressor().stream_reader(stream, read_size=_COPY_CHUNK, closefd=False), dest)
    except zstandard.ZstdError as exc:
        raise tarfile.ReadError(f"zstd: {exc}") from exc


def _extract(stream: Any, dest: str) -> None:
    with tarfile.open(fileobj=stream, mode="r|*", bufsize=_COPY_CHUNK, copybufsize=_COPY_CHUNK) as tar:
        for member in tar:
            if not member.isfile() or "/" in member.name or member.name in ("", ".", ".."):
                raise ValueError(f"unexpected entry in search snapshot: {member.name!r}")
            tar.extract(member, dest, filter="data")


class _Prefetch:
    """File-like reader of ``raw`` fed by a thread: the download (and its SHA-256) runs while the caller
    decompresses and writes what arrived — network wait and extraction overlap instead of alternating.

    The thread reads ``_COPY_CHUNK`` pieces into a bounded queue (at most ``depth`` MiB ahead); an error on
    the download is raised to the reader. ``close()`` stops the thread early (e.g. a corrupt snapshot).
    """

    def __init__(self, raw: Any, depth: int = 16) -> None:
        import queue

        self._q: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
        self._buf = b""
        self._eof = False
        self._stop = threading.Event()
        self.sha256 = hashlib.sha256()
        self.size = 0
        self._thread = threading.Thread(target=self._pump, args=(raw,), name="search-snapshot-download",
                                        daemon=True)
        self._thread.start()

    def _pump(self, raw: Any) -> None:
        try:
            while not self._stop.is_set():
                chunk = raw.read(_COPY_CHUNK)
                if not chunk:
                    break
                self.sha256.update(chunk)
                self.size += len(chunk)
                self._q.put(chunk)
            self._q.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
            self._q.put(exc)

    def read(self, n: int = -1) -> bytes:
        want = None if n is None or n < 0 else n
        while not self._eof and (want is None or len(self._buf) < want):
            item = self._q.get()
            if item is None:
                self._eof = True
            elif isinstance(item, BaseException):
                self._eof = True
                raise item
            else:
                self._buf += item
        if want is None:
            data, self._buf = self._buf, b""
        else:
            data, self._buf = self._buf[:want], self._buf[want:]
        return data

    def drain(self) -> None:
        """Read to the end (so the digest covers the whole object)."""
        while self.read(_COPY_CHUNK):
            pass

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():  # unblock a put() on a full queue
            try:
                self._q.get(timeout=0.05)
            except Exception:  # noqa: BLE001 - queue.Empty: the thread is finishing
                pass


class SnapshotStore:
    """S3-backed snapshot store. The boto3 S3 client and the bucket are injected."""

    def __init__(self, s3_client: Any, bucket: str, prefix: str = "search/", compression: str = "zstd") -> None:
        if not bucket:
            raise ValueError("bucket is required")
        if compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {sorted(COMPRESSIONS)}")
        self._s3 = s3_client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.compression = compression

    @property
    def current_key(self) -> str:
        return f"{self.prefix}current.json"

    def snapshot_key(self, version: str, compression: str | None = None) -> str:
        suffix = COMPRESSIONS[compression or self.compression]
        return f"{self.prefix}snapshots/{_check_version(version)}{suffix}"

    def publish(self, index_dir: str, *, expected: Any = UNCONDITIONAL) -> str:
        """Upload ``index_dir`` as a new snapshot, then point ``current.json`` at it. Returns the version.

        ``expected``: the ETag of the ``current.json`` this index was derived from (:meth:`current_tagged`; None:
        there was none). ``current.json`` is then replaced only if it is still that object (S3's conditional
        write, ``If-Match``/``If-None-Match``), else :class:`SnapshotConflict`: two catalog workers that started
        from the same snapshot cannot both publish, so neither silently drops the other's update.

        Kept: the new snapshot and the one it replaces (``previous_key``: a container may still be downloading it);
        the one before those is deleted once ``current.json`` no longer names it, and the upload of a publish that
        lost the race is deleted too. A failed delete only leaves an object behind (logged)."""
        old, old_tag = self.current_tagged()
        if expected is not UNCONDITIONAL and old_tag != expected:
            raise SnapshotConflict("current.json changed since it was read")  # before uploading anything
        doc_count = SearchIndex.open(index_dir, parallel=False).doc_count()
        built_at = _built_at(index_dir)
        version = new_version()
        key = self.snapshot_key(version)
        with tempfile.TemporaryFile() as tmp:
            write_tar(index_dir, tmp, self.compression)
            size = tmp.tell()
            tmp.seek(0)
            digest = hashlib.sha256()
            while chunk := tmp.read(_COPY_CHUNK):
                digest.update(chunk)
            tmp.seek(0)
            self._s3.upload_fileobj(
                tmp, self.bucket, key,
                ExtraArgs={
                    "ContentType": CONTENT_TYPES[self.compression],
                    "Metadata": {"sha256": digest.hexdigest()},
                },
            )
        manifest = {
            "version": version,
            "key": key,
            "doc_count": doc_count,
            "built_at": built_at,
            "size_bytes": size,
            "sha256": digest.hexdigest(),
            "compression": self.compression,
            "schema_version": engine.SCHEMA_VERSION,
            "previous_key": old.get("key") if old else None,
        }
        condition: dict[str, str] = {}
        if expected is not UNCONDITIONAL:
            condition = {"IfMatch": expected} if expected else {"IfNoneMatch": "*"}
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=self.current_key,
                Body=json.dumps(manifest).encode(),
                ContentType="application/json",
                CacheControl="no-cache",
                **condition,
            )
        except Exception as exc:
            if condition and aws.error_code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                self._delete(key)  # certainly never named by current.json (after another error it might be)
                raise SnapshotConflict(f"current.json changed while {version} was built") from exc
            raise
        log.info("search snapshot published: %s (%d docs, %d bytes)", version, doc_count, size)
        stale = old.get("previous_key") if old else None
        if stale and stale not in (key, old.get("key")):
            self._delete(stale)
        return version

    def _delete(self, key: str) -> None:
        try:
            self._s3.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:  # noqa: BLE001 - a leftover object, not a wrong index
            log.warning("search snapshot %s not deleted: %s", key, aws.error_code(exc) or type(exc).__name__)

    def current(self) -> dict[str, Any] | None:
        """The ``current.json`` manifest, or None when nothing was published yet."""
        return self.current_tagged()[0]

    def current_tagged(self) -> tuple[dict[str, Any] | None, str | None]:
        """The ``current.json`` manifest and its ETag (for :meth:`publish`'s ``expected``), or (None, None)."""
        try:
            obj = self._s3.get_object(Bucket=self.bucket, Key=self.current_key)
        except Exception as exc:
            if aws.not_found(exc):
                return None, None
            raise
        return json.loads(obj["Body"].read()), obj.get("ETag")

    def current_version(self) -> str | None:
        manifest = self.current()
        return None if manifest is None else str(manifest["version"])

    def download(self, version: str, dest_root: str) -> str:
        """Extract snapshot ``version`` into ``dest_root/<version>/`` (atomically) and return that path.

        The object is fetched in ``PART_BYTES`` ranges, up to ``PARALLEL_PARTS`` at a time on their own
        connections (S3 serves one connection at roughly 90 MB/s, so a 26 MB snapshot took ~0.3 s of network
        alone), and extracted in order as the parts arrive."""
        _check_version(version)
        final = os.path.join(dest_root, version)
        if os.path.isdir(final):
            return final
        os.makedirs(dest_root, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{version}.", dir=dest_root)
        try:
            obj, key = self._get_snapshot(version)
            body = _Ranged(self._s3, self.bucket, key, obj)
            reader = _Prefetch(body)
            try:
                extract_tar(reader, tmp)  # type: ignore[arg-type]
                reader.drain()
            except (tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile) as exc:
                raise ValueError(f"search snapshot {version} is corrupt: {exc}") from exc
            finally:
                reader.close()
                body.close()
            expected = (obj.get("Metadata") or {}).get("sha256")
            if expected and expected != reader.sha256.hexdigest():
                raise ValueError(f"search snapshot {version} is corrupt (sha256 mismatch)")
            if reader.size != body.total:
                raise ValueError(f"search snapshot {version} is corrupt ({reader.size} of {body.total} bytes)")
            try:
                os.rename(tmp, final)
            except OSError:
                if not os.path.isdir(final):  # not a concurrent download of the same version
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final

    def _get_snapshot(self, version: str) -> tuple[dict[str, Any], str]:
        """GET the snapshot object's first part, whichever compression it was published with: (response, key)."""
        order = [self.compression] + [c for c in COMPRESSIONS if c != self.compression]
        for i, compression in enumerate(order):
            key = self.snapshot_key(version, compression)
            try:
                return self._s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{PART_BYTES - 1}"), key
            except Exception as exc:
                if i == len(order) - 1 or not aws.not_found(exc):
                    raise
        raise AssertionError("unreachable")


class _Ranged:
    """The whole object as one stream: the first part's body (already requested), then the other parts, each a
    ranged GET of the same object version (``IfMatch`` its ETag) started at once on a small pool of threads and
    read in order. ``total`` is the object's size (from ``Content-Range``)."""

    def __init__(self, s3: Any, bucket: str, key: str, first: dict[str, Any]) -> None:
        self._body = first["Body"]
        content_range = str(first.get("ContentRange") or "")
        self.total = int(content_range.rpartition("/")[2]) if "/" in content_range else int(first["ContentLength"])
        self._futures: list[Any] = []
        self._pool: Any = None
        starts = list(range(PART_BYTES, self.total, PART_BYTES))
        if starts:
            from concurrent.futures import ThreadPoolExecutor

            extra = {"IfMatch": first["ETag"]} if first.get("ETag") else {}

            def part(start: int) -> bytes:
                end = min(start + PART_BYTES, self.total) - 1
                resp = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end}", **extra)
                data = resp["Body"].read()
                if len(data) != end - start + 1:
                    raise EOFError(f"snapshot part {start}-{end}: {len(data)} bytes")
                return data

            self._pool = ThreadPoolExecutor(max_workers=PARALLEL_PARTS - 1, thread_name_prefix="search-snapshot-part")
            self._futures = [self._pool.submit(part, start) for start in starts]
        self._next = 0
        self._buf = memoryview(b"")

    def read(self, n: int = -1) -> bytes:
        while True:
            if self._body is not None:
                chunk = self._body.read(n if n is not None and n >= 0 else None)
                if chunk:
                    return chunk
                self._body = None
            if self._buf:
                take = len(self._buf) if n is None or n < 0 else n
                data, self._buf = bytes(self._buf[:take]), self._buf[take:]
                return data
            if self._next >= len(self._futures):
                return b""
            self._buf = memoryview(self._futures[self._next].result())
            self._futures[self._next] = None
            self._next += 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _warm_in_background() -> threading.Thread:
    """Import Tantivy and load the stemmer's dictionary on a thread while the first snapshot downloads.

    A cold container's first search otherwise pays them after the download (~0.1 s together); the
    download mostly waits on the network, so the two overlap. Failures are left to the real use.
    """

    def warm() -> None:
        try:
            import tantivy  # noqa: F401

            from chalicelib.catalog.search import text

            text.default_stemmer().warm()
        except Exception:  # noqa: BLE001 - only a warm-up; the first real use raises properly
            log.debug("search warm-up failed", exc_info=True)

    thread = threading.Thread(target=warm, name="search-warm-up", daemon=True)
    thread.start()
    return thread


def _built_at(index_dir: str) -> str:
    try:
        with open(os.path.join(index_dir, "silastik-search.json"), encoding="utf-8") as fh:
            value = json.load(fh).get("built_at")
    except (OSError, ValueError):
        value = None
    return value or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class SearchService:
    """What the API uses: the current snapshot's index, loaded lazily and refreshed periodically."""

    def __init__(
        self,
        store: SnapshotStore,
        local_root: str = "/tmp/silastik-search",  # noqa: S108 - Lambda's writable scratch space
        refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        parallel: bool | None = None,
    ) -> None:
        """``parallel``: run top-k and facets on two threads (default: when the host has >= 2 CPUs)."""
        self._store = store
        self._parallel = parallel
        self._root = local_root
        self._refresh = float(refresh_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._index: SearchIndex | None = None
        self._version: str | None = None
        self._next_check = float("-inf")
        self._preload_error: BaseException | None = None

    @property
    def version(self) -> str | None:
        """Version of the loaded snapshot (None before the first load)."""
        return self._version

    def invalidate(self) -> None:
        """Check ``current.json`` again on the next :meth:`index` call."""
        self._next_check = float("-inf")

    def preload(self) -> bool:
        """On a cold container (nothing loaded yet), start loading the current snapshot on a thread and return True:
        the caller's other work (the search route's FAQ lookup, its DynamoDB client) then overlaps the download,
        and :meth:`index` waits for the load (raising what it raised). A no-op otherwise (False)."""
        if self._index is not None or not self._lock.acquire(blocking=False):
            return False
        self._preload_error = None

        def load() -> None:
            try:
                self._refresh_locked()
            except BaseException as exc:  # noqa: BLE001 - handed to the next index() call
                self._preload_error = exc
            finally:
                self._lock.release()  # acquired by the caller's thread: a plain Lock may be released by another

        threading.Thread(target=load, name="search-preload", daemon=True).start()
        return True

    def index(self) -> SearchIndex:
        """The current index; raises :class:`SearchUnavailable` when no snapshot can be loaded."""
        current = self._index
        if current is not None and self._clock() < self._next_check:
            return current
        if current is not None:
            # Someone else is refreshing: keep serving the loaded index instead of waiting.
            if not self._lock.acquire(blocking=False):
                return current
        else:
            self._lock.acquire()
        try:
            error, self._preload_error = self._preload_error, None
            if error is not None and self._index is None:
                raise error  # the preload just failed: not a second attempt within the same request
            return self._refresh_locked()
        finally:
            self._lock.release()

    def _refresh_locked(self) -> SearchIndex:
        now = self._clock()
        if self._index is not None and now < self._next_check:
            return self._index
        self._next_check = now + self._refresh
        try:
            version = self._store.current_version()
            if version is None:
                if self._index is not None:
                    return self._index
                raise SearchUnavailable("indeks pencarian belum tersedia")
            if version == self._version and self._index is not None:
                return self._index
            warm = _warm_in_background() if self._index is None else None
            path = self._store.download(version, self._root)
            if warm is not None:
                warm.join()
            new_index = SearchIndex.open(path, parallel=self._parallel)
        except SearchUnavailable:
            raise
        except Exception as exc:
            if self._index is not None:
                log.warning("search snapshot refresh failed, serving %s: %s", self._version, exc)
                return self._index
            raise SearchUnavailable("indeks pencarian tidak dapat dimuat") from exc
        old = self._index
        self._index, self._version = new_index, version
        log.info("search snapshot loaded: %s (%d docs)", version, new_index.doc_count())
        if old is not None:
            old.close()
        self._cleanup(keep=version)
        return new_index

    def _cleanup(self, keep: str) -> None:
        """Remove other extracted versions (open mmaps of an old index stay valid on Linux)."""
        try:
            names = os.listdir(self._root)
        except OSError:
            return
        for name in names:
            if name != keep and _VERSION_RE.match(name):
                shutil.rmtree(os.path.join(self._root, name), ignore_errors=True)

"""The catalog worker: the catalog queue's index updates (an item created, edited or published) folded into a
new immutable search snapshot; a redelivery re-applies the same items.

Two invocations may run at once (the queue's event source runs at least two), so publishing is a compare-and-swap
on ``current.json`` (:meth:`SnapshotStore.publish` with ``expected``): a worker whose snapshot was replaced while it
worked reads the catalog and the new snapshot again and re-applies its items, instead of publishing an index
without the other worker's change.

A snapshot of another index schema (a deployment changed it) cannot take updates: the worker then rebuilds the
index from the catalog table (a Scan: background work, never a request path) — on an update, or on the
``{"rebuild": version}`` message the tick sends while ``current.json`` names an older schema
(:func:`chalicelib.catalog.service.request_rebuild_if_stale`). Until then search keeps answering from what it can
load."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from chalicelib.catalog.repository import CatalogRepository
from chalicelib.catalog.service import snapshot_store
from chalicelib.core import obs

ATTEMPTS = 5  # compare-and-swap rounds before the message goes back to the queue


def handle(message: dict[str, Any]) -> None:
    """One catalog-queue message ({"upserts": [item ids]}, or {"rebuild": stale version})."""
    if "rebuild" in message:
        rebuild_if_stale()
        return
    apply_index_updates([message])


def _until_published(once: Callable[[], str | None]) -> str | None:
    """``once()`` again while another writer replaced the snapshot it started from (up to ATTEMPTS rounds)."""
    from chalicelib.catalog.search.snapshot import SnapshotConflict

    for attempt in range(1, ATTEMPTS):
        try:
            return once()
        except SnapshotConflict:
            obs.logger().info("search snapshot replaced meanwhile: again", extra={"attempt": attempt})
    return once()  # the last round: a conflict goes back to the queue


def apply_index_updates(messages: list[dict[str, Any]]) -> str | None:
    """Fold queued edits into a new immutable snapshot. Returns its version (None: nothing to do)."""
    ids = sorted({i for m in messages for i in m.get("upserts", [])})
    if not ids:
        return None
    return _until_published(lambda: _apply_once(ids))


def _apply_once(ids: list[str]) -> str:
    from chalicelib.catalog.search.engine import IncompatibleIndex, SearchIndex

    store = snapshot_store()
    manifest, etag = store.current_tagged()  # first: the items read below are at least as new as this snapshot
    records = CatalogRepository().get_many(ids)
    upserts = [r.to_dict() for r in records.values() if r.status == "published"]
    deletes = [i for i in ids if i not in records or records[i].status != "published"]
    with tempfile.TemporaryDirectory(prefix="silastik-index-") as tmp:
        if manifest is None:
            index = SearchIndex.build(upserts, f"{tmp}/index")
            index_dir = f"{tmp}/index"
        else:
            version = str(manifest["version"])
            index_dir = store.download(version, tmp)
            try:
                index = SearchIndex.open(index_dir)
            except IncompatibleIndex:
                obs.logger().warning("search snapshot has another schema: rebuilding", extra={"version": version})
                return _rebuild(etag)  # reads the table as it is now: these edits included
            index.apply_changes(upserts, deletes)
        new_version = store.publish(index_dir, expected=etag)
    obs.count("SearchSnapshotPublished")
    return new_version


def rebuild_if_stale() -> str | None:
    """Rebuild unless ``current.json`` already names a snapshot of this schema (a repeated request, or one that an
    update's rebuild already answered, is a no-op). Returns the new version, or None."""
    from chalicelib.catalog.search.engine import SCHEMA_VERSION

    def once() -> str | None:
        manifest, etag = snapshot_store().current_tagged()
        if manifest is not None and manifest.get("schema_version") == SCHEMA_VERSION:
            return None
        return _rebuild(etag)

    return _until_published(once)


def _rebuild(expected: str | None) -> str:
    from chalicelib.catalog.search.engine import SearchIndex

    items = (r.to_dict() for r in CatalogRepository().scan_all() if r.status == "published")
    with tempfile.TemporaryDirectory(prefix="silastik-index-") as tmp:
        SearchIndex.build(items, f"{tmp}/index")
        version = snapshot_store().publish(f"{tmp}/index", expected=expected)
    obs.count("SearchSnapshotRebuilt")
    obs.logger().info("search index rebuilt from the catalog table", extra={"version": version})
    return version

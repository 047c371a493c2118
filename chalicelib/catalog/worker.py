"""The catalog worker: the catalog queue's index updates (an item created, edited or published) folded into a
new immutable search snapshot. One writer (reserved concurrency 1); a redelivery re-applies the same items.

A snapshot of another index schema (a deployment changed it) cannot take updates: the worker then rebuilds the
index from the catalog table (a Scan: background work, never a request path) — on an update, or on the
``{"rebuild": version}`` message the tick sends while ``current.json`` names an older schema
(:func:`chalicelib.catalog.service.rebuild_if_stale`). Until then search keeps answering from what it can load."""

from __future__ import annotations

import tempfile
from typing import Any

from chalicelib.catalog.repository import CatalogRepository
from chalicelib.catalog.service import snapshot_store
from chalicelib.core import obs


def handle(message: dict[str, Any]) -> None:
    """One catalog-queue message ({"upserts": [item ids]}, or {"rebuild": stale version})."""
    if "rebuild" in message:
        rebuild_if_stale()
        return
    apply_index_updates([message])


def apply_index_updates(messages: list[dict[str, Any]]) -> str | None:
    """Catalog worker: fold queued edits into a new immutable snapshot (one writer: reserved concurrency 1)."""
    from chalicelib.catalog.search.engine import IncompatibleIndex, SearchIndex

    ids = sorted({i for m in messages for i in m.get("upserts", [])})
    if not ids:
        return None
    store = snapshot_store()
    records = CatalogRepository().get_many(ids)
    upserts = [r.to_dict() for r in records.values() if r.status == "published"]
    deletes = [i for i in ids if i not in records or records[i].status != "published"]
    version = store.current_version()
    with tempfile.TemporaryDirectory(prefix="silastik-index-") as tmp:
        if version is None:
            index = SearchIndex.build(upserts, f"{tmp}/index")
            index_dir = f"{tmp}/index"
        else:
            index_dir = store.download(version, tmp)
            try:
                index = SearchIndex.open(index_dir)
            except IncompatibleIndex:
                obs.logger().warning("search snapshot has another schema: rebuilding", extra={"version": version})
                return _rebuild()  # reads the table as it is now: these edits included
            index.apply_changes(upserts, deletes)
        new_version = store.publish(index_dir)
    obs.count("SearchSnapshotPublished")
    return new_version


def rebuild_if_stale() -> str | None:
    """Rebuild unless ``current.json`` already names a snapshot of this schema (a repeated request, or one that an
    update's rebuild already answered, is a no-op). Returns the new version, or None."""
    from chalicelib.catalog.search.engine import SCHEMA_VERSION

    manifest = snapshot_store().current()
    if manifest is not None and manifest.get("schema_version") == SCHEMA_VERSION:
        return None
    return _rebuild()


def _rebuild() -> str:
    from chalicelib.catalog.search.engine import SearchIndex

    items = (r.to_dict() for r in CatalogRepository().scan_all() if r.status == "published")
    with tempfile.TemporaryDirectory(prefix="silastik-index-") as tmp:
        SearchIndex.build(items, f"{tmp}/index")
        version = snapshot_store().publish(f"{tmp}/index")
    obs.count("SearchSnapshotRebuilt")
    obs.logger().info("search index rebuilt from the catalog table", extra={"version": version})
    return version

"""The catalog worker: the catalog queue's index updates (an item created, edited or published) folded into a
new immutable search snapshot. One writer (reserved concurrency 1); a redelivery re-applies the same items."""

from __future__ import annotations

from typing import Any

from chalicelib.catalog.repository import CatalogRepository
from chalicelib.catalog.service import snapshot_store
from chalicelib.core import obs


def handle(message: dict[str, Any]) -> None:
    """One catalog-queue message ({"upserts": [item ids]})."""
    apply_index_updates([message])


def apply_index_updates(messages: list[dict[str, Any]]) -> str | None:
    """Catalog worker: fold queued edits into a new immutable snapshot (one writer: reserved concurrency 1)."""
    import tempfile

    from chalicelib.catalog.search.engine import SearchIndex

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
            index = SearchIndex.open(index_dir)
            index.apply_changes(upserts, deletes)
        new_version = store.publish(index_dir)
    obs.count("SearchSnapshotPublished")
    return new_version

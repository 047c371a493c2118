"""Catalog use cases: search over the S3 index snapshot, item detail, admin edits (their index update and
release fan-out are outbox rows of the edit's own transaction), and the catalog worker that applies them to a new
snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from chalicelib.catalog.models import CatalogRecord
from chalicelib.catalog.repository import CatalogRepository
from chalicelib.catalog.schemas import CatalogItemIn, CatalogItemOut, SearchQuery
from chalicelib.core import clock, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, NotFound

_service: Any = None
_store: Any = None
_lock = threading.Lock()


def snapshot_store() -> Any:
    global _store
    from chalicelib.catalog.search.snapshot import SnapshotStore
    from chalicelib.core import aws

    with _lock:
        if _store is None:
            _store = SnapshotStore(aws.client("s3"), get_settings().search_bucket_name)
        return _store


def search_service() -> Any:
    global _service
    from chalicelib.catalog.search.snapshot import SearchService

    s = get_settings()
    store = snapshot_store()
    with _lock:
        if _service is None:
            _service = SearchService(store, local_root=s.search_local_root, refresh_seconds=s.search_refresh_s)
        return _service


def reset() -> None:
    global _service, _store
    _service = None
    _store = None


EMPTY_FACETS = {"type": {}, "subject": {}, "region": {}, "year": {}, "province": {}, "regency": {}}


def search(q: SearchQuery, faq: Callable[[str, int], list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The catalog's answer to `q`; `faq(q, n)` (the FAQ's top matches, passed in by the caller: the FAQ sits
    above the catalog) adds the FAQ hint on the first page."""
    from chalicelib.catalog.search.snapshot import SearchUnavailable

    try:
        service = search_service()
    except LookupError:
        service = None
    if service is not None:  # a cold container loads the snapshot on a thread meanwhile: the FAQ overlaps it
        service.preload()
    faq_items = _faq_for(q.q, faq) if q.page == 1 and faq is not None else []
    try:
        index = service.index() if service is not None else None
    except (LookupError, SearchUnavailable):
        index = None  # no snapshot published yet: an empty catalog, not an error
    if index is None:
        result = {"total": 0, "page": q.page, "page_size": q.page_size, "sort": q.sort, "items": [],
                  "facets": EMPTY_FACETS}
    else:
        try:
            result = index.search(q.q, sort=q.sort, page=q.page, page_size=q.page_size, **q.filters())
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
    result["faq"] = faq_items
    return result


def _faq_for(q: str, faq: Callable[[str, int], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The top approved FAQ entries for the search words (issue 12); never fails the search itself."""
    if not q.strip():
        return []
    try:
        return faq(q, 3)
    except Exception:  # noqa: BLE001 - the catalog answer matters more than the FAQ hint
        obs.logger().exception("FAQ lookup failed; search answered without it")
        return []


def get_item(item_id: str) -> CatalogItemOut:
    return CatalogItemOut(**CatalogRepository().get(item_id).to_dict())


def _new_id(item_type: str) -> str:
    import secrets

    prefix = {"table_static": "TS", "table_dynamic": "TD", "publication": "PB", "microdata": "MD", "map": "MP"}[item_type]
    return f"{prefix}-{secrets.token_hex(5).upper()}"


def to_record(body: CatalogItemIn, item_id: str, actor: str) -> CatalogRecord:
    data = body.model_dump()
    data["id"] = item_id
    data["release_date"] = body.release_date.isoformat()
    data["release_month"] = data["release_date"][:7]
    data["updated_at"] = clock.iso()
    data["updated_by"] = actor
    return CatalogRecord(**data)


def create_item(body: CatalogItemIn, actor: str) -> CatalogItemOut:
    item_id = body.id or _new_id(body.type)
    rec = to_record(body, item_id, actor)
    _save(rec, CatalogRecord.id.does_not_exist(), published=rec.status == "published",
          conflict=Conflict("a catalog item with this id exists", code="duplicate"))
    return CatalogItemOut(**rec.to_dict())


def update_item(item_id: str, body: CatalogItemIn, actor: str) -> CatalogItemOut:
    if body.id and body.id != item_id:
        raise BadRequest("id in the body differs from the path")
    before = CatalogRepository().get(item_id)
    rec = to_record(body, item_id, actor)
    _save(rec, CatalogRecord.id.exists(), published=rec.status == "published" and before.status != "published",
          conflict=NotFound("catalog item not found"))
    return CatalogItemOut(**rec.to_dict())


def _save(rec: CatalogRecord, condition: Any, *, published: bool, conflict: Exception) -> None:
    """Save the item with what must follow it in one transaction (outbox rows): its search-index update, and the
    fan-out to subscribers when it has just become published (issue 12). A lost send never leaves an item
    unindexed or its subscribers untold."""
    from chalicelib.core import outbox

    outbox.commit([lambda tx: tx.save(rec, condition=condition)],
                  announcements(rec.id, rec.updated_at, rec.release_date if published else None), conflict=conflict)


def announcements(item_id: str, updated_at: str, released_on: str | None) -> list[Any]:
    """The messages that follow a change of the item: its index update (the catalog worker re-reads the item, so a
    repeat is harmless) and, when it has just been published (`released_on`: its release date), the release fan-out
    (a jobs message, handled once per subscriber by `chalicelib.subscriptions.service.on_release`)."""
    from chalicelib.core import queues
    from chalicelib.core.outbox import Message

    out = [Message(queues.CATALOG, f"upsert#{item_id}#{updated_at}", {"upserts": [item_id]})]
    if released_on is not None:
        out.append(Message(queues.JOBS, f"release#{item_id}#{released_on}", {"job": "release", "item_id": item_id}))
    return out


def rebuild_index(items: Any) -> str:
    """Full build from an iterable of item dicts (CLI import, or a background rebuild from DynamoDB)."""
    import tempfile

    from chalicelib.catalog.search.engine import SearchIndex

    with tempfile.TemporaryDirectory(prefix="silastik-index-") as tmp:
        SearchIndex.build(items, f"{tmp}/index")
        return snapshot_store().publish(f"{tmp}/index")


def request_rebuild_if_stale() -> dict[str, int]:
    """Scheduled (the tick): while ``current.json`` names a snapshot of an older index schema — right after a
    deployment that changed it — ask the catalog worker for a rebuild from the table. One GET of the manifest a
    tick; the worker ignores a request that an earlier one already answered, so sending again each tick until the
    new snapshot is published is how a lost message or a failed rebuild is retried."""
    from chalicelib.catalog.search.engine import SCHEMA_VERSION
    from chalicelib.core import queues

    manifest = snapshot_store().current()
    if manifest is None or manifest.get("schema_version") == SCHEMA_VERSION:
        return {"rebuild_requested": 0}
    queues.send(queues.CATALOG, {"rebuild": str(manifest.get("version"))})
    obs.logger().warning("search snapshot has an older schema: rebuild requested",
                         extra={"version": manifest.get("version"), "schema_version": manifest.get("schema_version")})
    return {"rebuild_requested": 1}

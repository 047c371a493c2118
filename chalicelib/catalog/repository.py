"""Catalog data access."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist

from chalicelib.catalog.models import CatalogRecord
from chalicelib.core.errors import NotFound


class CatalogRepository:
    def get(self, item_id: str) -> CatalogRecord:
        try:
            return CatalogRecord.get(item_id)
        except DoesNotExist as exc:
            raise NotFound("catalog item not found") from exc

    def get_many(self, ids: Iterable[str]) -> dict[str, CatalogRecord]:
        ids = sorted(set(ids))
        if not ids:
            return {}
        return {r.id: r for r in CatalogRecord.batch_get(ids)}

    def save(self, rec: CatalogRecord) -> None:
        rec.save()

    def scan_all(self) -> Iterable[CatalogRecord]:
        """Only for the index builder and exports (background jobs), never a request path."""
        return CatalogRecord.scan()

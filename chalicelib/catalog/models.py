"""Catalog items in DynamoDB (the source of truth; the search index is a snapshot built from here)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class BySeries(GlobalSecondaryIndex):
    Meta = index_meta("by_series")

    series_id = UnicodeAttribute(hash_key=True)
    release_date = UnicodeAttribute(range_key=True)


class ByReleaseMonth(GlobalSecondaryIndex):
    Meta = index_meta("by_release_month")

    release_month = UnicodeAttribute(hash_key=True)
    release_date = UnicodeAttribute(range_key=True)


class CatalogRecord(Model):
    Meta = meta("catalog")

    id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    title = UnicodeAttribute()
    abstract = UnicodeAttribute(default="")
    subject = UnicodeAttribute()
    region_code = UnicodeAttribute(default="0000")
    region = UnicodeAttribute()
    level = UnicodeAttribute(default="nasional")
    year = NumberAttribute()
    period = UnicodeAttribute(default="")
    format = UnicodeAttribute(default="xlsx")
    size_bytes = NumberAttribute(default=0)
    price_idr = NumberAttribute(default=0)
    access = UnicodeAttribute(default="open")
    release_date = UnicodeAttribute()
    release_month = UnicodeAttribute(null=True)
    series_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="published")
    updated_at = UnicodeAttribute(default="")
    updated_by = UnicodeAttribute(default="")

    by_series = BySeries()
    by_release_month = ByReleaseMonth()

    FIELDS = ("id", "type", "title", "abstract", "subject", "region_code", "region", "level", "year", "period",
              "format", "size_bytes", "price_idr", "access", "release_date", "series_id", "status", "updated_at")

    def to_dict(self) -> dict:
        out = {}
        for f in self.FIELDS:
            v = getattr(self, f)
            if f in ("year", "size_bytes", "price_idr") and v is not None:
                v = int(v)
            out[f] = v
        return out

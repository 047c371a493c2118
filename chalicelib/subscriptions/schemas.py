"""API shapes of `/me/subscriptions` (issue 12)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints, model_validator

from chalicelib.core.schema import Schema

Word = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]


class SavedQuery(Schema):
    """A saved search: the same criteria as `GET /catalog/search` (equal fields, words contained in the text)."""

    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    type: Literal["table_static", "table_dynamic", "publication", "microdata", "map"] | None = None
    subject: Word | None = None
    region: Word | None = None

    @model_validator(mode="after")
    def _something(self) -> SavedQuery:
        if not (self.q or self.type or self.subject or self.region):
            raise ValueError("a saved search needs at least one of q, type, subject, region")
        return self


class SubscriptionIn(Schema):
    """Exactly one of `series_id` (a catalog series) and `query` (a saved search). `auto_order` (series of paid
    items only) places a data order for each new release automatically; billing follows the normal workflow."""

    model_config = ConfigDict(extra="forbid")
    series_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    query: SavedQuery | None = None
    auto_order: bool = False

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionIn:
        if (self.series_id is None) == (self.query is None):
            raise ValueError("give exactly one of series_id and query")
        if self.auto_order and self.query is not None:
            raise ValueError("auto_order is only available for a series subscription")
        return self


class SubscriptionOut(Schema):
    subscription_id: str
    kind: Literal["series", "search"]
    series_id: str | None = None
    query: dict[str, Any] | None = None
    label: str
    auto_order: bool
    created_at: str
    last_release_at: str | None = None
    last_item_id: str | None = None
    releases_notified: int = 0

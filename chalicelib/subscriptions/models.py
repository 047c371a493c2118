"""Subscriptions of regular consumers (issue 12): to a statistical series (e.g. the monthly inflation of a
province) or to a saved search.

Table `subscriptions`, key (`user_id`, `subscription_id`): a user's subscriptions are one Query.
GSI `by_series` (series_id, subscription_id) — sparse, series subscriptions only: who follows a series.
GSI `by_anchor` (anchor, subscription_id) — sparse, saved searches only. A saved search is filed under one
*anchor*, its most selective criterion (``subject#<folded subject>``, else ``region#<code or folded name>``,
else ``type#<type>``, else ``q#<longest stem of q>``). When an item is published the fan-out Queries the anchors
that item can satisfy (its subject, region code and name, type, and every stem of its text) and evaluates each
candidate's whole query against the item — a handful of Queries, never a Scan of all saved searches.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta

SERIES, SEARCH = "series", "search"


class BySeries(GlobalSecondaryIndex):
    Meta = index_meta("by_series")

    series_id = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)


class ByAnchor(GlobalSecondaryIndex):
    Meta = index_meta("by_anchor")

    anchor = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)


class SubscriptionRecord(Model):
    Meta = meta("subscriptions")

    user_id = UnicodeAttribute(hash_key=True)
    subscription_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # series | search
    series_id = UnicodeAttribute(null=True)
    anchor = UnicodeAttribute(null=True)
    search_query = JSONAttribute(null=True, attr_name="query")  # {"q", "type", "subject", "region"}
    label = UnicodeAttribute(default="")
    auto_order = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    last_release_at = UnicodeAttribute(null=True)
    last_item_id = UnicodeAttribute(null=True)
    releases_notified = NumberAttribute(default=0)

    by_series = BySeries()
    by_anchor = ByAnchor()

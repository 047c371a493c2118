"""Data access for subscriptions (table `subscriptions`: per user; GSIs `by_series` and `by_anchor` for the
release fan-out)."""

from __future__ import annotations

from chalicelib.subscriptions.models import SubscriptionRecord


def of_user(user_id: str) -> list[SubscriptionRecord]:
    return list(SubscriptionRecord.query(user_id))


def of_series(series_id: str) -> list[SubscriptionRecord]:
    return list(SubscriptionRecord.by_series.query(series_id))


def of_anchor(anchor: str) -> list[SubscriptionRecord]:
    return list(SubscriptionRecord.by_anchor.query(anchor))

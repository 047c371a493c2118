"""API shapes of the privacy routes (issue 12)."""

from __future__ import annotations

from typing import Any

from chalicelib.core.schema import Schema


class PrivacyExport(Schema):
    exported_at: str
    user_id: str
    profile: dict[str, Any] | None = None
    anonymized_at: str | None = None
    requests: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    subscriptions: list[dict[str, Any]]
    downloads: list[dict[str, Any]]
    retention: dict[str, int]


class AnonymizedOut(Schema):
    user_id: str
    pseudonym: str
    anonymized_at: str
    requests: int
    messages: int
    ledger_rows: int
    notifications: int
    subscriptions: int

"""API shapes of the caller's notifications (`GET /me/notifications`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.schema import Schema


class NotificationQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None
    page_size: int = Field(default=20, ge=1, le=100)


class NotificationOut(Schema):
    notif_id: str
    event: str
    channel: str
    delivery: str
    request_id: str | None = None
    subject: str
    body: str
    url: str | None = None
    created_at: str
    read_at: str | None = None
    read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = None

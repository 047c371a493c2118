"""API shapes of the caller's notifications (`GET /me/notifications`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class NotificationQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None
    page_size: int = Field(default=20, ge=1, le=100)


class NotificationOut(BaseModel):
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


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None = None

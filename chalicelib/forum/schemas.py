"""Pydantic models of the helpdesk forum API."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.schema import Schema

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
RequestId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                             pattern=r"^[A-Za-z0-9_-]+$")]


class ThreadIn(Schema):
    model_config = ConfigDict(extra="forbid")
    title: Title
    body: Body
    request_id: RequestId | None = None


class PostIn(Schema):
    model_config = ConfigDict(extra="forbid")
    body: Body


class ThreadQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    request_id: RequestId | None = None
    page_size: int = Field(default=20, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class PostOut(Schema):
    post_id: str
    thread_id: str
    author: str
    author_name: str = ""
    author_role: str = ""
    body: str
    at: str
    mentions: list[str] = Field(default_factory=list)


class ThreadOut(Schema):
    thread_id: str
    title: str
    request_id: str | None = None
    author: str
    author_name: str = ""
    created_at: str
    last_post_at: str
    last_post_by: str | None = None
    post_count: int = 0


class ThreadDetail(ThreadOut):
    posts: list[PostOut] = Field(default_factory=list)


class ThreadPage(Schema):
    items: list[ThreadOut]
    next_cursor: str | None = None

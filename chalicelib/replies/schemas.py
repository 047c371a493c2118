"""API shapes of canned replies."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, StringConstraints, field_validator

from chalicelib.core.schema import Schema

#: variable -> what it is filled with (shown to supervisors writing a template)
VARIABLES: dict[str, str] = {
    "nama_pemohon": "Nama pemohon",
    "id_permintaan": "Nomor permintaan",
    "tautan_permintaan": "Tautan permintaan di portal",
    "tautan_portal": "Tautan beranda portal",
    "tautan_katalog": "Tautan pencarian data di portal",
    "perihal": "Perihal/subjek permintaan",
    "nama_petugas": "Nama petugas yang membalas",
    "tenggat": "Tenggat permintaan (WIB)",
}
VAR_PATTERN = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def unknown_variables(body: str) -> list[str]:
    return sorted({m.group(1) for m in VAR_PATTERN.finditer(body)} - set(VARIABLES))


#: the topics a reply is filed under: the consultation topics, the other kinds, and general
TOPICS = ("data", "metadata", "classification", "data_order", "complaint", "general")
Topic = Literal["data", "metadata", "classification", "data_order", "complaint", "general"]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5000)]


class ReplyIn(Schema):
    """`body` is plain text; `{{variable}}` placeholders (VARIABLES) are filled per request."""

    model_config = ConfigDict(extra="forbid")
    title: Title
    topic: Topic
    body: Body
    active: bool = True

    @field_validator("body")
    @classmethod
    def _known_variables(cls, v: str) -> str:
        bad = unknown_variables(v)
        if bad:
            raise ValueError(f"unknown variable(s): {', '.join(bad)}")
        return v


class ReplyQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    topic: Topic | None = None
    include_inactive: bool = False


class ReplyOut(Schema):
    reply_id: str
    title: str
    topic: str
    body: str
    active: bool
    updated_at: str
    updated_by: str
    version: int


class VariableOut(Schema):
    name: str
    description: str


class ReplyList(Schema):
    items: list[ReplyOut]
    variables: list[VariableOut]


class RenderedReply(Schema):
    reply_id: str
    title: str
    body: str  # plain text with the variables filled: put in a textarea, never as HTML

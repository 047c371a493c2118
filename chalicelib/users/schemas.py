"""Profiles as the API reads and writes them (`GET`/`PUT /me`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, EmailStr, StringConstraints

from chalicelib.core.schema import Schema
from chalicelib.core.types import PlainName

Category = Literal["student", "academic", "business", "government", "citizen", "international", "other"]


class ProfileIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: PlainName | None = None
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[+0-9 ()-]*$")] | None = None
    institution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    category: Category | None = None


class EmailCodeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{6}$")]


class ProfileOut(Schema):
    user_id: str
    name: str
    email: str | None = None  # verified
    pending_email: str | None = None  # waiting for its code
    # until when the code sent to pending_email can confirm it (None: no usable code — none was sent, e.g. the
    # identity provider's unverified address at the first login, or it expired or ran out of attempts)
    pending_email_code_expires_at: str | None = None
    phone: str | None = None
    institution: str | None = None
    category: str | None = None
    roles: list[str] = []
    created_at: str
    updated_at: str

"""Pydantic models of the staff and units API (admin only: /ops/staff, /ops/units)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, EmailStr, Field, StringConstraints, field_validator

from chalicelib.core.schema import Schema

StaffRole = Literal["operator", "supervisor", "producer", "admin"]
#: the identity provider's `sub` (Keycloak and Cognito: a UUID; other IdPs: e.g. "auth0|abc")
UserId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128,
                                          pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@:|+-]*$")]
UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32,
                                            pattern=r"^[a-z][a-z0-9_-]{1,31}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Service = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
_LINK = re.compile(r"(https?://|www\.|[a-z0-9-]+\.(?:com|net|org|id|io|xyz)\b)", re.IGNORECASE)


def _plain_name(v: str | None) -> str | None:
    """Names appear in e-mails and on pages: plain text only, no links (issue 17, finding 4)."""
    if v is not None and (_LINK.search(v) or any(c in v for c in "<>")):
        raise ValueError("a name is plain text (no links or markup)")
    return v


def _services(v: list[str] | None) -> list[str] | None:
    from chalicelib.delegation.schemas import SERVICE_VALUES

    if v is None:
        return v
    bad = [s for s in v if s not in SERVICE_VALUES]
    if bad:
        raise ValueError(f"unknown service(s) {bad}; allowed: {sorted(SERVICE_VALUES)}")
    return list(dict.fromkeys(v))


def _unique(v: list[str] | None) -> list[str] | None:
    return None if v is None else list(dict.fromkeys(v))


class StaffIn(Schema):
    """POST /ops/staff: register a user of the identity provider (by `sub`) as staff."""

    model_config = ConfigDict(extra="forbid")
    user_id: UserId = Field(description="the identity provider's `sub` of the user")
    name: Name
    email: EmailStr | None = None
    roles: list[StaffRole] = Field(min_length=1, max_length=4)
    active: bool = True
    quota: int | None = Field(default=None, ge=0, le=100, description="operators: requests in process at most")
    services: list[Service] | None = Field(default=None, max_length=10,
                                           description="operators: kinds taken ([] = every kind)")
    units: list[UnitCode] = Field(default_factory=list, max_length=20, description="producers: their units")

    _name = field_validator("name")(classmethod(lambda cls, v: _plain_name(v)))
    _svc = field_validator("services")(classmethod(lambda cls, v: _services(v)))
    _uniq = field_validator("roles", "units")(classmethod(lambda cls, v: _unique(v)))


class StaffPatchIn(Schema):
    """PATCH /ops/staff/{user_id}: change what is given; `active: false` deactivates (roles revoked at once)."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    email: EmailStr | None = None
    roles: list[StaffRole] | None = Field(default=None, min_length=1, max_length=4)
    active: bool | None = None
    quota: int | None = Field(default=None, ge=0, le=100)
    services: list[Service] | None = Field(default=None, max_length=10)
    units: list[UnitCode] | None = Field(default=None, max_length=20)

    _name = field_validator("name")(classmethod(lambda cls, v: _plain_name(v)))
    _svc = field_validator("services")(classmethod(lambda cls, v: _services(v)))
    _uniq = field_validator("roles", "units")(classmethod(lambda cls, v: _unique(v)))


class OperatorOut(Schema):
    quota: int
    load: int
    services: list[str] = Field(default_factory=list)
    active: bool


class StaffOut(Schema):
    user_id: str
    name: str
    email: str | None = None
    roles: list[str]
    active: bool
    units: list[str] = Field(default_factory=list)
    operator: OperatorOut | None = Field(default=None, description="the operator's delegation settings")
    created_at: str
    updated_at: str
    updated_by: str = ""
    version: int


class UnitIn(Schema):
    model_config = ConfigDict(extra="forbid")
    code: UnitCode
    name: Name
    active: bool = True
    sla_days: int | None = Field(default=None, ge=1, le=30, description="working days to answer an escalation")
    head: UserId | None = Field(default=None, description="the head of the unit: a staff member's user id")

    _name = field_validator("name")(classmethod(lambda cls, v: _plain_name(v)))


class UnitPatchIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    active: bool | None = None
    sla_days: int | None = Field(default=None, ge=1, le=30, description="working days to answer an escalation")
    head: UserId | None = Field(default=None, description="the head of the unit: a staff member's user id")

    _name = field_validator("name")(classmethod(lambda cls, v: _plain_name(v)))


class MemberOut(Schema):
    user_id: str
    name: str


class UnitOut(Schema):
    code: str
    name: str
    active: bool
    builtin: bool = False
    sla_days: int | None = Field(default=None, description="working days to answer; None: the default")
    head: str | None = None
    members: list[MemberOut] = Field(default_factory=list)


class MyRolesOut(Schema):
    """GET /me/roles: the caller's effective roles (the IdP's, combined with the staff directory)."""

    user_id: str
    roles: list[str]
    idp_roles: list[str]
    staff: bool = Field(description="the caller has an entry in the staff directory")
    staff_active: bool | None = None

"""Profiles: created from the SSO claims on first use, edited by the user, linked by intake."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints
from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.users.models import UserRecord

Category = Literal["student", "academic", "business", "government", "citizen", "international", "other"]


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[+0-9 ()-]*$")] | None = None
    institution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    category: Category | None = None


class ProfileOut(BaseModel):
    user_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    institution: str | None = None
    category: str | None = None
    roles: list[str] = []
    created_at: str
    updated_at: str


def to_out(rec: UserRecord) -> ProfileOut:
    return ProfileOut(user_id=rec.user_id, name=rec.name, email=rec.email, phone=rec.phone,
                      institution=rec.institution, category=rec.category, roles=list(rec.roles or []),
                      created_at=rec.created_at, updated_at=rec.updated_at)


class UserService:
    def find(self, user_id: str) -> UserRecord | None:
        try:
            return UserRecord.get(user_id)
        except DoesNotExist:
            return None

    def ensure(self, p: Principal) -> UserRecord:
        rec = self.find(p.sub)
        if rec is not None:
            return rec
        now = clock.iso()
        rec = UserRecord(user_id=p.sub, name=p.name or p.sub, email=(p.email or "").lower() or None, roles=sorted(p.roles),
                         created_at=now, updated_at=now)
        try:
            rec.save(condition=UserRecord.user_id.does_not_exist())
        except PutError:
            return UserRecord.get(p.sub)
        return rec

    def update(self, p: Principal, body: ProfileIn) -> UserRecord:
        rec = self.ensure(p)
        changes = body.model_dump(exclude_unset=True)
        actions = [getattr(UserRecord, k).set(v) for k, v in changes.items() if v is not None]
        actions.append(UserRecord.updated_at.set(clock.iso()))
        rec.update(actions=actions)
        return rec

    def link_by_email(self, name: str, email: str, phone: str | None, institution: str | None,
                      category: str | None) -> UserRecord:
        """Intake: find the consumer by email, or create an offline profile for them."""
        email = email.strip().lower()
        for rec in UserRecord.by_email.query(email, limit=1):
            return rec
        now = clock.iso()
        uid = "offline-" + hashlib.sha256(email.encode()).hexdigest()[:16]
        rec = UserRecord(user_id=uid, name=name, email=email, phone=phone, institution=institution,
                         category=category, roles=["consumer"], source="intake", created_at=now, updated_at=now)
        try:
            rec.save(condition=UserRecord.user_id.does_not_exist())
        except PutError:
            rec = UserRecord.get(uid)
        return rec

"""Profiles: created from the SSO claims on first use, edited by the user, linked by intake."""

from __future__ import annotations

import hashlib

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.users.models import UserRecord
from chalicelib.users.repository import UserRepository
from chalicelib.users.schemas import ProfileIn, ProfileOut

__all__ = ["ProfileIn", "ProfileOut", "UserService", "to_out"]


def to_out(rec: UserRecord) -> ProfileOut:
    return ProfileOut(user_id=rec.user_id, name=rec.name, email=rec.email, phone=rec.phone,
                      institution=rec.institution, category=rec.category, roles=list(rec.roles or []),
                      created_at=rec.created_at, updated_at=rec.updated_at)


class UserService:
    """`repo` (users.repository.UserRepository) can be replaced by an in-memory fake."""

    def __init__(self, repo: UserRepository | None = None) -> None:
        self.repo = repo or UserRepository()

    def find(self, user_id: str) -> UserRecord | None:
        return self.repo.find(user_id)

    def ensure(self, p: Principal) -> UserRecord:
        rec = self.find(p.sub)
        if rec is not None:
            return rec
        now = clock.iso()
        rec = UserRecord(user_id=p.sub, name=p.name or p.sub, email=(p.email or "").lower() or None, roles=sorted(p.roles),
                         created_at=now, updated_at=now)
        return self.repo.create(rec)

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
        found = self.repo.by_email(email)
        if found is not None:
            return found
        now = clock.iso()
        uid = "offline-" + hashlib.sha256(email.encode()).hexdigest()[:16]
        rec = UserRecord(user_id=uid, name=name, email=email, phone=phone, institution=institution,
                         category=category, roles=["consumer"], source="intake", created_at=now, updated_at=now)
        return self.repo.create(rec)

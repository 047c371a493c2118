"""Data access for profiles (table `users`, GSI `by_email`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.users.models import UserRecord


class UserRepository:
    def find(self, user_id: str) -> UserRecord | None:
        try:
            return UserRecord.get(user_id)
        except DoesNotExist:
            return None

    def create(self, rec: UserRecord) -> UserRecord:
        """Save a new profile; if it exists already (a concurrent first use), the stored one."""
        try:
            rec.save(condition=UserRecord.user_id.does_not_exist())
        except PutError:
            return UserRecord.get(rec.user_id)
        return rec

    def by_email(self, email: str) -> UserRecord | None:
        for rec in UserRecord.by_email.query(email, limit=1):
            return rec
        return None

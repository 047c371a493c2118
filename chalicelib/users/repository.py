"""Data access for profiles (table `users`, GSI `by_email`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.core.outbox import Message
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

    def update(self, rec: UserRecord, values: dict[str, Any], messages: Iterable[Message] = ()) -> UserRecord:
        """Set `values` on the profile; `messages` (e.g. the verification code's mail) go to the outbox in the same
        transaction, so a code is never stored without its mail nor mailed without being stored."""
        attrs = UserRecord.get_attributes()
        actions = [attrs[k].set(v) for k, v in values.items()]
        notices = list(messages)
        if notices:
            from chalicelib.core import outbox

            outbox.commit([lambda tx: tx.update(rec, actions=actions)], notices)
            for k, v in values.items():  # a transaction does not refresh the item it updates
                setattr(rec, k, v)
        else:
            rec.update(actions=actions)
        return rec

    def by_email(self, email: str) -> UserRecord | None:
        for rec in UserRecord.by_email.query(email, limit=1):
            return rec
        return None

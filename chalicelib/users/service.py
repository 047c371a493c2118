"""Profiles: created from the SSO claims on first use, edited by the user, linked by intake."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, Conflict
from chalicelib.core.outbox import Message
from chalicelib.core.types import plain_or
from chalicelib.users.models import UserRecord
from chalicelib.users.repository import UserRepository
from chalicelib.users.schemas import ProfileIn, ProfileOut

__all__ = ["ProfileIn", "ProfileOut", "UserService", "to_out"]


def to_out(rec: UserRecord) -> ProfileOut:
    return ProfileOut(user_id=rec.user_id, name=rec.name, email=rec.email, pending_email=rec.pending_email,
                      pending_email_code_expires_at=_code_valid_until(rec), phone=rec.phone,
                      institution=rec.institution, category=rec.category, roles=list(rec.roles or []),
                      created_at=rec.created_at, updated_at=rec.updated_at)


def _code_valid_until(rec: UserRecord) -> str | None:
    """When the code sent to the pending address stops confirming it; None when there is no usable code."""
    if not rec.pending_email or not rec.email_code_hash or int(rec.email_code_attempts or 0) >= EMAIL_CODE_ATTEMPTS:
        return None
    expires = rec.email_code_expires or ""
    return expires if expires >= clock.iso() else None


class UserService:
    """`repo` (users.repository.UserRepository) can be replaced by an in-memory fake."""

    def __init__(self, repo: UserRepository | None = None) -> None:
        self.repo = repo or UserRepository()

    def find(self, user_id: str) -> UserRecord | None:
        return self.repo.find(user_id)

    def ensure(self, p: Principal) -> UserRecord:
        return self.sync(p)[0]

    def sync(self, p: Principal) -> tuple[UserRecord, str | None]:
        """The caller's profile, created on first use from the token. Returns it and the address that became
        verified just now (the SSO vouched for it), so the caller can claim an offline profile of it."""
        verified = token_email(p)
        rec = self.find(p.sub)
        now = clock.iso()
        if rec is None:
            unverified = (p.email or "").strip().lower() or None
            rec = UserRecord(user_id=p.sub, name=plain_or(p.name, p.sub), email=verified, roles=sorted(p.roles),
                             pending_email=None if verified else unverified, created_at=now, updated_at=now)
            created = self.repo.create(rec)
            return created, verified if created is rec else None
        if verified and not rec.email and not rec.anonymized_at:  # a code-confirmed address stays; an erased one too
            rec.update(actions=[UserRecord.email.set(verified), UserRecord.updated_at.set(now)])
            return rec, verified
        return rec, None

    def update(self, p: Principal, body: ProfileIn,
               code_mail: Callable[[str, str], Message] | None = None) -> tuple[UserRecord, str | None]:
        """Apply a profile change. A new e-mail address is not taken as it is: it waits as `pending_email` and a
        code is issued for it (returned); `code_mail(address, code)` is its mail, written to the outbox in the same
        transaction as the code. Only the code makes the address the profile's."""
        rec = self.ensure(p)
        changes = body.model_dump(exclude_unset=True)
        new_email = (changes.pop("email", None) or "").strip().lower() or None
        values = {k: v for k, v in changes.items() if v is not None}
        code = None
        mails = []
        if new_email and new_email != rec.email:
            from chalicelib.core import ratelimit

            ratelimit.hit("send_email_code", p.sub)  # 429 before anything is written or sent
            code = f"{secrets.randbelow(10**6):06d}"
            values.update(pending_email=new_email, email_code_hash=_code_hash(p.sub, code),
                          email_code_expires=clock.iso(clock.now() + timedelta(seconds=EMAIL_CODE_TTL_S)),
                          email_code_attempts=0)
            if code_mail is not None:
                mails.append(code_mail(new_email, code))
        values["updated_at"] = clock.iso()
        return self.repo.update(rec, values, mails), code

    def verify_email(self, p: Principal, code: str) -> UserRecord:
        """Confirm the pending address with the code sent to it (5 attempts, 30 minutes)."""
        rec = self.ensure(p)
        if not rec.pending_email or not rec.email_code_hash:
            raise Conflict("no e-mail address is waiting for verification", code="nothing_to_verify")
        if _code_valid_until(rec) is None:  # out of attempts, or expired
            raise Conflict("the code has expired; change the e-mail address again for a new one", code="code_expired")
        if not hmac.compare_digest(rec.email_code_hash, _code_hash(p.sub, code)):
            rec.update(actions=[UserRecord.email_code_attempts.add(1)])
            raise BadRequest("wrong verification code", code="wrong_code")
        rec.update(actions=[UserRecord.email.set(rec.pending_email), UserRecord.pending_email.remove(),
                            UserRecord.email_code_hash.remove(), UserRecord.email_code_expires.remove(),
                            UserRecord.updated_at.set(clock.iso())])
        return rec

    def link_by_email(self, name: str, email: str, phone: str | None, institution: str | None,
                      category: str | None) -> tuple[UserRecord, bool]:
        """Intake: the consumer whose VERIFIED address this is; else the offline profile of that address (created
        if need be), which its real owner claims once they verify it. Returns the profile and whether the address
        is a verified one (only then may the office write to it)."""
        email = email.strip().lower()
        found = self.repo.by_email(email)
        if found is not None and found.source != "intake":
            return found, True
        now = clock.iso()
        new = UserRecord(user_id=offline_id(email), name=name, offline_email=email, phone=phone,
                         institution=institution, category=category, roles=["consumer"], source="intake",
                         created_at=now, updated_at=now)
        rec = self.repo.create(new)  # the stored one when the address was logged before
        if rec.claimed_by:  # claimed since (a race with the owner's verification): the owner's profile
            owner = self.find(rec.claimed_by)
            return (owner, True) if owner is not None else (rec, False)
        return rec, False

    def link_offline(self, name: str, phone: str | None, nik: str | None, institution: str | None,
                     category: str | None, desk: str) -> UserRecord:
        """Intake of a consumer with no e-mail address, identified by phone number or ID number (NIK) alone:
        the offline profile of that number (one per number; the NIK wins over the phone), created if need be.
        Nothing links it to an account (neither is verified); the desk that logged it (`desk`) receives its
        notices to hand them over (notify.worker), so none is lost or mailed to nobody."""
        ref = f"nik:{nik}" if nik else f"tel:{normalize_phone(phone or '')}"
        shown = f"NIK {mask_nik(nik)}" if nik else f"telepon {phone}"
        now = clock.iso()
        new = UserRecord(user_id=offline_id(ref), name=name, phone=phone, institution=institution,
                         category=category, roles=["consumer"], source="intake", offline_ref=shown, intake_by=desk,
                         created_at=now, updated_at=now)
        rec = self.repo.create(new)  # the stored one when the number was logged before
        if rec is not new and (rec.intake_by != desk or rec.name != name):
            rec.update(actions=[UserRecord.intake_by.set(desk), UserRecord.name.set(name),
                                UserRecord.offline_ref.set(shown), UserRecord.updated_at.set(now)])
        return rec

    def unclaimed_offline(self, email: str) -> UserRecord | None:
        rec = self.find(offline_id(email))
        return rec if rec is not None and not rec.claimed_by else None

    def mark_claimed(self, offline: UserRecord, user_id: str) -> None:
        offline.update(actions=[UserRecord.claimed_by.set(user_id), UserRecord.updated_at.set(clock.iso())],
                       condition=UserRecord.claimed_by.does_not_exist())


EMAIL_CODE_TTL_S = 30 * 60
EMAIL_CODE_ATTEMPTS = 5


def _code_hash(user_id: str, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{code.strip()}".encode()).hexdigest()


def normalize_phone(phone: str) -> str:
    """Digits only, the national trunk 0 as Indonesia's 62 (0812…, +62 812…, 62-812… are one number)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "62" + digits[1:] if digits.startswith("0") else digits


def mask_nik(nik: str) -> str:
    """An ID number shown to staff: its last 4 digits only."""
    return "*" * max(0, len(nik) - 4) + nik[-4:]


def offline_id(email: str) -> str:
    return "offline-" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def token_email(p: Principal) -> str | None:
    """The token's e-mail address if the identity provider says it is verified (`email_verified: true`)."""
    verified = p.claims.get("email_verified") if p.claims else None
    if verified is True or (isinstance(verified, str) and verified.lower() == "true"):
        return (p.email or "").strip().lower() or None
    return None

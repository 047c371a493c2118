"""The notify worker: sends the notify queue's messages exactly once per key.

`handle(message)` processes one message of the notify queue (`outbox.enqueue` wrote it):

1. claim the idempotency key ``notif#<key>`` (status ``sending``; a previous ``failed`` attempt may be
   taken over). A key already ``done`` is a duplicate and is dropped; a key another delivery is still
   ``sending`` raises, so SQS retries it later (by then it is ``done``). A ``sending`` claim older than
   ``STALE_SENDING_S`` (its worker crashed between claim and result) is taken over, so a crash never
   loses a notification.
2. resolve the recipient: ``to_email``, else the profile (`UserRecord`), else the operator record.
3. build the template context (``recipient_name``, ``request_url`` to the portal for consumers or to the
   admin page for staff, ISO timestamps as datetimes) and render `templates.render(event, ctx)`.
4. send it through the channel's sender (``SENDERS``: ``email`` → SES; SMS/WhatsApp register here later).
   A failure marks the key ``failed`` and raises: SQS redelivers, and after ``maxReceiveCount`` the
   message is in the DLQ, from where `local/redrive.py` moves it back (the ``failed`` key lets it send).
5. mark the key ``done`` (before anything else can fail), then store the in-app `NotificationRecord`.

Never logged: addresses, names, phone numbers, message bodies, tokens.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from chalicelib.core import aws, clock, idem, obs
from chalicelib.core.config import get_settings
from chalicelib.notify.repository import store
from chalicelib.notify.templates import RenderedEmail, render

#: a `sending` claim older than this belongs to a crashed worker (the Lambda timeout is far shorter);
#: it must stay below maxReceiveCount x VisibilityTimeout (5 x 120 s) so a retry takes over before the DLQ
STALE_SENDING_S = 300
DEFAULT_SALUTATION = "Bapak/Ibu"
_DATETIME_KEYS = ("due_at", "expires_at", "paid_at")
_STAFF_ROLES = frozenset({"operator", "supervisor", "producer", "admin"})


class DeliveryError(RuntimeError):
    """The channel did not take the message (the text names the provider's error code, never the address)."""


class InFlight(RuntimeError):
    """Another delivery of the same notification is sending right now; retry later."""


@dataclass(frozen=True)
class Recipient:
    user_id: str | None
    name: str
    email: str | None
    phone: str | None
    audience: str  # "portal" (consumers) | "admin" (staff)
    #: a consumer the desk logged without e-mail (phone or NIK alone): the operator who hands the notice over,
    #: and how the person is identified at the desk
    desk: str | None = None
    offline_ref: str | None = None


class Sender(Protocol):
    """One delivery channel: where to send for a recipient, and how. `send` returns the channel's id."""

    def address(self, recipient: Recipient) -> str | None: ...

    def send(self, address: str, message: RenderedEmail) -> str: ...


class SesEmailSender:
    def address(self, recipient: Recipient) -> str | None:
        return recipient.email or None

    def send(self, address: str, message: RenderedEmail) -> str:
        try:
            resp = aws.client("ses").send_email(
                Source=get_settings().mail_from,
                Destination={"ToAddresses": [address]},
                Message={
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"},
                             "Html": {"Data": message.html, "Charset": "UTF-8"}},
                },
            )
        except Exception as exc:  # noqa: BLE001 - re-raised without the provider's text (it may echo the address)
            code = aws.error_code(exc) or type(exc).__name__
            raise DeliveryError(f"SES refused the message: {code}") from None
        return str(resp.get("MessageId", ""))


#: channel -> sender. SMS/WhatsApp: implement `Sender` (address from `Recipient.phone`) and register it.
SENDERS: dict[str, Sender] = {"email": SesEmailSender()}


# --- idempotency ---------------------------------------------------------------------------------------
def _claim(idem_key: str) -> bool:
    """True if this delivery owns the notification now; False if it was already sent."""
    if idem.claim(idem_key, status="sending", retry_if="failed"):
        return True
    try:
        rec = idem.IdempotencyRecord.get(idem_key, consistent_read=True)
    except idem.IdempotencyRecord.DoesNotExist:  # expired in between: claim again
        return idem.claim(idem_key, status="sending", retry_if="failed")
    if rec.status != "sending":
        return False  # done
    age = (clock.now() - clock.parse_iso(rec.at)).total_seconds()
    if age < STALE_SENDING_S:
        raise InFlight("notification is being sent by another delivery")
    from pynamodb.exceptions import UpdateError

    R = idem.IdempotencyRecord
    try:
        rec.update(actions=[R.status.set("sending"), R.at.set(clock.iso())],
                   condition=(R.status == "sending") & (R.at == rec.at))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise InFlight("another delivery took over the stale claim") from exc
        raise
    obs.logger().warning("took over a stale notification claim")
    return True


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


# --- recipient and context -----------------------------------------------------------------------------
def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _profile(user_id: str) -> Any:
    from chalicelib.users.models import UserRecord

    try:
        return UserRecord.get(user_id)
    except UserRecord.DoesNotExist:
        return None


def _operator(user_id: str) -> Any:
    from chalicelib.delegation.models import OperatorRecord

    try:
        return OperatorRecord.get(user_id)
    except OperatorRecord.DoesNotExist:
        return None


def resolve_recipient(message: dict[str, Any]) -> Recipient:
    ctx = message.get("ctx") or {}
    to_user = message.get("to_user") or None
    email = message.get("to_email") or None
    name = ctx.get("recipient_name") if _present(ctx.get("recipient_name")) else None
    phone = None
    staff: bool | None = None
    desk = offline_ref = None
    if to_user:
        profile = _profile(to_user)
        if profile is not None and not profile.anonymized_at:
            email = email or profile.email
            name = name or profile.name or None
            phone = profile.phone
            staff = bool(set(profile.roles or []) & _STAFF_ROLES)
            if profile.source == "intake" and not profile.claimed_by and not email and profile.intake_by:
                desk, offline_ref = profile.intake_by, profile.offline_ref
        if not email or not name or staff is None:
            op = _operator(to_user)
            if op is not None:
                email = email or op.email
                name = name or op.name or None
                staff = True
    if "portal" in ctx or "audience" in ctx:
        audience = "portal" if (ctx.get("portal") or ctx.get("audience") == "portal") else "admin"
    else:
        audience = "admin" if staff else "portal"
    return Recipient(user_id=to_user, name=name or DEFAULT_SALUTATION, email=email, phone=phone, audience=audience,
                     desk=desk, offline_ref=offline_ref)


def request_url(audience: str, request_id: str | None, ctx: dict[str, Any] | None = None) -> str:
    s = get_settings()
    base = (s.portal_url if audience == "portal" else s.admin_url).rstrip("/")
    if request_id:
        return f"{base}/#/permintaan/{quote(str(request_id), safe='')}"
    thread_id = (ctx or {}).get("thread_id")
    if thread_id:
        return f"{base}/#/forum/{quote(str(thread_id), safe='')}"
    return f"{base}/"


def build_ctx(message: dict[str, Any], recipient: Recipient) -> dict[str, Any]:
    ctx = dict(message.get("ctx") or {})
    ctx["recipient_name"] = ctx["recipient_name"] if _present(ctx.get("recipient_name")) else recipient.name
    if not _present(ctx.get("request_url")):
        ctx["request_url"] = request_url(recipient.audience, ctx.get("request_id"), ctx)
    for key in _DATETIME_KEYS:
        value = ctx.get(key)
        if isinstance(value, str):
            try:
                ctx[key] = clock.parse_iso(value) if value.strip() else None
            except ValueError:
                ctx[key] = None  # unusable; a required key then fails loudly in render()
    return ctx


# --- the worker ----------------------------------------------------------------------------------------
def handle(message: dict[str, Any]) -> None:
    """Process one notify-queue message. Raises to have SQS redeliver it (and, eventually, dead-letter it)."""
    log = obs.logger()
    event = message.get("event")
    key = message.get("key")
    if not isinstance(event, str) or not event or not isinstance(key, str) or not key:
        raise ValueError("notification message without event or key")
    channel = str(message.get("channel") or "email")
    sender = SENDERS.get(channel)
    if sender is None:
        raise ValueError(f"no sender for channel {channel!r}")
    idem_key = f"notif#{key}"
    digest = key_digest(key)
    if not _claim(idem_key):
        obs.count("NotificationDuplicate")
        log.info("notification already sent", extra={"event": event, "key_digest": digest})
        return
    request_id = (message.get("ctx") or {}).get("request_id")
    try:
        recipient = resolve_recipient(message)
        ctx = build_ctx(message, recipient)
        rendered = render(event, ctx)
        address = sender.address(recipient)
        message_id = None
        if address:
            message_id = sender.send(address, rendered)
            delivery = "sent"
        else:
            delivery = "no_address"
            log.warning("recipient has no address on this channel; in-app only",
                        extra={"event": event, "channel": channel, "request_id": request_id})
    except Exception:
        try:
            idem.set_status(idem_key, "failed")
        except Exception:  # noqa: BLE001 - the claim then goes stale and is taken over
            log.exception("could not mark the notification failed")
        obs.count("NotificationFailed")
        raise
    idem.set_status(idem_key, "done")
    obs.count("NotificationSent" if delivery == "sent" else "NotificationNoAddress")
    log.info("notification processed", extra={"event": event, "channel": channel, "delivery": delivery,
                                              "request_id": request_id, "key_digest": digest})
    if recipient.user_id:
        try:
            store(recipient.user_id, event, channel, delivery, rendered, ctx, digest, message_id)
            if recipient.desk:
                _hand_over(recipient, event, channel, rendered, ctx, digest)
        except Exception:  # noqa: BLE001 - it was sent; never resend because the in-app copy failed
            obs.count("NotificationStoreFailed")
            log.exception("could not store the in-app notification", extra={"event": event})


def _hand_over(recipient: Recipient, event: str, channel: str, rendered: RenderedEmail, ctx: dict[str, Any],
               digest: str) -> None:
    """A consumer logged at the desk without e-mail (phone or NIK alone) receives nothing by mail: the notice
    goes to the desk that logged them (in-app, linked to the admin page) to be handed over by phone or in
    person, naming the person and how to reach them."""
    who = f"{recipient.name} ({recipient.offline_ref})" if recipient.offline_ref else recipient.name
    desk_ctx = {**ctx, "request_url": request_url("admin", ctx.get("request_id"), ctx)}
    handed = RenderedEmail(subject=f"Untuk diserahkan ke pemohon {who}: {rendered.subject}",
                           text=f"Pemohon {who} tidak memiliki alamat e-mail. Sampaikan pemberitahuan berikut "
                                f"kepadanya melalui telepon atau saat datang ke loket.\n\n{rendered.text}",
                           html=rendered.html)
    store(str(recipient.desk), event, channel, "handover", handed, desk_ctx, digest, None)
    obs.count("NotificationHandedOver")

"""Per-user rate limits (SPEC §4: 429), fixed windows counted in DynamoDB.

A limit is ``<count>/<seconds>`` per action and user, e.g. ``create_request=10/3600``. Each call is one
conditional UpdateItem on a counter item of the idempotency table (key ``rl#<action>#<user>#<window start>``,
expiring with the table's TTL after the window): ``ADD n 1`` only while ``n < limit``, so concurrent calls
never pass the limit. Over the limit, ``TooManyRequests`` carries the seconds until the window ends
(the ``Retry-After`` header). Declared on routes (``@api.route(..., limit="create_request")``): one place."""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.core import clock
from chalicelib.core.db import meta
from chalicelib.core.errors import TooManyRequests

#: per user: new consultations and data orders (each), complaints, messages on requests
# send_email_code: verification codes one account may have sent (each to an address it typed: without a cap, PUT /me
# would mail any address over and over)
DEFAULT_LIMITS = ("create_consultation=10/3600,create_data_order=10/3600,create_complaint=3/3600,post_message=30/600,"
                  "send_email_code=5/3600")


class RateCounter(Model):
    """A window's counter; lives in the idempotency table (same key attribute `id`, same TTL `expiration`)."""

    Meta = meta("idempotency")

    id = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(default=0)
    expiration = NumberAttribute(null=True)


def parse(spec: str) -> dict[str, tuple[int, int]]:
    """``"a=10/3600,b=3/60"`` -> ``{"a": (10, 3600), "b": (3, 60)}``; a count of 0 switches the limit off."""
    out: dict[str, tuple[int, int]] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, _, rate = part.partition("=")
        count, _, seconds = rate.partition("/")
        out[name.strip()] = (int(count), max(1, int(seconds)))
    return out


@lru_cache(maxsize=4)
def _limits(spec: str) -> dict[str, tuple[int, int]]:
    return parse(spec)


def limits() -> dict[str, tuple[int, int]]:
    from chalicelib.core.config import get_settings

    return {**_limits(DEFAULT_LIMITS), **_limits(get_settings().rate_limits)}


def hit(action: str, user: str) -> None:
    """Count one `action` by `user`; raises TooManyRequests when the window's limit is reached."""
    count, window = limits().get(action, (0, 1))
    if count <= 0:
        return
    now = int(clock.now().timestamp())
    start = now - now % window
    counter = RateCounter(id=f"rl#{action}#{user}#{start}")
    try:
        counter.update(actions=[RateCounter.n.add(1), RateCounter.expiration.set(start + window + 3600)],
                       condition=RateCounter.n.does_not_exist() | (RateCounter.n < count))
    except UpdateError as exc:
        if getattr(exc, "cause_response_code", "") != "ConditionalCheckFailedException":
            raise
        raise TooManyRequests(f"too many {action.replace('_', ' ')} calls; try again later",
                              retry_after=start + window - now, details={"limit": count, "window_s": window}) from exc

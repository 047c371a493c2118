"""Subscriptions (issue 12): regular consumers follow a series or a saved search; each new release is announced
to them (`subscription_release` notification) and, for a paid series with `auto_order`, ordered for them.

`on_release(item_id)` is the fan-out, run by the jobs worker for the ``{"job": "release"}`` message that
publishing an item queues. Per (subscription, item) it is idempotent: the key
``subscription#<user>#<subscription>#<item>`` is claimed with `idem.claim` (``pending`` → ``done``; a ``failed``
attempt is retried), the automatic order gets a request id derived from that key (a retry finds it instead of
ordering twice) and the notification carries the same key (the notify worker sends it once). A redelivered or
concurrently processed release message therefore neither notifies nor orders twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from chalicelib.catalog.models import CatalogRecord
from chalicelib.core import clock, idem, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.subscriptions import repository
from chalicelib.subscriptions.models import SEARCH, SERIES, SubscriptionRecord
from chalicelib.subscriptions.schemas import SubscriptionIn

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_TYPE_LABELS = {"table_static": "tabel statis", "table_dynamic": "tabel dinamis", "publication": "publikasi",
                "microdata": "mikrodata", "map": "peta"}


# --- helpers -------------------------------------------------------------------------------------------------
def _fold(value: str) -> str:
    from chalicelib.catalog.search.text import fold

    return " ".join(fold(value).split())


def subscription_id_for(user_id: str, target: str) -> str:
    """Stable per (user, target): subscribing twice to the same thing is a 409, not a second subscription."""
    return "SUB-" + hashlib.sha256(f"{user_id}|{target}".encode()).hexdigest()[:16].upper()


def normalized_query(q: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("q", "type", "subject", "region"):
        value = q.get(key)
        if isinstance(value, str):
            value = " ".join(value.split())
        if value:
            out[key] = value
    return out


def query_label(q: dict[str, Any]) -> str:
    parts = []
    if q.get("q"):
        parts.append(f"\u201c{q['q']}\u201d")
    if q.get("type"):
        parts.append(_TYPE_LABELS.get(q["type"], q["type"]))
    if q.get("subject"):
        parts.append(f"subjek {q['subject']}")
    if q.get("region"):
        parts.append(f"wilayah {q['region']}")
    return "Pencarian " + ", ".join(parts)


def _stems(text: str) -> list[str]:
    from chalicelib.catalog.search.text import analyze

    return analyze(text)


def anchor_of(q: dict[str, Any]) -> str:
    """The one GSI partition a saved search is filed under: its most selective criterion."""
    if q.get("subject"):
        return f"subject#{_fold(q['subject'])}"
    if q.get("region"):
        region = q["region"].strip()
        return f"region#{region}" if region.isdigit() else f"region#{_fold(region)}"
    if q.get("type"):
        return f"type#{q['type']}"
    stems = _stems(q.get("q", ""))
    if not stems:
        raise BadRequest("the search words are all stopwords; add a word or a filter")
    return f"q#{max(stems, key=lambda s: (len(s), s))}"


def item_text(item: CatalogRecord) -> str:
    return " ".join([item.title or "", item.abstract or "", item.subject or "", item.region or "", item.period or "",
                     _TYPE_LABELS.get(item.type, "")])


def anchors_for(item: CatalogRecord, stems: set[str]) -> list[str]:
    """Every anchor a saved search matching `item` can be filed under."""
    out = [f"type#{item.type}"]
    if item.subject:
        out.append(f"subject#{_fold(item.subject)}")
    if item.region_code:
        out.append(f"region#{item.region_code}")
    if item.region:
        out.append(f"region#{_fold(item.region)}")
    out += [f"q#{s}" for s in sorted(stems)]
    return list(dict.fromkeys(out))


def matches(q: dict[str, Any], item: CatalogRecord, stems: set[str] | None = None) -> bool:
    """A saved search against one item: fields equal (case/accent-insensitive; region by BPS code or name) and
    every content word of `q` contained in the item's text (same analysis as catalog search)."""
    if q.get("type") and q["type"] != item.type:
        return False
    if q.get("subject") and _fold(q["subject"]) != _fold(item.subject or ""):
        return False
    if q.get("region"):
        region = q["region"].strip()
        if region.isdigit():
            if region != (item.region_code or ""):
                return False
        elif _fold(region) != _fold(item.region or ""):
            return False
    if q.get("q"):
        words = set(_stems(q["q"]))
        have = stems if stems is not None else set(_stems(item_text(item)))
        if not words or not words <= have:
            return False
    return True


def to_out(rec: SubscriptionRecord) -> dict[str, Any]:
    return {"subscription_id": rec.subscription_id, "kind": rec.kind, "series_id": rec.series_id,
            "query": rec.search_query, "label": rec.label, "auto_order": bool(rec.auto_order), "created_at": rec.created_at,
            "last_release_at": rec.last_release_at, "last_item_id": rec.last_item_id,
            "releases_notified": int(rec.releases_notified or 0)}


def orderable(item: CatalogRecord) -> bool:
    """Items an automatic order can buy: priced, not restricted microdata (those need an abstract and the
    data-use agreement per order, which nobody can give automatically)."""
    return item.access == "paid" and int(item.price_idr or 0) > 0 and item.type != "microdata"


# --- the consumer's subscriptions ------------------------------------------------------------------------------
def list_for(user_id: str) -> list[dict[str, Any]]:
    return [to_out(r) for r in repository.of_user(user_id)]


def subscribe(p: Principal, body: SubscriptionIn) -> dict[str, Any]:
    from chalicelib.users.service import UserService

    UserService().ensure(p)  # the profile carries the roles an automatic order is placed with
    existing = repository.of_user(p.sub)
    if len(existing) >= get_settings().subscriptions_per_user:
        raise Conflict(f"at most {get_settings().subscriptions_per_user} subscriptions per user",
                       code="too_many_subscriptions")
    now = clock.iso()
    if body.series_id is not None:
        series_id = body.series_id
        recent = list(CatalogRecord.by_series.query(series_id, scan_index_forward=False, limit=24))
        if not recent:
            raise NotFound("unknown series")
        # the newest published item names the series (planned ones further ahead may exist)
        latest = next((r for r in recent if r.status == "published"), recent[0])
        if body.auto_order and not orderable(latest):
            raise BadRequest("auto_order is only available for a series of paid (priced) items",
                             code="not_orderable")
        title = latest.title or series_id
        rec = SubscriptionRecord(user_id=p.sub, subscription_id=subscription_id_for(p.sub, f"series|{series_id}"),
                                 kind=SERIES, series_id=series_id, label=f"Seri {series_id}: {title}"[:300],
                                 auto_order=body.auto_order, created_at=now)
    else:
        assert body.query is not None
        q = normalized_query(body.query.model_dump())
        canonical = "|".join(f"{k}={_fold(str(v))}" for k, v in sorted(q.items()))
        rec = SubscriptionRecord(user_id=p.sub, subscription_id=subscription_id_for(p.sub, f"search|{canonical}"),
                                 kind=SEARCH, search_query=q, anchor=anchor_of(q), label=query_label(q)[:300],
                                 auto_order=False, created_at=now)
    try:
        rec.save(condition=SubscriptionRecord.subscription_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict("you already have this subscription", code="duplicate",
                           details={"subscription_id": rec.subscription_id}) from exc
        raise
    obs.count("SubscriptionCreated")
    return to_out(rec)


def unsubscribe(user_id: str, subscription_id: str) -> None:
    try:
        SubscriptionRecord(user_id=user_id, subscription_id=subscription_id).delete(
            condition=SubscriptionRecord.subscription_id.exists())
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise NotFound("subscription not found") from exc
        raise


def delete_all(user_id: str) -> int:
    n = 0
    for rec in repository.of_user(user_id):
        rec.delete()
        n += 1
    return n


# --- the release fan-out ---------------------------------------------------------------------------------------
def candidates(item: CatalogRecord, stems: set[str]) -> list[SubscriptionRecord]:
    """Series subscribers plus the saved searches filed under an anchor this item can satisfy (Queries only)."""
    found: dict[tuple[str, str], SubscriptionRecord] = {}
    if item.series_id:
        for rec in repository.of_series(item.series_id):
            found[(rec.user_id, rec.subscription_id)] = rec
    for anchor in anchors_for(item, stems):
        for rec in repository.of_anchor(anchor):
            found[(rec.user_id, rec.subscription_id)] = rec
    return list(found.values())


def order_request_id(key: str, release_date: str) -> str:
    """An id in the usual shape (R<yymmdd>-XXXXXX), derived from the idempotency key instead of random."""
    digest = hashlib.sha256(key.encode()).digest()
    tail = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:6])
    return f"R{release_date[2:4]}{release_date[5:7]}{release_date[8:10]}-{tail}"


def _principal(user_id: str) -> Principal | None:
    from chalicelib.users.service import UserService

    profile = UserService().find(user_id)
    if profile is None or profile.anonymized_at:
        return None
    return Principal(sub=user_id, roles=frozenset(profile.roles or ["consumer"]), name=profile.name or "",
                     email=profile.email or "")


def _auto_order(sub: SubscriptionRecord, item: CatalogRecord, key: str) -> dict[str, Any] | None:
    from chalicelib.requests.repository import RequestRepository
    from chalicelib.requests.schemas import DataOrderIn
    from chalicelib.requests.service import RequestService

    p = _principal(sub.user_id)
    if p is None:
        return None
    rid = order_request_id(key, item.release_date or clock.iso()[:10])
    existing = RequestRepository().find(rid)
    if existing is not None:  # a previous attempt placed it
        return {"request_id": rid, "amount_idr": int(existing.total_idr or 0)}
    body = DataOrderIn(kind="data_order", items=[{"catalog_id": item.id}],
                       purpose=f"Pesanan otomatis dari langganan ({sub.label})"[:5000])
    try:
        rec = RequestService().submit(p, body, request_id=rid, channel="subscription",
                                      note=f"pesanan otomatis langganan {sub.subscription_id}")
    except Conflict as exc:
        if exc.code != "duplicate":
            raise
        rec = RequestRepository().get(rid)
    obs.count("SubscriptionAutoOrder")
    return {"request_id": rec.request_id, "amount_idr": int(rec.total_idr or 0)}


def _notify(sub: SubscriptionRecord, item: CatalogRecord, key: str, order: dict[str, Any] | None) -> None:
    from urllib.parse import quote

    from chalicelib.notify import outbox

    ctx: dict[str, Any] = {"item_title": item.title, "item_id": item.id, "release_date": item.release_date,
                           "subscription_label": sub.label, "portal": True}
    if order:
        ctx.update(order)
    else:
        ctx["request_url"] = f"{get_settings().portal_url.rstrip('/')}/#/katalog/{quote(item.id, safe='')}"
    outbox.enqueue("subscription_release", key=key, to_user=sub.user_id, ctx=ctx, strict=True)


def deliver(sub: SubscriptionRecord, item: CatalogRecord) -> bool:
    """Notify one subscriber of one release (and order it for them); True if this call did it."""
    key = f"subscription#{sub.user_id}#{sub.subscription_id}#{item.id}"
    if not idem.claim(key, status="pending", retry_if="failed"):
        try:
            if idem.IdempotencyRecord.get(key, consistent_read=True).status == "done":
                return False
        except idem.IdempotencyRecord.DoesNotExist:
            pass
        # `pending`: an earlier attempt stopped half-way (or runs right now); every step below is idempotent
    try:
        order = _auto_order(sub, item, key) if sub.auto_order and sub.kind == SERIES and orderable(item) else None
        _notify(sub, item, key, order)
        idem.IdempotencyRecord(id=key).update(actions=[
            idem.IdempotencyRecord.status.set("done"), idem.IdempotencyRecord.at.set(clock.iso()),
            idem.IdempotencyRecord.data.set({"request_id": order["request_id"] if order else None})])
    except Exception:
        idem.set_status(key, "failed")
        raise
    try:
        sub.update(actions=[SubscriptionRecord.last_release_at.set(clock.iso()),
                            SubscriptionRecord.last_item_id.set(item.id),
                            SubscriptionRecord.releases_notified.add(1)],
                   condition=SubscriptionRecord.subscription_id.exists())
    except Exception:  # noqa: BLE001 - unsubscribed meanwhile, or a lost counter: nothing to redo
        obs.logger().info("subscription bookkeeping skipped")
    return True


def on_release(item_id: str) -> dict[str, int]:
    """The workflow worker's ``release`` task: tell every matching subscriber about a published item."""
    from chalicelib.catalog.repository import CatalogRepository

    try:
        item = CatalogRepository().get(item_id)
    except NotFound:
        obs.logger().warning("release of an unknown item", extra={"item_id": item_id})
        return {"matched": 0, "delivered": 0}
    if item.status != "published":
        return {"matched": 0, "delivered": 0}
    stems = set(_stems(item_text(item)))
    out = {"matched": 0, "delivered": 0}
    for sub in candidates(item, stems):
        if sub.kind == SERIES:
            if sub.series_id != item.series_id:
                continue
        elif not matches(sub.search_query or {}, item, stems):
            continue
        out["matched"] += 1
        out["delivered"] += deliver(sub, item)
    obs.logger().info("release fan-out", extra={"item_id": item_id, **out})
    return out

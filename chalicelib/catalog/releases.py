"""Release calendar (issue 12): planned and published releases by month, publishing a planned item (by a
producer, or by the scheduled tick once its release date has come), and the hand-off to subscriptions.

Access pattern: GSI `by_release_month` (release_month = ``YYYY-MM``, release_date = ``YYYY-MM-DD``), one
Query per month of the requested range — never a Scan. Release dates are calendar days in Asia/Jakarta.

Publishing is a conditional update (``status = planned`` → ``published``), so a producer's click and the
tick racing on the same item publish it once; the winner's transaction also writes the search-index update and
the release fan-out to subscribers (a ``{"job": "release"}`` message on the jobs queue, handled by
`chalicelib.subscriptions.service.on_release`) as outbox rows (`service.announcements`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.catalog.models import CatalogRecord
from chalicelib.catalog.repository import CatalogRepository
from chalicelib.core import clock, obs
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict

JAKARTA = ZoneInfo("Asia/Jakarta")
#: most items one calendar answer lists (a month of a national office can hold hundreds of releases)
MAX_ITEMS = 2000
#: months looked back by the scheduled publisher (a planned item whose day passed while the tick was down)
CATCH_UP_MONTHS = 2
RELEASE_FIELDS = ("id", "type", "title", "subject", "region", "region_code", "level", "year", "period", "series_id",
                  "release_date", "status", "access", "price_idr", "format")


def today() -> date:
    """Today's date in Asia/Jakarta (release dates are local calendar days)."""
    return clock.now().astimezone(JAKARTA).date()


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), 1 if d.month == 12 else d.month + 1, 1)
    return nxt - timedelta(days=1)


def default_range() -> tuple[date, date]:
    """This month and the next two (what a consumer planning ahead wants to see)."""
    t = today()
    start = t.replace(day=1)
    end = start
    for _ in range(2):
        end = _month_end(end) + timedelta(days=1)
    return start, _month_end(end)


def to_out(rec: CatalogRecord) -> Any:
    from chalicelib.catalog.schemas import CatalogItemOut

    return CatalogItemOut(**rec.to_dict())


def release_out(rec: CatalogRecord) -> dict[str, Any]:
    out = {f: getattr(rec, f) for f in RELEASE_FIELDS}
    for f in ("year", "price_idr"):
        out[f] = int(out[f] or 0)
    return out


def calendar(frm: date | None, to: date | None, status: str | None = None, type_: str | None = None,
             subject: str | None = None) -> dict[str, Any]:
    """Planned and published releases between `frm` and `to` (inclusive), oldest first; withdrawn items never."""
    if frm is None and to is None:
        frm, to = default_range()
    elif frm is None:
        assert to is not None
        frm = to.replace(day=1)
    elif to is None:
        to = _month_end(frm) if frm < date(9999, 12, 1) else date(9999, 12, 31)
    if to < frm:
        raise BadRequest("'to' must not be before 'from'")
    months = clock.months_between(frm, to)
    limit = get_settings().releases_max_months
    if len(months) > limit:
        raise BadRequest(f"the range spans {len(months)} months; at most {limit} are allowed",
                         details={"months": len(months), "max_months": limit})
    lo, hi = frm.isoformat(), to.isoformat()
    cond = CatalogRecord.status.is_in(status) if status else CatalogRecord.status.is_in("planned", "published")
    if type_:
        cond = cond & (CatalogRecord.type == type_)
    subject_fold = subject.strip().casefold() if subject else None
    items: list[dict[str, Any]] = []
    per_month: dict[str, dict[str, int]] = {}
    truncated = False
    for month in months:
        counts = per_month.setdefault(month, {"planned": 0, "published": 0})
        for rec in CatalogRecord.by_release_month.query(month, CatalogRecord.release_date.between(lo, hi),
                                                        filter_condition=cond):
            if subject_fold and (rec.subject or "").casefold() != subject_fold:
                continue
            counts[rec.status] = counts.get(rec.status, 0) + 1
            if len(items) >= MAX_ITEMS:
                truncated = True
                continue
            items.append(release_out(rec))
    items.sort(key=lambda x: (x["release_date"], x["status"] != "published", x["title"]))
    return {"from": lo, "to": hi, "total": sum(sum(c.values()) for c in per_month.values()), "truncated": truncated,
            "months": per_month, "items": items}


# --- publishing ----------------------------------------------------------------------------------------------
def _mark_published(rec: CatalogRecord, actor: str, release_date: str) -> CatalogRecord:
    """planned -> published, conditional; its index update and the fan-out to subscribers are outbox rows of the
    same transaction (`service.announcements`): an item is never published but unindexed or untold."""
    from chalicelib.catalog import service
    from chalicelib.core import outbox

    now = clock.iso()
    values = {"status": "published", "release_date": release_date, "release_month": release_date[:7],
              "updated_at": now, "updated_by": actor}
    attrs = CatalogRecord.get_attributes()
    actions = [attrs[k].set(v) for k, v in values.items()]
    outbox.commit([lambda tx: tx.update(rec, actions=actions, condition=CatalogRecord.status == "planned")],
                  service.announcements(rec.id, now, release_date),
                  conflict=Conflict("the item is not planned (already published or withdrawn)", code="not_planned"))
    for k, v in values.items():
        setattr(rec, k, v)
    return rec


def publish(item_id: str, actor: str) -> CatalogRecord:
    """A producer publishes a planned item now. Published early, its release date becomes today's date (the
    calendar then shows when it really came out); published on or after the planned day, the date stays."""
    rec = CatalogRepository().get(item_id)
    if rec.status != "planned":
        raise Conflict(f"the item is {rec.status}, not planned", code="not_planned")
    day = today().isoformat()
    release_date = min(rec.release_date, day) if rec.release_date else day
    rec = _mark_published(rec, actor, release_date)
    obs.count("ReleasePublished")
    return rec


def publish_due(limit: int = 500) -> dict[str, int]:
    """Scheduled: publish every planned item whose release date has come (GSI by month, this month and the
    previous ones of CATCH_UP_MONTHS — a Query per month, filtered on status, never a Scan)."""
    t = today()
    start = t.replace(day=1)
    for _ in range(CATCH_UP_MONTHS - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    out = {"published": 0, "conflicts": 0}
    day = t.isoformat()
    for month in clock.months_between(start, t):
        for rec in CatalogRecord.by_release_month.query(month, CatalogRecord.release_date <= day,
                                                        filter_condition=CatalogRecord.status == "planned"):
            if out["published"] >= limit:
                return out
            try:
                _mark_published(rec, "system", rec.release_date)
            except Conflict:
                out["conflicts"] += 1  # a producer published it a moment ago
                continue
            out["published"] += 1
    if out["published"]:
        obs.count("ReleasePublished", out["published"])
    return out

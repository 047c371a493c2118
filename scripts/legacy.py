"""Migration of the old system's transactions and consultations (issue 12) — the logic behind
``python -m scripts.migrate_legacy <csv> [--dry-run]``. The CSV export format is documented in the README
("Legacy migration"); `docs/legacy_sample.csv` is an example.

Every valid row becomes one request with its history:

* the request id is derived from the legacy id (``LG-`` + 12 characters of its SHA-256), and the request, its
  first audit record (``request.migrated``) and — for paid rows — a paid billing and the PNBP ledger row are
  written in one DynamoDB transaction, each conditional on not existing: a re-run skips what is imported;
* the timeline is rebuilt from the row's timestamps (submitted, billing, payment, delivery, completion or
  closing), followed by the migration event itself; the old status is mapped onto SPEC statuses;
* `channel` is kept, the consumer is linked (or created) by email through `UserService.link_by_email`;
* no workflow is started. Requests that were still open in the old system keep their mapped status with
  ``problem = legacy_open`` (visible to supervisors) and take no part in delegation, reminders or the
  sweeper's restarts (they carry no task token, no ``open_shard``/``active_assignee``/``delivered_shard``, and
  the sweeper skips ``legacy_id``). A supervisor finishes them: reassign, complete, cancel.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")
COLUMNS = ("legacy_id", "kind", "channel", "consumer_name", "consumer_email", "consumer_institution",
           "submitted_at", "status", "subject", "question_or_purpose", "items", "total_idr", "billing_code", "ntpn",
           "paid_at", "operator", "completed_at", "rating")
REQUIRED_COLUMNS = ("legacy_id", "kind", "consumer_name", "consumer_email", "submitted_at", "status")

KINDS = {"konsultasi": "consultation", "consultation": "consultation", "permintaan_data": "data_order",
         "pemesanan_data": "data_order", "data_order": "data_order", "pengaduan": "complaint",
         "complaint": "complaint"}
CHANNELS = {"portal": "portal", "online": "portal", "daring": "portal", "web": "portal", "telepon": "phone",
            "phone": "phone", "telp": "phone", "surat": "letter", "letter": "letter", "datang_langsung": "walk_in",
            "kunjungan": "walk_in", "tatap_muka": "walk_in", "walk_in": "walk_in", "email": "email",
            "surel": "email"}
STATUSES = {
    "baru": "submitted", "diajukan": "submitted", "submitted": "submitted",
    "menunggu_persetujuan": "awaiting_approval", "awaiting_approval": "awaiting_approval",
    "menunggu_pembayaran": "awaiting_payment", "belum_dibayar": "awaiting_payment",
    "awaiting_payment": "awaiting_payment",
    "diproses": "in_progress", "dalam_proses": "in_progress", "in_progress": "in_progress",
    "queued": "in_progress", "assigned": "in_progress", "escalated": "in_progress",
    "terkirim": "delivered", "dikirim": "delivered", "delivered": "delivered",
    "selesai": "completed", "completed": "completed",
    "ditolak": "rejected", "rejected": "rejected",
    "dibatalkan": "cancelled", "batal": "cancelled", "cancelled": "cancelled",
    "kedaluwarsa": "expired", "kadaluarsa": "expired", "expired": "expired",
}
OPEN = frozenset({"submitted", "awaiting_approval", "awaiting_payment", "in_progress"})
CLOSING = frozenset({"rejected", "cancelled", "expired"})
STATUS_NOTES = {"rejected": "ditolak", "cancelled": "dibatalkan", "expired": "kedaluwarsa"}
_ID_RE = re.compile(r"^[A-Za-z0-9_./:-]{1,64}$")
_ITEM_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_MONEY_RE = re.compile(r"^(\d+|\d{1,3}([.,]\d{3})+)$")
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def legacy_request_id(legacy_id: str) -> str:
    digest = hashlib.sha256(f"legacy|{legacy_id}".encode()).digest()
    return "LG-" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:12])


# --- parsing -------------------------------------------------------------------------------------------------
def _key(value: str) -> str:
    return "_".join(value.strip().lower().replace("-", " ").split())


def parse_time(value: str) -> datetime:
    """ISO-8601 (with or without offset), ``YYYY-MM-DD[ HH:MM[:SS]]`` or ``DD/MM/YYYY[ HH:MM[:SS]]``; times
    without an offset are Asia/Jakarta (WIB), a date alone is 00:00 WIB."""
    v = value.strip()
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$", v)
    if m:
        d, mo, y, hh, mm, ss = m.groups()
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    else:
        try:
            dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = datetime.combine(date.fromisoformat(v), time())
            except ValueError as exc:
                raise ValueError(f"not a date/time: {value!r}") from exc
    return dt if dt.tzinfo else dt.replace(tzinfo=JAKARTA)


def parse_money(value: str) -> int:
    v = value.strip().lower().replace("rp", "").replace(" ", "")
    if not v:
        return 0
    if not _MONEY_RE.match(v):
        raise ValueError(f"not a rupiah amount: {value!r}")
    return int(re.sub(r"[.,]", "", v))


@dataclass
class LegacyRow:
    line: int
    legacy_id: str
    kind: str
    channel: str
    status: str  # mapped onto SPEC
    legacy_status: str
    name: str
    email: str
    institution: str | None
    phone: str | None
    submitted_at: datetime
    subject: str
    text: str
    items: list[str]
    total_idr: int
    billing_code: str | None
    ntpn: str | None
    paid_at: datetime | None
    operator: str | None
    completed_at: datetime | None
    rating: int | None

    @property
    def request_id(self) -> str:
        return legacy_request_id(self.legacy_id)

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


@dataclass
class RowError:
    line: int
    legacy_id: str
    errors: list[str]
    kind: str = "?"
    status: str = "?"
    total_idr: int = 0


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(first line of the record, row) for every record; raises ValueError when required columns are missing."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ValueError(f"missing column(s): {', '.join(missing)} (expected: {', '.join(COLUMNS)})")
        reader.fieldnames = header
        start = reader.line_num + 1
        for row in reader:
            yield start, {k: (v or "").strip() for k, v in row.items() if k}
            start = reader.line_num + 1


def validate(line: int, raw: dict[str, str], now: datetime) -> LegacyRow | RowError:
    errors: list[str] = []
    legacy_id = raw.get("legacy_id", "")
    kind = KINDS.get(_key(raw.get("kind", "")))
    status = STATUSES.get(_key(raw.get("status", "")))
    channel = CHANNELS.get(_key(raw.get("channel", "") or "portal"))

    def fail() -> RowError:
        total = 0
        try:
            total = parse_money(raw.get("total_idr", ""))
        except ValueError:
            pass
        return RowError(line, legacy_id or "?", errors, kind or "?", status or "?", total)

    if not legacy_id:
        errors.append("legacy_id is empty")
    elif not _ID_RE.match(legacy_id):
        errors.append("legacy_id: letters, digits and _ . / : - only, at most 64 characters")
    if kind is None:
        errors.append(f"kind {raw.get('kind', '')!r} is not one of konsultasi, permintaan_data, pengaduan")
    if status is None:
        errors.append(f"status {raw.get('status', '')!r} is unknown (e.g. baru, diproses, menunggu_pembayaran, "
                      "terkirim, selesai, ditolak, dibatalkan, kedaluwarsa)")
    if channel is None:
        errors.append(f"channel {raw.get('channel', '')!r} is not one of portal, telepon, surat, datang_langsung, "
                      "email")
    name = " ".join(raw.get("consumer_name", "").split())
    if not name:
        errors.append("consumer_name is empty")
    elif len(name) > 200:
        errors.append("consumer_name is longer than 200 characters")
    email = raw.get("consumer_email", "").strip().lower()
    if not _EMAIL_RE.match(email):
        errors.append(f"consumer_email {raw.get('consumer_email', '')!r} is not an email address")
    times: dict[str, datetime | None] = {}
    for col in ("submitted_at", "paid_at", "completed_at"):
        value = raw.get(col, "")
        times[col] = None
        if value:
            try:
                times[col] = parse_time(value)
            except ValueError as exc:
                errors.append(f"{col}: {exc}")
                continue
            if times[col] > now + timedelta(minutes=5):
                errors.append(f"{col} is in the future")
    submitted = times["submitted_at"]
    if not raw.get("submitted_at"):
        errors.append("submitted_at is empty")
    for col in ("paid_at", "completed_at"):
        t = times[col]
        if t is not None and submitted is not None and t < submitted:
            errors.append(f"{col} is before submitted_at")
    total = 0
    try:
        total = parse_money(raw.get("total_idr", ""))
    except ValueError as exc:
        errors.append(f"total_idr: {exc}")
    items = [i.strip() for i in re.split(r"[;|]", raw.get("items", "")) if i.strip()]
    bad_items = [i for i in items if not _ITEM_RE.match(i)]
    if bad_items:
        errors.append(f"items: invalid catalog id(s) {', '.join(bad_items[:5])}")
    if len(items) > 50:
        errors.append("items: at most 50 per order")
    text = raw.get("question_or_purpose", "").strip()
    subject = " ".join(raw.get("subject", "").split())
    if len(subject) > 200:
        errors.append("subject is longer than 200 characters")
    if len(text) > 5000:
        errors.append("question_or_purpose is longer than 5000 characters")
    if kind in ("consultation", "complaint") and not text:
        errors.append("question_or_purpose is empty (the question or the complaint)")
    if kind == "data_order" and not items and not text:
        errors.append("a data order needs items or a purpose")
    if kind in ("consultation", "complaint") and total:
        errors.append(f"a {kind} cannot cost anything (total_idr {total})")
    billing_code = raw.get("billing_code", "") or None
    if billing_code and not re.fullmatch(r"\d{15}", billing_code):
        errors.append("billing_code must be 15 digits")
    ntpn = raw.get("ntpn", "") or None
    if ntpn and not re.fullmatch(r"[A-Za-z0-9]{1,32}", ntpn):
        errors.append("ntpn: letters and digits only, at most 32")
    paid_at = times["paid_at"]
    if (ntpn is None) != (paid_at is None) and not any(e.startswith("paid_at") for e in errors):
        errors.append("a payment needs both ntpn and paid_at")
    if paid_at is not None and (not total or not billing_code):
        errors.append("a paid row needs total_idr > 0 and its billing_code")
    if paid_at is not None and status == "awaiting_payment":
        errors.append("status says awaiting payment but the row carries a payment (ntpn, paid_at)")
    if (kind == "data_order" and total and paid_at is None and status in ("in_progress", "delivered", "completed")):
        errors.append("a priced order in progress or delivered must carry its payment (ntpn, paid_at)")
    completed = times["completed_at"]
    if status in ("delivered", "completed") and completed is None and not raw.get("completed_at"):
        errors.append(f"status {raw.get('status')} needs completed_at")
    rating = None
    if raw.get("rating"):
        try:
            rating = int(raw["rating"])
        except ValueError:
            rating = -1
        if not 1 <= rating <= 5:
            errors.append("rating must be 1 to 5")
        elif status != "completed":
            errors.append("only a completed request carries a rating")
    if errors:
        return fail()
    assert kind and status and channel and submitted is not None
    return LegacyRow(line=line, legacy_id=legacy_id, kind=kind, channel=channel, status=status,
                     legacy_status=raw.get("status", ""), name=name, email=email,
                     institution=raw.get("consumer_institution") or None, phone=raw.get("consumer_phone") or None,
                     submitted_at=submitted, subject=subject, text=text, items=items, total_idr=total,
                     billing_code=billing_code, ntpn=ntpn, paid_at=paid_at, operator=raw.get("operator") or None,
                     completed_at=completed, rating=rating)


# --- building the records ------------------------------------------------------------------------------------
def _iso(dt: datetime) -> str:
    from chalicelib.core import clock

    return clock.iso(dt)


def timeline_of(row: LegacyRow, imported_at: str, source: str) -> list[tuple[str, str, str, str]]:
    """(at, status, actor, note) from the row's timestamps, then the migration event."""
    sub = _iso(row.submitted_at)
    op = f"legacy:{row.operator}" if row.operator else "legacy"
    out = [(sub, "submitted", "legacy",
            f"diajukan di sistem lama (ID lama {row.legacy_id}, kanal {row.channel})")]
    if row.billing_code and row.kind == "data_order":
        out.append((sub, "awaiting_payment", "legacy", f"kode billing {row.billing_code}"))
    if row.paid_at is not None:
        out.append((_iso(row.paid_at), "awaiting_payment", "legacy", f"pembayaran diterima, NTPN {row.ntpn}"))
    end = _iso(row.completed_at) if row.completed_at else None
    if row.status == "in_progress":
        out.append((_iso(row.paid_at) if row.paid_at else sub, "in_progress", op, "diproses di sistem lama"))
    if row.status in ("delivered", "completed"):
        assert end is not None
        out.append((end, "delivered", op, "hasil dikirim (sistem lama)"))
    if row.status == "completed":
        out.append((end, "completed", "legacy", f"dinilai {row.rating}/5" if row.rating else "selesai (sistem lama)"))
    if row.status in CLOSING:
        out.append((end or sub, row.status, op if row.status == "rejected" else "legacy",
                    f"{STATUS_NOTES[row.status]} di sistem lama"))
    out.sort(key=lambda e: e[0])  # stable: same-instant entries keep their order
    note = f"dimigrasikan dari sistem lama ({source}, baris {row.line})"
    if row.status in OPEN:
        note += "; masih terbuka di sistem lama — perlu ditindaklanjuti supervisor"
    out.append((imported_at, row.status, "migration", note))
    return out


@dataclass
class Built:
    request: Any
    audit: Any
    billing: Any = None
    ledger: Any = None


def build(row: LegacyRow, consumer_id: str, catalog: dict[str, Any], imported_at: str, source: str) -> Built:
    from chalicelib.audit.models import make_record
    from chalicelib.billing.models import BillingRecord, LedgerRecord
    from chalicelib.billing.service import month_of
    from chalicelib.core import clock
    from chalicelib.requests.models import Contact, OrderItem, Rating, RequestRecord, TimelineEntry
    from chalicelib.requests.repository import due_sort
    from chalicelib.requests.sla import calendar, sla_days

    rid = row.request_id
    created = _iso(row.submitted_at)
    sla = sla_days(row.kind)
    due_at = clock.iso(calendar().add_working_days(row.submitted_at, sla))
    timeline = timeline_of(row, imported_at, source)
    ttype = "paid" if row.kind == "data_order" and row.total_idr > 0 else "free"
    rec = RequestRecord(
        request_id=rid, kind=row.kind, channel=row.channel, status=row.status, transaction_type=ttype,
        total_idr=row.total_idr if ttype == "paid" else 0,
        consumer_id=consumer_id, consumer=Contact(name=row.name, email=row.email, phone=row.phone,
                                                  institution=row.institution),
        created_by="migration", created_at=created, updated_at=timeline[-2][0] if len(timeline) > 1 else created,
        sla_days=sla, due_at=due_at, due_sort=due_sort(due_at, created), gsi_all="REQ",
        timeline=[TimelineEntry(at=a, status=s, actor=who, note=n) for a, s, who, n in timeline],
        legacy_id=row.legacy_id,
        legacy={k: v for k, v in {"operator": row.operator, "status": row.legacy_status, "source": source,
                                  "line": row.line, "billing_code": row.billing_code}.items() if v is not None},
    )
    if row.kind == "consultation":
        rec.topic, rec.subject, rec.question = "data", row.subject or "Konsultasi (arsip)", row.text
    elif row.kind == "complaint":
        rec.subject, rec.message = row.subject or None, row.text
    else:
        rec.subject = row.subject or None
        rec.purpose = row.text or "Permintaan data (arsip sistem lama)"
        rec.items = [OrderItem(catalog_id=i, title=getattr(catalog.get(i), "title", "") or "",
                               type=getattr(catalog.get(i), "type", "") or "",
                               access=getattr(catalog.get(i), "access", "open") or "open",
                               price_idr=int(getattr(catalog.get(i), "price_idr", 0) or 0)) for i in row.items]
    if row.paid:
        rec.billing_code, rec.paid_at = row.billing_code, _iso(row.paid_at)  # type: ignore[arg-type]
    if row.status in ("delivered", "completed"):
        rec.delivered_at = _iso(row.completed_at)  # type: ignore[arg-type]
    if row.status == "completed":
        rec.completed_at = rec.delivered_at
        if row.rating:
            rec.rating = Rating(score=row.rating, comment="", at=rec.completed_at)
    if row.status in CLOSING:
        rec.closed_reason = f"legacy_{row.status}"
    if row.status in OPEN:
        rec.problem = "legacy_open"
    audit = make_record(rid, 1, "", imported_at, "migration", "request.migrated", {
        "legacy_id": row.legacy_id, "kind": row.kind, "channel": row.channel, "status": row.status,
        "legacy_status": row.legacy_status, "total_idr": row.total_idr, "billing_code": row.billing_code,
        "ntpn": row.ntpn, "source": source, "line": row.line})
    rec.audit_seq, rec.audit_head = 1, audit.hash
    out = Built(request=rec, audit=audit)
    if row.paid:
        paid = rec.paid_at
        out.billing = BillingRecord(
            billing_code=row.billing_code, request_id=rid, amount_idr=row.total_idr, status="paid", created_at=created,
            expires_at=paid, payment_instructions={}, ntpn=row.ntpn, paid_at=paid,
            paid_event_id=f"legacy#{row.legacy_id}")
        out.ledger = LedgerRecord(
            month=month_of(paid), entry_key=f"{paid}#{rid}", request_id=rid, consumer_id=consumer_id,
            consumer_name=row.name, transaction_type="paid", amount_idr=row.total_idr, billing_code=row.billing_code,
            ntpn=row.ntpn, at=paid, recorded_by="migration", items=list(row.items))
    return out


def write(built: Built) -> str:
    """'imported', or 'already' when the request exists; raises ValueError for a clash with other data."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    from chalicelib.audit.models import AuditRecord
    from chalicelib.billing.models import BillingRecord, LedgerRecord
    from chalicelib.requests.models import RequestRecord
    from chalicelib.requests.repository import connection

    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(built.request, condition=RequestRecord.request_id.does_not_exist())
            tx.save(built.audit, condition=AuditRecord.seq.does_not_exist())
            if built.billing is not None:
                tx.save(built.billing, condition=BillingRecord.billing_code.does_not_exist())
                tx.save(built.ledger, condition=LedgerRecord.entry_key.does_not_exist())
    except TransactWriteError as exc:
        codes = [getattr(r, "code", None) for r in (exc.cancellation_reasons or [])]
        if codes and codes[0] == "ConditionalCheckFailed":
            return "already"
        if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            raise ValueError(f"billing_code {built.billing.billing_code} is already used by another request") from exc
        raise
    return "imported"


# --- the run -------------------------------------------------------------------------------------------------
@dataclass
class Bucket:
    rows: int = 0
    idr: int = 0
    imported: int = 0
    imported_idr: int = 0
    already: int = 0
    already_idr: int = 0
    invalid: int = 0
    invalid_idr: int = 0


@dataclass
class Report:
    file: str
    dry_run: bool
    rows: int = 0
    imported: int = 0
    already: int = 0
    invalid: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    buckets: dict[tuple[str, str], Bucket] = field(default_factory=lambda: defaultdict(Bucket))
    paid_in: list[int] = field(default_factory=lambda: [0, 0])  # rows, rupiah of payments in the file
    ledger_written: list[int] = field(default_factory=lambda: [0, 0])
    ledger_already: list[int] = field(default_factory=lambda: [0, 0])
    unknown_items: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "dry_run": self.dry_run, "rows": self.rows, "imported": self.imported,
            "already": self.already, "invalid": self.invalid, "errors": self.errors,
            "reconciliation": [{"kind": k, "status": s, **vars(b)} for (k, s), b in sorted(self.buckets.items())],
            "payments": {"rows_in": self.paid_in[0], "idr_in": self.paid_in[1],
                         "ledger_written": self.ledger_written[0], "ledger_written_idr": self.ledger_written[1],
                         "ledger_already": self.ledger_already[0], "ledger_already_idr": self.ledger_already[1]},
            "unknown_catalog_items": sorted(self.unknown_items),
            "balanced": self.balanced(),
        }

    def balanced(self) -> bool:
        return all(b.rows == b.imported + b.already + b.invalid and b.idr == b.imported_idr + b.already_idr
                   + b.invalid_idr for b in self.buckets.values())


def run(path: Path, dry_run: bool = False, progress: Callable[[int, int], None] | None = None) -> Report:
    from chalicelib.catalog.repository import CatalogRepository
    from chalicelib.core import clock
    from chalicelib.requests.repository import RequestRepository

    rows = list(read_csv(path))
    report = Report(file=path.name, dry_run=dry_run, rows=len(rows))
    now = clock.now()
    imported_at = clock.iso(now)
    checked: list[LegacyRow | RowError] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        res = validate(line, raw, now)
        if isinstance(res, LegacyRow) and res.legacy_id in seen:
            res = RowError(line, res.legacy_id, [f"duplicate legacy_id (first on line {seen[res.legacy_id]})"],
                           res.kind, res.status, res.total_idr)
        if isinstance(res, LegacyRow):
            seen[res.legacy_id] = line
        checked.append(res)
    wanted = {i for r in checked if isinstance(r, LegacyRow) for i in r.items}
    catalog = CatalogRepository().get_many(wanted) if wanted else {}
    report.unknown_items = wanted - set(catalog)
    repo = RequestRepository()
    for n, res in enumerate(checked, start=1):
        bucket = report.buckets[(res.kind, res.status)]
        bucket.rows += 1
        bucket.idr += res.total_idr
        if isinstance(res, LegacyRow) and res.paid:
            report.paid_in[0] += 1
            report.paid_in[1] += res.total_idr
        if isinstance(res, RowError):
            bucket.invalid += 1
            bucket.invalid_idr += res.total_idr
            report.invalid += 1
            report.errors.append({"line": res.line, "legacy_id": res.legacy_id, "errors": res.errors})
        else:
            outcome = _one(res, repo, catalog, imported_at, report, dry_run)
            if outcome == "invalid":
                bucket.invalid += 1
                bucket.invalid_idr += res.total_idr
            elif outcome == "already":
                bucket.already += 1
                bucket.already_idr += res.total_idr
                if res.paid:
                    report.ledger_already[0] += 1
                    report.ledger_already[1] += res.total_idr
            else:
                bucket.imported += 1
                bucket.imported_idr += res.total_idr
                if res.paid:
                    report.ledger_written[0] += 1
                    report.ledger_written[1] += res.total_idr
        if progress is not None:
            progress(n, len(checked))
    return report


def _one(row: LegacyRow, repo: Any, catalog: dict[str, Any], imported_at: str, report: Report, dry_run: bool) -> str:
    if repo.find(row.request_id) is not None:
        report.already += 1
        return "already"
    if dry_run:
        report.imported += 1  # would be imported
        return "imported"
    from chalicelib.reports import counters as reports
    from chalicelib.users.service import UserService

    user, _verified = UserService().link_by_email(row.name, row.email, row.phone, row.institution, None)
    built = build(row, user.user_id, catalog, imported_at, report.file)
    try:
        outcome = write(built)
    except ValueError as exc:
        report.invalid += 1
        report.errors.append({"line": row.line, "legacy_id": row.legacy_id, "errors": [str(exc)]})
        return "invalid"
    if outcome == "already":
        report.already += 1
        return "already"
    report.imported += 1
    reports.record_submitted(built.request)  # historical volumes and fulfilment times (idempotent per request)
    if built.request.delivered_at:
        reports.record_delivered(built.request)
    return "imported"

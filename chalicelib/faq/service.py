"""FAQ from answers (issue 12): an operator promotes a resolved consultation's answer to a proposed FAQ entry,
a supervisor approves or rejects it, and approved entries are public — listed at `GET /faq` and offered next
to catalog search results (`GET /catalog/search` → ``faq``), so consumers find the answer before they ask.

Matching approved entries: an in-memory match over a cached list, not a second Tantivy snapshot
------------------------------------------------------------------------------------------------
Approved entries are few (tens to a few hundred: each one is reviewed by a supervisor) and change rarely. Each
container keeps them in memory for ``FAQ_CACHE_S`` (60 s): one Query on the GSI ``by_status = approved`` per
minute per container, then matching is microseconds of Python over a few hundred small sets, so the search
route pays nothing measurable. A Tantivy snapshot would need its own build/publish pipeline (worker, S3
object, download on refresh) for a corpus that small, and an approval would take that pipeline's latency to
appear; here it shows at once in the approving container and within a minute everywhere. The words are
analysed exactly like catalog search (`chalicelib.catalog.search.text`: folded, stopwords dropped, Sastrawi
stems), so "penduduk" finds "kependudukan" in both. Should approved entries ever number in the thousands, the
same `SearchIndex` machinery can index them instead.

Scoring: the share of the query's content words found (a word in the question counts 2, in the answer or
subject 1; the last word also matches as a prefix), at least half of them must match, and an exact phrase of
the query in the question adds a bonus. Question words ("bagaimana", "berapa", ...) are ignored.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from chalicelib.core import clock, obs
from chalicelib.core.auth import Principal
from chalicelib.core.config import get_settings
from chalicelib.core.errors import BadRequest, Conflict, NotFound
from chalicelib.faq import repository
from chalicelib.faq.models import APPROVED, PROPOSED, REJECTED, FaqRecord
from chalicelib.faq.schemas import FaqOpsQuery, FaqProposeIn, FaqReviewIn

#: Indonesian question words and fillers: they say nothing about the topic of a question
QUESTION_WORDS = frozenset({
    "apa", "apakah", "bagaimana", "berapa", "kapan", "mengapa", "kenapa", "dimana", "mana", "siapa", "bisa",
    "dapat", "bisakah", "saya", "kami", "anda", "mohon", "tolong", "cara", "ingin", "mau", "tahu", "ada", "tidak",
    "bps", "data",
})
MAX_CACHED = 5000
#: how an escalation answer's message on the request begins (chalicelib/escalation/service.answer)
ESCALATION_ANSWER_PREFIX = "Jawaban eskalasi"
PHRASE_BONUS = 1.0


def faq_id_for(request_id: str) -> str:
    return f"FAQ-{request_id}"


# --- output ----------------------------------------------------------------------------------------------
def to_public(rec: FaqRecord, score: float | None = None) -> dict[str, Any]:
    return {"faq_id": rec.faq_id, "question": rec.question, "answer": rec.answer, "topic": rec.topic,
            "subject": rec.subject, "updated_at": rec.updated_at, "score": score}


def to_ops(rec: FaqRecord) -> dict[str, Any]:
    return {**to_public(rec), "status": rec.status, "request_id": rec.request_id, "proposed_by": rec.proposed_by,
            "proposed_by_name": rec.proposed_by_name or "", "created_at": rec.created_at,
            "reviewed_by": rec.reviewed_by, "reviewed_at": rec.reviewed_at, "review_reason": rec.review_reason}


def get(faq_id: str) -> FaqRecord:
    rec = repository.find(faq_id)
    if rec is None:
        raise NotFound("FAQ entry not found")
    return rec


# --- proposing and reviewing -----------------------------------------------------------------------------
def draft_answer(request_id: str) -> str | None:
    """The latest answer staff gave: a non-internal staff message, else the producer's escalation answer.

    One Query of the conversation: an escalation's answer is saved as an internal message of the request in the
    same transaction as the answer itself (chalicelib/escalation/service.answer), so the escalations table
    need not be read (the prefill stays within the route's 3 DynamoDB calls)."""
    from chalicelib.requests.repository import RequestRepository

    staff, producer = None, None
    for m in RequestRepository().messages(request_id, include_internal=True):
        body = (m.body or "").strip()
        if not body:
            continue
        if m.author_role == "staff" and not m.internal:
            staff = body
        elif m.author_role == "producer":
            producer = body
    if staff:
        return staff
    if producer and producer.startswith(ESCALATION_ANSWER_PREFIX) and "\n" in producer:
        producer = producer.split("\n", 1)[1].strip()  # without the "Jawaban eskalasi dari unit ...:" line
    return producer or None


def propose(p: Principal, request_id: str, body: FaqProposeIn) -> FaqRecord:
    from chalicelib.requests import lifecycle as lc
    from chalicelib.requests.service import RequestService

    rec = RequestService().ops_get(p, request_id)
    if rec.kind != "consultation":
        raise Conflict("only consultations become FAQ entries", code="not_a_consultation")
    if rec.status not in (lc.DELIVERED, lc.COMPLETED):
        raise Conflict(f"the consultation is {rec.status}; only a resolved one can be promoted",
                       code="not_resolved")
    question = body.question or (rec.question or "").strip()
    answer = body.answer or draft_answer(request_id)
    if not question or len(question) < 5:
        raise BadRequest("no question to promote: give 'question'")
    if not answer:
        raise BadRequest("the consultation has no answer to promote yet: give 'answer'")
    now = clock.iso()
    faq_id = faq_id_for(request_id)
    fields = {"status": PROPOSED, "question": question[:1000], "answer": answer[:5000], "topic": rec.topic,
              "subject": rec.subject, "proposed_by": p.sub, "proposed_by_name": p.name or p.sub, "created_at": now,
              "updated_at": now}
    # the first proposal (the usual case) is one conditional PutItem, no read before it: the route stays within
    # 3 DynamoDB calls (request, conversation for the prefill, the entry); the entry is read only when it exists
    entry = FaqRecord(faq_id=faq_id, request_id=request_id, **fields)
    try:
        entry.save(condition=FaqRecord.faq_id.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        existing = repository.find(faq_id)
        if existing is None:
            raise Conflict("this consultation's entry changed concurrently; retry", code="concurrent_update") from exc
        if existing.status != REJECTED:
            raise Conflict(f"this consultation already has a FAQ entry ({existing.status})", code="duplicate",
                           details={"faq_id": faq_id, "status": existing.status}) from exc
        # a rejected proposal may be improved and proposed again
        attrs = FaqRecord.get_attributes()
        actions = [attrs[k].set(v) for k, v in fields.items() if v is not None]
        actions += [FaqRecord.reviewed_by.remove(), FaqRecord.reviewed_at.remove(), FaqRecord.review_reason.remove()]
        try:
            existing.update(actions=actions, condition=FaqRecord.status == REJECTED)
        except UpdateError as exc2:
            raise Conflict("the entry changed concurrently", code="concurrent_update") from exc2
        entry = existing
    obs.count("FaqProposed")
    return entry


def review(p: Principal, faq_id: str, body: FaqReviewIn) -> FaqRecord:
    entry = get(faq_id)
    if entry.status != PROPOSED:
        raise Conflict(f"the entry is {entry.status}, not proposed", code="already_reviewed")
    if body.decision == "reject" and not body.reason:
        raise BadRequest("a rejection needs a reason")
    now = clock.iso()
    actions = [FaqRecord.status.set(APPROVED if body.decision == "approve" else REJECTED),
               FaqRecord.reviewed_by.set(p.sub), FaqRecord.reviewed_at.set(now), FaqRecord.updated_at.set(now)]
    if body.reason:
        actions.append(FaqRecord.review_reason.set(body.reason))
    if body.decision == "approve":
        if body.question:
            actions.append(FaqRecord.question.set(body.question))
        if body.answer:
            actions.append(FaqRecord.answer.set(body.answer))
    try:
        entry.update(actions=actions, condition=FaqRecord.status == PROPOSED)
    except UpdateError as exc:
        raise Conflict("the entry was reviewed concurrently", code="already_reviewed") from exc
    invalidate()
    obs.count("FaqApproved" if body.decision == "approve" else "FaqRejected")
    return entry


def list_ops(q: FaqOpsQuery) -> dict[str, Any]:
    from chalicelib.core.db import decode_cursor, encode_cursor

    it = FaqRecord.by_status.query(q.status, scan_index_forward=False, limit=q.page_size,
                                   last_evaluated_key=decode_cursor(q.cursor))
    items = []
    for rec in it:
        items.append(rec)
        if len(items) >= q.page_size:
            break
    key = it.last_evaluated_key if len(items) >= q.page_size else None
    return {"items": [to_ops(r) for r in items], "next_cursor": encode_cursor(key)}


# --- matching approved entries ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    rec: FaqRecord
    question_stems: frozenset[str]
    other_stems: frozenset[str]
    words: frozenset[str]  # folded, unstemmed words of question + answer + subject (prefix matching)
    folded_question: str


_cache_lock = threading.Lock()
_cache: tuple[float, list[_Entry]] | None = None


def invalidate() -> None:
    global _cache
    with _cache_lock:
        _cache = None


def _terms(text: str) -> list[str]:
    from chalicelib.catalog.search import text as t

    return [s for s in t.analyze(text) if s not in QUESTION_WORDS]


def _entry(rec: FaqRecord) -> _Entry:
    from chalicelib.catalog.search import text as t

    other = f"{rec.answer} {rec.subject or ''}"
    return _Entry(rec=rec, question_stems=frozenset(t.analyze(rec.question)), other_stems=frozenset(t.analyze(other)),
                  words=frozenset(t.tokenize(f"{rec.question} {other}")),
                  folded_question=" ".join(t.tokenize(rec.question)))


def approved_entries() -> list[_Entry]:
    """Approved entries, newest first, cached per container for FAQ_CACHE_S (one GSI Query per refresh)."""
    global _cache
    now = time.monotonic()
    cached = _cache
    if cached is not None and cached[0] > now:
        return cached[1]
    with _cache_lock:
        if _cache is not None and _cache[0] > now:
            return _cache[1]
        entries = []
        for rec in repository.approved(MAX_CACHED):
            entries.append(_entry(rec))
            if len(entries) >= MAX_CACHED:
                break
        _cache = (now + get_settings().faq_cache_s, entries)
        return entries


def _score(entry: _Entry, terms: list[str], last_word: str | None, phrase: str) -> float:
    weight = 0.0
    matched = 0
    for i, term in enumerate(terms):
        if term in entry.question_stems:
            weight, matched = weight + 2.0, matched + 1
        elif term in entry.other_stems:
            weight, matched = weight + 1.0, matched + 1
        elif i == len(terms) - 1 and last_word and len(last_word) >= 3 and any(
                w.startswith(last_word) for w in entry.words):
            weight, matched = weight + 0.5, matched + 1
    if matched < max(1, math.ceil(len(terms) / 2)):
        return 0.0
    score = weight / (2.0 * len(terms))
    if phrase and phrase in entry.folded_question:
        score += PHRASE_BONUS
    return round(score, 4)


def match(q: str, limit: int) -> list[tuple[float, FaqRecord]]:
    from chalicelib.catalog.search import text as t

    terms = _terms(q)
    if not terms:
        return []
    words = [w for w in t.tokenize(q) if w not in t.STOPWORDS and w not in QUESTION_WORDS]
    last_word = words[-1] if words else None
    phrase = " ".join(t.tokenize(q)) if len(terms) > 1 else ""
    scored = [(s, e.rec) for e in approved_entries() if (s := _score(e, terms, last_word, phrase)) > 0]
    scored.sort(key=lambda x: x[1].updated_at, reverse=True)  # ties: the newest entry first
    scored.sort(key=lambda x: -x[0])
    return scored[:limit]


def top_matches(q: str, limit: int = 3) -> list[dict[str, Any]]:
    """What `GET /catalog/search` adds as ``faq``."""
    return [{"faq_id": r.faq_id, "question": r.question, "answer": r.answer, "subject": r.subject, "score": s}
            for s, r in match(q, limit)]


def public(q: str, limit: int) -> dict[str, Any]:
    if q.strip():
        hits = match(q, limit)
        return {"total": len(hits), "items": [to_public(r, s) for s, r in hits]}
    entries = approved_entries()
    return {"total": len(entries), "items": [to_public(e.rec) for e in entries[:limit]]}


def draft(p: Principal, request_id: str) -> dict[str, Any]:
    from chalicelib.requests import lifecycle as lc
    from chalicelib.requests.service import RequestService

    rec = RequestService().ops_get(p, request_id)
    try:
        entry: FaqRecord | None = FaqRecord.get(faq_id_for(request_id), consistent_read=True)
    except FaqRecord.DoesNotExist:
        entry = None
    reason = None
    if rec.kind != "consultation":
        reason = "not_a_consultation"
    elif rec.status not in (lc.DELIVERED, lc.COMPLETED):
        reason = "not_resolved"
    elif entry is not None and entry.status != REJECTED:
        reason = "exists"
    return {"request_id": request_id, "question": rec.question, "answer": draft_answer(request_id),
            "can_propose": reason is None, "reason": reason, "entry": to_ops(entry) if entry else None}

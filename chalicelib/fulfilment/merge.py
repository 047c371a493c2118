"""Merging duplicates (issue 20 item 5): a supervisor closes a request as a duplicate of another request of the same
consumer about the same thing. The duplicate goes to `cancelled` (closed_reason "merged", `merged_into` the
primary) through the lifecycle's legal transition, with what any close brings: its workflow's wait answered
(the execution ends), its unpaid billing closed (and cancelled at the provider after the commit), its operator's
load freed (and the delegation queue drained). The primary records the merge on its timeline and lists its
duplicates (`merged`), whose conversation and files stay readable through them (referenced, not copied).

Only a duplicate nobody has started on can be closed this way (submitted, awaiting approval/payment, queued,
assigned, awaiting the consumer: the statuses from which `cancelled` is legal) and never a paid one: work in
progress is not thrown away — merge the other way round, the request being worked on is the primary."""

from __future__ import annotations

from chalicelib.billing import service as billing
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, Conflict, FirstThenFresh, retrying
from chalicelib.delegation import service as delegation
from chalicelib.fulfilment import assign
from chalicelib.requests import access, workflow
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.service import RequestService


def _check(dup: RequestRecord, primary: RequestRecord) -> None:
    if dup.request_id == primary.request_id:
        raise BadRequest("a request cannot be merged into itself")
    if dup.consumer_id != primary.consumer_id:
        raise Conflict("only requests of the same consumer can be merged", code="different_consumer")
    if dup.merged_into:
        raise Conflict(f"already merged into {dup.merged_into}", code="already_merged")
    if primary.merged_into or primary.status not in lc.OPEN | {lc.DELIVERED}:
        raise Conflict(f"the primary request is {primary.status}: it can no longer take a duplicate",
                       code="primary_closed", details={"status": primary.status})
    if not lc.can(dup.status, lc.CANCELLED):
        raise Conflict(f"the duplicate is {dup.status}: work on it has started; merge the other way round",
                       code="illegal_transition", details={"from": dup.status, "to": lc.CANCELLED})
    if dup.paid_at:
        raise Conflict("the duplicate is paid: it cannot be closed as a duplicate", code="paid")


def _merge(requests: RequestService, p: Principal, dup: RequestRecord, primary: RequestRecord,
           note: str) -> RequestRecord:
    """ONE transaction: the duplicate closed (its billing, its operator's load, audit, outbox) and the merge
    recorded on the primary's timeline and audit chain, both conditional on the versions read."""
    _check(dup, primary)
    ans = workflow.Answer.failure(dup, None, "Cancelled", f"merged into {primary.request_id}")
    close, cancel_at_provider = billing.close_parts(dup.billing_code, "cancelled")
    held = dup.status in lc.IN_PROCESS and dup.assignee
    text = f"digabungkan ke permintaan {primary.request_id}" + (f": {note}" if note else "")
    on_primary, recorded = requests.repo.transition_in(
        primary, primary.status, p.sub,
        f"permintaan duplikat {dup.request_id} digabungkan ke sini" + (f": {note}" if note else ""),
        set_={"merged": list(dict.fromkeys([*(primary.merged or []), dup.request_id]))}, action="request.merge_received",
        audit_data={"duplicate": dup.request_id})
    requests.repo.transition(
        dup, lc.CANCELLED, p.sub, text, set_={"closed_reason": "merged", "merged_into": primary.request_id},
        action="request.merged", audit_data={"into": primary.request_id},
        effects=Effects.of(ans, [close, delegation.release_in(dup.assignee) if held else None, on_primary],
                           [cancel_at_provider,
                            assign.drain_message(f"{dup.request_id}#{dup.audit_seq}") if held else None]))
    return recorded()


def merge(p: Principal, dup_id: str, primary_id: str, note: str = "",
          requests: RequestService | None = None) -> RequestRecord:
    """Close `dup_id` as merged into `primary_id`; returns the primary. Both timelines say so, in one
    transaction: both requests read, ONE TransactWrite."""
    requests = requests or RequestService()
    primary = requests.ops_get(p, primary_id, access.SUPERVISE)
    dup = requests.ops_get(p, dup_id, access.SUPERVISE)
    _check(dup, primary)
    # the records as read serve the first attempt; a retry after a concurrent change reads them again
    read = FirstThenFresh((dup, primary), lambda: (requests.ops_get(p, dup_id, access.SUPERVISE),
                                                   requests.ops_get(p, primary_id, access.SUPERVISE)))

    def attempt() -> RequestRecord:
        d, pr = read()
        return _merge(requests, p, d, pr, note)
    return retrying(attempt)

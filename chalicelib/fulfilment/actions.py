"""The actions of consumers and staff that move a request along its path and end a wait of its workflow:
cancel, rate, start, complete, approve/reject, and the supervisor's change of due date or assignee. Each is one
`RequestRepository.transition` whose `Effects` carry the workflow answer, the other capabilities' parts of the
same transaction and the after-commit messages."""

from __future__ import annotations

from chalicelib.billing import service as billing
from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, Conflict, FirstThenFresh, retry_stale, retrying
from chalicelib.delegation import service as delegation
from chalicelib.delivery import service as delivery
from chalicelib.fulfilment import assign, notices
from chalicelib.reports import counters as reports
from chalicelib.requests import access, workflow
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import Approval, Rating, RequestRecord
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.schemas import PatchRequestIn
from chalicelib.requests.service import RequestService


class RequestActions:
    def __init__(self, requests: RequestService | None = None) -> None:
        self.requests = requests or RequestService()
        self.repo: RequestRepository = self.requests.repo

    # --- consumer actions --------------------------------------------------------------------------
    @retry_stale
    def cancel(self, p: Principal, request_id: str) -> RequestRecord:
        rec = self.requests.get_own(p, request_id)
        if rec.status not in lc.CANCELLABLE:
            raise Conflict(f"a request in status {rec.status} can no longer be cancelled", code="illegal_transition")
        if rec.paid_at:
            raise Conflict("the request is already paid", code="illegal_transition")
        ans = workflow.Answer.failure(rec, None, "Cancelled", "cancelled by the consumer")
        # the billing closes with the request, and the provider is asked to cancel it after the commit (outbox)
        close, cancel_at_provider = billing.close_parts(rec.billing_code, "cancelled")
        # withdrawn while the desk waited on the consumer (awaiting_consumer): the operator's load is freed
        held = rec.status in lc.IN_PROCESS and rec.assignee
        return self.repo.transition(rec, lc.CANCELLED, p.sub, "dibatalkan oleh pemohon",
                                    set_={"closed_reason": "cancelled_by_consumer"},
                                    effects=Effects.of(ans, [close, delegation.release_in(rec.assignee) if held
                                                             else None],
                                                       [cancel_at_provider, assign.drain_message(
                                                           f"{rec.request_id}#{rec.audit_seq}") if held else None]))

    @retry_stale
    def rate(self, p: Principal, request_id: str, score: int, comment: str | None,
             survey: dict[str, int] | None = None) -> RequestRecord:
        rec = self.requests.get_own(p, request_id)
        if rec.rating is not None:
            raise Conflict("already rated", code="already_rated")
        if rec.status != lc.DELIVERED:
            raise Conflict("only a delivered request can be rated", code="not_delivered")
        now = clock.iso()
        rating = Rating(score=score, comment=comment or "", at=now, survey=survey or None)
        note = f"dinilai {score}/5" + (" dan survei kepuasan diisi" if survey else "")
        part = reports.rating_in(score, now, survey, rec.kind)  # desk: with the IKM survey per service
        return self.repo.transition(rec, lc.COMPLETED, p.sub, note,
                                    set_={"rating": rating, "completed_at": now}, action="request.rated",
                                    audit_data={"score": score, "survey": bool(survey)}, effects=Effects.of(parts=[part]))

    # --- operator actions (who may: chalicelib/requests/access.py, through ops_get) ------------------
    @retry_stale
    def start(self, p: Principal, request_id: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.HANDLE)
        return self.repo.transition(rec, lc.IN_PROGRESS, p.sub, "mulai dikerjakan", set_={"started_at": clock.iso()})

    @retry_stale
    def complete(self, p: Principal, request_id: str, note: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.HANDLE)
        if rec.status != lc.IN_PROGRESS:
            lc.check(rec.status, lc.DELIVERED)
        if rec.kind == "data_order":
            delivery.check_ready_for_completion(rec)
        now = clock.iso()
        # the operator's load, the request, its audit record, the report aggregates, the workflow's answer and
        # the drain of the delegation queue (the operator has room again): one transaction
        effects = Effects.of(workflow.Answer.success(rec, "fulfilment", {"delivered": True, "quote": False}),
                             [delegation.release_in(rec.assignee, assign.handled_minutes(rec, now)),
                              reports.delivered_in(rec, now)],
                             [assign.drain_message(f"{rec.request_id}#{rec.audit_seq}")])
        return self.repo.transition(rec, lc.DELIVERED, p.sub, note or "selesai dikerjakan",
                                    set_={"delivered_at": now}, effects=effects)

    @retry_stale
    def approval(self, p: Principal, request_id: str, decision: str, reason: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.APPROVE)
        if rec.status != lc.AWAITING_APPROVAL:
            raise Conflict(f"request is {rec.status}, not awaiting approval", code="illegal_transition")
        if rec.approval is not None:
            raise Conflict("already decided", code="already_decided")
        appr = Approval(decision=decision, by=p.sub, at=clock.iso(), reason=reason or "")
        if decision == "reject":
            if not reason:
                raise BadRequest("a rejection needs a reason")
            effects = Effects.of(workflow.Answer.failure(rec, "approval", "Rejected", reason), messages=[
                notices.to_consumer("request_rejected", rec, f"rejected#{rec.request_id}", reason=reason)])
            return self.repo.transition(rec, lc.REJECTED, p.sub, reason,
                                        set_={"approval": appr, "closed_reason": "rejected"},
                                        action="request.rejected", effects=effects)
        ledger = billing.zero_rupiah_ledger_in(rec, p.sub) if rec.transaction_type == "zero_rupiah" else None
        effects = Effects.of(workflow.Answer.success(rec, "approval", {"approved": True}), [ledger])
        return self.repo.transition(rec, rec.status, p.sub, reason or "disetujui", set_={"approval": appr},
                                    action="request.approved", effects=effects)

    def patch(self, p: Principal, request_id: str, body: PatchRequestIn) -> RequestRecord:
        if body.due_at is None and body.assignee is None:
            raise BadRequest("nothing to change: give due_at and/or assignee")
        due = None
        if body.due_at is not None:
            try:
                due = clock.iso(clock.parse_iso(body.due_at))
            except ValueError as exc:
                raise BadRequest("due_at must be an ISO-8601 timestamp") from exc
        rec = self.requests.ops_get(p, request_id, access.SUPERVISE)
        if due is not None:
            read = FirstThenFresh(rec, lambda: self.requests.ops_get(p, request_id))
            rec = retrying(lambda: self.requests.change_due(read(), p.sub, due, body.note))
        if body.assignee is not None and body.assignee != rec.assignee:
            read = FirstThenFresh(rec, lambda: self.requests.ops_get(p, request_id))
            rec = retrying(lambda: assign.reassign(read(), str(body.assignee), p.sub, body.note))
        return rec

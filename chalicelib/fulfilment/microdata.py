"""The microdata application's review (SPEC §2.4, issue 19 item 5), as data archives run it: the operator approves,
rejects, or returns the application for revision with comments; a returned application waits on the consumer
(`awaiting_consumer`, the SLA clock paused), who edits the abstract and project and resubmits it, accepting the
data-use agreement in effect again (`awaiting_approval`, reviewed again). Approve and reject stay in
fulfilment/actions.py.

The workflow keeps waiting on its approval token through the return: tasks.await_approval stores it in either
status, approving answers it, and the workflow's approval timeout closes an application never resubmitted
(tasks.approval_expired)."""

from __future__ import annotations

from chalicelib.core import clock
from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest, Conflict, retry_stale
from chalicelib.fulfilment import notices
from chalicelib.notify.outbox import notice
from chalicelib.requests import access
from chalicelib.requests import lifecycle as lc
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import Project, RequestRecord, Review
from chalicelib.requests.repository import RequestRepository
from chalicelib.requests.schemas import ApplicationIn
from chalicelib.requests.service import RequestService, accepted_agreement


def returned(rec: RequestRecord) -> bool:
    """Returned for revision and not yet resubmitted."""
    return rec.status == lc.AWAITING_CONSUMER and rec.review is not None and not rec.review.resubmitted_at


class MicrodataReview:
    def __init__(self, requests: RequestService | None = None) -> None:
        self.requests = requests or RequestService()
        self.repo: RequestRepository = self.requests.repo

    @retry_stale
    def return_for_revision(self, p: Principal, request_id: str, comment: str) -> RequestRecord:
        rec = self.requests.ops_get(p, request_id, access.APPROVE)
        if rec.status != lc.AWAITING_APPROVAL:
            raise Conflict(f"request is {rec.status}, not awaiting approval", code="illegal_transition")
        if rec.approval is not None:
            raise Conflict("already decided", code="already_decided")
        if not rec.abstract:
            raise Conflict("only a microdata application (with an abstract) can be returned for revision",
                           code="not_returnable")
        if not comment:
            raise BadRequest("returning an application needs the reviewer's comments (reason)")
        n = int(rec.review.revision or 0) + 1 if rec.review else 1
        review = Review(comment=comment, by=p.sub, at=clock.iso(), revision=n)
        told = notices.to_consumer("application_returned", rec, f"application_returned#{rec.request_id}#{n}",
                                   reason=comment)
        return self.repo.transition(rec, lc.AWAITING_CONSUMER, p.sub, f"dikembalikan untuk diperbaiki: {comment}",
                                    set_={"review": review}, action="request.returned_for_revision",
                                    audit_data={"revision": n}, effects=Effects.of(messages=[told]))

    @retry_stale
    def resubmit(self, p: Principal, request_id: str, body: ApplicationIn) -> RequestRecord:
        rec = self.requests.get_own(p, request_id)
        if not returned(rec):
            raise Conflict("the application is not waiting for your revision", code="not_returned",
                           details={"status": rec.status})
        version = accepted_agreement(body.agreement_version)
        now = clock.iso()
        review = rec.review
        review.resubmitted_at = now
        n = int(review.revision or 1)
        told = notice("application_resubmitted", key=f"application_resubmitted#{rec.request_id}#{n}",
                      to_user=review.by, ctx={"request_id": rec.request_id, "kind": rec.kind, "revision": n})
        return self.repo.transition(
            rec, lc.AWAITING_APPROVAL, p.sub, f"permohonan diperbaiki dan diajukan kembali (revisi ke-{n})",
            set_={"abstract": body.abstract, "project": Project(**body.project.model_dump()), "review": review,
                  "agreement_version": version, "agreement_accepted": True, "agreement_accepted_at": now},
            action="request.resubmitted", audit_data={"revision": n, "agreement_version": version},
            effects=Effects.of(messages=[told]))

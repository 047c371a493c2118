"""PynamoDB models of the request resource and its conversation.

Access patterns (all Query, never Scan):
- by id: table key `request_id`
- "my requests": GSI by_consumer (consumer_id, created_at)
- by status, ordered by due date then age (the delegation queue): GSI by_status (status, due_sort)
- by assignee (history): GSI by_assignee (assignee, created_at)
- an operator's open work, most urgent first: GSI by_active_assignee (active_assignee, due_sort) — sparse
- open requests by due date (reminders): GSI open_due (open_shard, due_at) — sparse
- delivered, awaiting rating/auto-completion: GSI by_delivered (delivered_shard, delivered_at) — sparse
- everything, newest first (supervisor list): GSI all_requests (gsi_all, created_at)
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.db import index_meta, meta


class ByConsumer(GlobalSecondaryIndex):
    Meta = index_meta("by_consumer")
    consumer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex):
    Meta = index_meta("by_status")
    status = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


class ByAssignee(GlobalSecondaryIndex):
    Meta = index_meta("by_assignee")
    assignee = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByActiveAssignee(GlobalSecondaryIndex):
    Meta = index_meta("by_active_assignee")
    active_assignee = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


class OpenDue(GlobalSecondaryIndex):
    Meta = index_meta("open_due")
    open_shard = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class ByDelivered(GlobalSecondaryIndex):
    Meta = index_meta("by_delivered")
    delivered_shard = UnicodeAttribute(hash_key=True)
    delivered_at = UnicodeAttribute(range_key=True)


class AllRequests(GlobalSecondaryIndex):
    Meta = index_meta("all_requests")
    gsi_all = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class PendingAnswers(GlobalSecondaryIndex):
    """Sparse: requests whose workflow answer is written but not yet confirmed (sweeper.confirm_answers)."""

    Meta = index_meta("pending_answers")
    answer_shard = UnicodeAttribute(hash_key=True)
    answer_pending = UnicodeAttribute(range_key=True)


class TimelineEntry(MapAttribute):
    at = UnicodeAttribute()
    status = UnicodeAttribute()
    actor = UnicodeAttribute()
    note = UnicodeAttribute(default="")


class OrderItem(MapAttribute):
    catalog_id = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    type = UnicodeAttribute(default="")
    access = UnicodeAttribute(default="open")
    price_idr = NumberAttribute(default=0)


class Contact(MapAttribute):
    name = UnicodeAttribute(default="")
    email = UnicodeAttribute(default="")
    email_verified = BooleanAttribute(default=False)  # SPEC §8 Identity: only a verified address gets mail
    phone = UnicodeAttribute(null=True)
    institution = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    nik_masked = UnicodeAttribute(null=True)  # intake by ID number: its last 4 digits only
    desk = UnicodeAttribute(null=True)  # intake without e-mail: the operator who hands the notices over

    @property
    def mail_to(self) -> str | None:
        """The address the office may write to: the consumer's, if verified (never one typed by anybody)."""
        return self.email if self.email and self.email_verified else None


class Rating(MapAttribute):
    score = NumberAttribute()
    comment = UnicodeAttribute(default="")
    at = UnicodeAttribute()
    survey = MapAttribute(null=True)  # the IKM questionnaire {element: 1..4} (chalicelib/reports/ikm.py)


class Approval(MapAttribute):
    decision = UnicodeAttribute()
    by = UnicodeAttribute()
    at = UnicodeAttribute()
    reason = UnicodeAttribute(default="")


class QuoteLine(MapAttribute):
    """One line of a price quote: a tariff service (chalicelib/requests/tariff.py) times a quantity."""

    code = UnicodeAttribute()
    service = UnicodeAttribute()
    unit = UnicodeAttribute()
    unit_price_idr = NumberAttribute()
    quantity = NumberAttribute()
    amount_idr = NumberAttribute()


class Quote(MapAttribute):
    """The operator's price quote for a custom request (issue 19): sent → accepted | declined | expired."""

    quote_id = UnicodeAttribute()
    lines = ListAttribute(of=QuoteLine, default=list)
    total_idr = NumberAttribute(default=0)
    note = UnicodeAttribute(default="")
    by = UnicodeAttribute()
    at = UnicodeAttribute()
    status = UnicodeAttribute(default="sent")
    decided_at = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)


class ConsumerWait(MapAttribute):
    """What the desk waits for while the request is `awaiting_consumer` (SPEC §3 side loop): an answer to a
    question, or a decision on a quote; `answer_by` closes the request as `expired` (fulfilment/consumer.py
    sweep), with a reminder from `remind_at`."""

    kind = UnicodeAttribute()  # question | quote (others may add theirs, e.g. a returned abstract)
    text = UnicodeAttribute(default="")
    by = UnicodeAttribute()
    at = UnicodeAttribute()
    answer_by = UnicodeAttribute(null=True)
    remind_at = UnicodeAttribute(null=True)
    reminded_at = UnicodeAttribute(null=True)


class TaskToken(MapAttribute):
    """The workflow's current wait on this request. Once a transition ends the wait, the answer is written
    here in the same transaction (`answer`, `answered_at`) and sent after the commit; the sweeper re-sends
    an answer that was never confirmed (workflow.Answer, sweeper.confirm_answers)."""

    stage = UnicodeAttribute()
    token = UnicodeAttribute()
    at = UnicodeAttribute()
    answer = UnicodeAttribute(null=True)  # JSON: {"ok": true, "output": {...}} | {"ok": false, "error", "cause"}
    answered_at = UnicodeAttribute(null=True)


class Attachment(MapAttribute):
    """A document the consumer attached to the request (chalicelib/attachments): declared, uploaded through a
    pre-signed POST, then verified (size, SHA-256, magic bytes) and pinned to that object version."""

    attachment_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size_bytes = NumberAttribute()
    sha256 = UnicodeAttribute()
    s3_key = UnicodeAttribute()
    purpose = UnicodeAttribute(default="supporting")  # supporting | zero_rupiah_justification | message
    status = UnicodeAttribute(default="pending")  # pending | ready | rejected | deleted
    uploaded_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    upload_expires_at = UnicodeAttribute(null=True)
    verified_at = UnicodeAttribute(null=True)
    version_id = UnicodeAttribute(null=True)
    reject_code = UnicodeAttribute(null=True)
    reject_reason = UnicodeAttribute(null=True)
    deleted_at = UnicodeAttribute(null=True)


class Project(MapAttribute):
    """A microdata application's project (issue 19 item 5)."""

    title = UnicodeAttribute()
    institution = UnicodeAttribute()
    purpose = UnicodeAttribute()
    outputs = UnicodeAttribute()


class Review(MapAttribute):
    """The reviewer returned the application for revision (`awaiting_consumer`) with this comment; the consumer
    resubmits it (`resubmitted_at`) for review again. `revision` counts the returns."""

    comment = UnicodeAttribute()
    by = UnicodeAttribute()
    at = UnicodeAttribute()
    revision = NumberAttribute(default=1)
    resubmitted_at = UnicodeAttribute(null=True)


class RequestRecord(Model):
    Meta = meta("requests")

    request_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    channel = UnicodeAttribute(default="portal")
    status = UnicodeAttribute()
    transaction_type = UnicodeAttribute(null=True)
    total_idr = NumberAttribute(default=0)

    topic = UnicodeAttribute(null=True)
    subject = UnicodeAttribute(null=True)
    question = UnicodeAttribute(null=True)
    message = UnicodeAttribute(null=True)
    about_request_id = UnicodeAttribute(null=True)
    items = ListAttribute(of=OrderItem, default=list)
    purpose = UnicodeAttribute(null=True)
    custom_request = UnicodeAttribute(null=True)
    abstract = UnicodeAttribute(null=True)
    zero_rupiah_justification = UnicodeAttribute(null=True)
    agreement_accepted = BooleanAttribute(default=False)
    agreement_version = UnicodeAttribute(null=True)  # the data-use agreement's version accepted (requests/agreement.py)
    agreement_accepted_at = UnicodeAttribute(null=True)
    project = Project(null=True)
    review = Review(null=True)
    attachments = ListAttribute(of=Attachment, default=list)

    consumer_id = UnicodeAttribute()
    consumer = Contact(default=dict)
    created_by = UnicodeAttribute()

    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sla_days = NumberAttribute(default=0)
    due_at = UnicodeAttribute(null=True)
    due_sort = UnicodeAttribute()
    paused_at = UnicodeAttribute(null=True)

    needs_approval = BooleanAttribute(default=False)
    approval = Approval(null=True)
    needs_billing = BooleanAttribute(default=False)
    billing_code = UnicodeAttribute(null=True)
    paid_at = UnicodeAttribute(null=True)

    assignee = UnicodeAttribute(null=True)
    active_assignee = UnicodeAttribute(null=True)
    assigned_at = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    first_response_at = UnicodeAttribute(null=True)  # the desk's first reply to the consumer (reports)
    merged_into = UnicodeAttribute(null=True)  # closed as a duplicate of this request (fulfilment/merge.py)
    merged = ListAttribute(of=UnicodeAttribute, null=True)  # the duplicates merged into this request
    delivered_shard = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    closed_reason = UnicodeAttribute(null=True)

    open_shard = UnicodeAttribute(null=True)
    gsi_all = UnicodeAttribute(default="REQ")

    timeline = ListAttribute(of=TimelineEntry, default=list)
    rating = Rating(null=True)
    task = TaskToken(null=True)
    answer_shard = UnicodeAttribute(null=True)  # "A" while an answer awaits confirmation (sparse GSI)
    answer_pending = UnicodeAttribute(null=True)  # = task.answered_at while unconfirmed
    execution_name = UnicodeAttribute(null=True)
    problem = UnicodeAttribute(null=True)
    # SLAs of issue 20: the approval's own due date and expiry; a supervisor's attention flag
    # ("assignee_unavailable": the assignee is absent/deactivated and nobody on duty had room)
    approval_due_at = UnicodeAttribute(null=True)
    approval_expires_at = UnicodeAttribute(null=True)
    attention = UnicodeAttribute(null=True)
    escalation_id = UnicodeAttribute(null=True)
    consumer_wait = ConsumerWait(null=True)  # set while awaiting_consumer
    quote = Quote(null=True)  # the latest price quote of a custom request
    legacy_id = UnicodeAttribute(null=True)  # imported from the old system (scripts/migrate_legacy.py)
    legacy = MapAttribute(null=True)  # what the old system knew that has no field here (operator, ...)

    audit_seq = NumberAttribute(default=0)
    audit_head = UnicodeAttribute(default="")
    version = VersionAttribute()

    by_consumer = ByConsumer()
    by_status = ByStatus()
    by_assignee = ByAssignee()
    by_active_assignee = ByActiveAssignee()
    open_due = OpenDue()
    by_delivered = ByDelivered()
    all_requests = AllRequests()
    pending_answers = PendingAnswers()

    def waiting_task(self, stage: str | None = None) -> TaskToken | None:
        """The token the workflow is waiting on (not yet answered), for `stage` or any stage."""
        t = self.task
        if t is None or t.answered_at or (stage is not None and t.stage != stage):
            return None
        return t


class MessageRecord(Model):
    """One message of the consumer–operator conversation (or an internal note when `internal`)."""

    Meta = meta("messages")

    request_id = UnicodeAttribute(hash_key=True)
    msg_id = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    author = UnicodeAttribute()
    author_name = UnicodeAttribute(default="")
    author_role = UnicodeAttribute()
    body = UnicodeAttribute()
    internal = BooleanAttribute(default=False)
    attachments = ListAttribute(default=list)
    redacted_at = UnicodeAttribute(null=True)  # body removed (retention policy, or the author's erasure request)

"""Pydantic models of the request API (input validation and output shape)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    EmailStr,
    Field,
    RootModel,
    StringConstraints,
    field_validator,
    model_validator,
)

from chalicelib.core.schema import Schema
from chalicelib.core.types import PlainName, Timestamp

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CatalogId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
RequestId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class OrderItemIn(Strict):
    catalog_id: CatalogId


class ConsultationIn(Strict):
    kind: Literal["consultation"]
    topic: Literal["data", "metadata", "classification"]
    subject: Short
    question: Text


AgreementVersion = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20,
                                                    pattern=r"^[0-9A-Za-z._-]+$")]


class ProjectIn(Strict):
    """A microdata application's project: what the data is for and what will come of it."""

    title: Short
    institution: Short
    purpose: Text
    outputs: Text


class DataOrderIn(Strict):
    kind: Literal["data_order"]
    items: list[OrderItemIn] = Field(default_factory=list, max_length=50)
    purpose: Text
    custom_request: Text | None = None
    zero_rupiah_justification: Text | None = None
    abstract: Text | None = None
    agreement_accepted: bool = False
    # microdata: the version of the data-use agreement the consumer read and accepts (GET /microdata/agreement);
    # without it, `agreement_accepted` accepts the version in effect
    agreement_version: AgreementVersion | None = None
    project: ProjectIn | None = None

    @field_validator("items")
    @classmethod
    def _unique(cls, v: list[OrderItemIn]) -> list[OrderItemIn]:
        ids = [i.catalog_id for i in v]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate catalog_id")
        return v


class ComplaintIn(Strict):
    kind: Literal["complaint"]
    message: Text
    about_request_id: RequestId | None = None


NewRequest = Annotated[ConsultationIn | DataOrderIn | ComplaintIn, Field(discriminator="kind")]


class NewRequestBody(RootModel):  # the root's type: the field below
    """The body of POST /requests: one of the three kinds, discriminated by `kind`."""

    model_config = ConfigDict(defer_build=True)  # as every Schema (core/schema.py)
    root: NewRequest


class ContactIn(Strict):
    """The consumer the desk logs a request for: identified by e-mail, or (a walk-in or caller without e-mail)
    by phone number or ID number (NIK) alone (intake)."""

    name: PlainName
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[+0-9 ()-]*$")] | None = None
    nik: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{16}$")] | None = None
    institution: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    category: Literal["student", "academic", "business", "government", "citizen", "international", "other"] | None = None

    @model_validator(mode="after")
    def _identified(self) -> ContactIn:
        digits = "".join(ch for ch in self.phone or "" if ch.isdigit())
        if not self.email and not self.nik and self.phone and len(digits) < 8:
            raise ValueError("a phone number that identifies the consumer needs at least 8 digits")
        if not (self.email or digits or self.nik):
            raise ValueError("identify the consumer by email, phone or nik")
        return self


class IntakeIn(Schema):
    """Operator intake: a request body plus channel and the consumer's contact."""

    model_config = ConfigDict(extra="forbid")
    channel: Literal["phone", "letter", "walk_in", "email"]
    consumer: ContactIn
    request: NewRequest

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, obj: Any) -> Any:
        """SPEC §4 sends the request fields flat beside `channel` and `consumer`."""
        if isinstance(obj, dict) and "request" not in obj:
            obj = dict(obj)
            obj["request"] = {k: obj.pop(k) for k in list(obj) if k not in ("channel", "consumer")}
        return obj


AttachmentId = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^A[A-Z0-9]+$")]


class MessageIn(Strict):
    body: Text
    internal: bool = False
    # the consumer's verified attachments of this request the message carries (POST /requests/{id}/attachments)
    attachment_ids: list[AttachmentId] = Field(default_factory=list, max_length=5)


IkmScore = Annotated[int, Field(ge=1, le=4)]


class IkmSurveyIn(Strict):
    """The nine service elements of the community satisfaction survey (IKM, PermenPAN-RB 14/2017), each on the
    regulation's scale 1..4 (chalicelib/reports/ikm.py)."""

    persyaratan: IkmScore
    prosedur: IkmScore
    waktu: IkmScore
    biaya: IkmScore
    produk: IkmScore
    kompetensi: IkmScore
    perilaku: IkmScore
    pengaduan: IkmScore
    sarana: IkmScore


class RatingIn(Strict):
    score: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None
    survey: IkmSurveyIn | None = None  # desk: the IKM questionnaire, next to the 1..5 rating


class ApprovalIn(Strict):
    """`return`: back to the consumer for revision (microdata application), with the reviewer's comments."""

    decision: Literal["approve", "reject", "return"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class ApplicationIn(Strict):
    """The consumer's revised microdata application, resubmitted after it was returned for revision."""

    abstract: Text
    project: ProjectIn
    agreement_version: AgreementVersion


class AgreementOut(Schema):
    version: str
    effective_from: str
    title: str
    text: str
    sha256: str


class MergeIn(Strict):
    """desk: close this request as a duplicate of `into` (same consumer), with an optional note."""

    into: RequestId
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class CompleteIn(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class PatchRequestIn(Strict):
    due_at: Timestamp | None = None
    assignee: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class ListQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None
    page_size: int = Field(default=20, ge=1, le=100)


class OpsListQuery(ListQuery):
    status: Literal[
        "submitted", "awaiting_approval", "awaiting_payment", "queued", "assigned", "in_progress", "escalated",
        "delivered", "completed", "rejected", "expired", "cancelled", "awaiting_consumer",
    ] | None = None
    kind: Literal["consultation", "data_order", "complaint"] | None = None
    assignee: Annotated[str, StringConstraints(max_length=64)] | None = None
    due_before: Timestamp | None = None
    page: int = Field(default=1, ge=1, le=1000)


class TimelineOut(Schema):
    at: str
    status: str
    actor: str
    note: str = ""


class RequestOut(Schema):
    request_id: str
    kind: str
    status: str
    channel: str
    transaction_type: str | None = None
    total_idr: int = 0
    created_at: str
    updated_at: str
    due_at: str | None = None
    assignee: str | None = None
    topic: str | None = None
    subject: str | None = None
    question: str | None = None
    message: str | None = None
    about_request_id: str | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)
    purpose: str | None = None
    custom_request: str | None = None
    needs_approval: bool = False
    billing_code: str | None = None
    paid_at: str | None = None
    delivered_at: str | None = None
    completed_at: str | None = None
    closed_reason: str | None = None
    merged_into: str | None = None  # desk: closed as a duplicate of this request (show that one instead)
    merged: list[str] = Field(default_factory=list)  # desk: the duplicates merged into this request
    billing_delayed: bool = Field(default=False, description="a paid order whose billing the state billing system "
                                  "(SIMPONI) could not issue yet; it is retried automatically, nothing to resend")
    rating: dict[str, Any] | None = None
    abstract: str | None = None
    agreement_version: str | None = None
    agreement_accepted_at: str | None = None
    project: dict[str, Any] | None = None
    review: dict[str, Any] | None = None  # returned for revision: {"comment", "by", "at", "revision", "resubmitted_at"}
    timeline: list[TimelineOut] = Field(default_factory=list)
    # consumer loop (issue 19): what the desk waits for while awaiting_consumer, and the latest price quote
    awaiting: dict[str, Any] | None = Field(default=None, description="while awaiting_consumer: {kind: question|"
                                            "quote, text, by, at, answer_by}; no answer by answer_by expires it")
    quote: dict[str, Any] | None = Field(default=None, description="{quote_id, lines [{code, service, unit, "
                                         "unit_price_idr, quantity, amount_idr}], total_idr, note, at, status: "
                                         "sent|accepted|declined|expired, decided_at, reason}")


class OpsRequestOut(RequestOut):
    consumer_id: str
    consumer: dict[str, Any] = Field(default_factory=dict)
    abstract: str | None = None
    zero_rupiah_justification: str | None = None
    approval: dict[str, Any] | None = None
    overdue: bool = False
    problem: str | None = None
    sla_days: int = 0
    approval_due_at: str | None = Field(default=None, description="the approval's due date (working days)")
    approval_expires_at: str | None = Field(default=None, description="undecided by then, the request expires")
    attention: str | None = Field(default=None, description="assignee_unavailable: the assignee is away and nobody "
                                  "on duty had room; a supervisor assigns it")
    legacy_id: str | None = None  # the old system's id of a migrated request (scripts/migrate_legacy.py)


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = None


class OpsRequestPage(Schema):
    items: list[OpsRequestOut]
    next_cursor: str | None = None


class MessageOut(Schema):
    msg_id: str
    at: str
    author: str
    author_name: str = ""
    author_role: str
    body: str
    internal: bool = False
    attachments: list[dict[str, Any]] = Field(default_factory=list)  # [{"attachment_id", "filename"}]

# --- consumer loop (issue 19): questions to the consumer, price quotes from the tariff ------------------------
class QuestionIn(Strict):
    question: Text


class QuoteLineIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32,
                                           pattern=r"^[A-Za-z0-9_.-]+$")]
    quantity: int = Field(ge=1, le=10000)


class QuoteIn(Strict):
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=20)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class QuoteDecisionIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class TariffItemOut(Schema):
    code: str
    service: str
    unit: str
    unit_price_idr: int
    description: str = ""


class TariffOut(Schema):
    version: str
    basis: str = ""
    items: list[TariffItemOut]

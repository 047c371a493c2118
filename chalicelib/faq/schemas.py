"""API shapes of the FAQ (issue 12)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from chalicelib.core.schema import Schema

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=1000)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=5000)]


class FaqProposeIn(Schema):
    """Both fields are optional: left out, they are prefilled from the consultation (its question, and the
    latest answer staff gave in the conversation or the producer's escalation answer)."""

    model_config = ConfigDict(extra="forbid")
    question: Question | None = None
    answer: Answer | None = None


class FaqReviewIn(Schema):
    """A supervisor approves (optionally polishing the text) or rejects (with a reason) a proposal."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    question: Question | None = None
    answer: Answer | None = None


class FaqOpsQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    status: Literal["proposed", "approved", "rejected"] = "proposed"
    page_size: int = Field(default=50, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class FaqPublicQuery(Schema):
    model_config = ConfigDict(extra="ignore")
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    limit: int = Field(default=20, ge=1, le=100)


class FaqOut(Schema):
    """The public shape: no staff names, no request link."""

    faq_id: str
    question: str
    answer: str
    topic: str | None = None
    subject: str | None = None
    updated_at: str
    score: float | None = None


class FaqOpsOut(FaqOut):
    status: str
    request_id: str
    proposed_by: str
    proposed_by_name: str = ""
    created_at: str
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    review_reason: str | None = None


class FaqPage(Schema):
    items: list[FaqOpsOut]
    next_cursor: str | None = None


class FaqPublicList(Schema):
    total: int
    items: list[FaqOut]


class FaqDraft(Schema):
    """What the operator's form starts from: the consultation's question and latest answer, and whether the
    consultation can be promoted (resolved, no live entry yet)."""

    request_id: str
    question: str | None = None
    answer: str | None = None
    can_propose: bool
    reason: str | None = None
    entry: FaqOpsOut | None = None

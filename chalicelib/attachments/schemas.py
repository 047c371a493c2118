"""Pydantic models of the attachments API."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from chalicelib.attachments.models import EXTENSIONS
from chalicelib.core.schema import Schema

_FILENAME = re.compile(r"^[A-Za-z0-9_(][A-Za-z0-9 ._()-]{0,119}$")
Sha256 = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")]


class AttachmentIn(Schema):
    """The consumer's declaration of the document they are about to upload."""

    model_config = ConfigDict(extra="forbid")
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size_bytes: int = Field(ge=1)
    sha256: Sha256
    purpose: Literal["supporting", "zero_rupiah_justification", "message"] = "supporting"

    @field_validator("filename")
    @classmethod
    def _filename(cls, v: str) -> str:
        v = v.strip()
        if not _FILENAME.match(v) or ".." in v or v.endswith((".", " ")):
            raise ValueError("filename must be 1-120 characters of letters, digits, space, '.', '_', '-', '(' or "
                             "')', without a path")
        ext = v.rsplit(".", 1)[-1].lower() if "." in v else ""
        if ext not in EXTENSIONS:
            raise ValueError(f"file type not allowed; allowed extensions: {', '.join(sorted(EXTENSIONS))}")
        return v


class AttachmentOut(Schema):
    attachment_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    purpose: str
    status: str
    uploaded_by: str
    created_at: str
    verified_at: str | None = None
    reject_code: str | None = None
    reject_reason: str | None = None
    download_url: str | None = None  # ready ones only, short-lived
    expires_at: str | None = None


class AttachmentUploadOut(Schema):
    attachment_id: str
    filename: str
    status: str
    upload: dict[str, Any]  # {"url", "fields"}: a pre-signed POST bound to this key, size, type and encryption
    expires_at: str

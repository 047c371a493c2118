"""Pydantic models of the delivery API: the upload declaration, the pre-signed upload form, deliverable
listings for staff, download links for the consumer and the download log."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from chalicelib.core.schema import Schema

#: data file types an operator may deliver: extension -> accepted content types (first = canonical)
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
    "xls": ("application/vnd.ms-excel",),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet",),
    "csv": ("text/csv", "application/csv", "text/plain"),
    "tsv": ("text/tab-separated-values", "text/plain"),
    "txt": ("text/plain",),
    "json": ("application/json",),
    "geojson": ("application/geo+json", "application/json"),
    "xml": ("application/xml", "text/xml"),
    "pdf": ("application/pdf",),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    "zip": ("application/zip", "application/x-zip-compressed"),  # also shapefiles (shp/shx/dbf/prj in a zip)
    "7z": ("application/x-7z-compressed",),
    "gz": ("application/gzip",),
    "sav": ("application/x-spss-sav", "application/octet-stream"),
    "zsav": ("application/x-spss-sav", "application/octet-stream"),
    "por": ("application/x-spss-por", "application/octet-stream"),
    "dta": ("application/x-stata-dta", "application/octet-stream"),
    "sas7bdat": ("application/x-sas-data", "application/octet-stream"),
    "rds": ("application/octet-stream",),
    "parquet": ("application/vnd.apache.parquet", "application/octet-stream"),
    "gpkg": ("application/geopackage+sqlite3", "application/octet-stream"),
}

#: a safe file name: letters, digits, space, dot, underscore, hyphen, parentheses; no path, no leading dot
_FILENAME = re.compile(r"^[A-Za-z0-9_(][A-Za-z0-9 ._()-]{0,119}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check_filename(value: str) -> str:
    if not _FILENAME.match(value) or ".." in value or value.endswith((".", " ")):
        raise ValueError("filename must be 1-120 characters of letters, digits, space, '.', '_', '-', '(' or ')', "
                         "without a path")
    if extension(value) not in ALLOWED_TYPES:
        raise ValueError(f"file type not allowed; allowed extensions: {', '.join(sorted(ALLOWED_TYPES))}")
    return value


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class DeliverableIn(Strict):
    """An operator's declaration of the file they are about to upload."""

    filename: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3,
                                                   max_length=100)]
    size_bytes: int = Field(ge=1, description="exact size in bytes; at most the configured max_upload_bytes")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="SHA-256 of the file, 64 lowercase hex digits")

    @field_validator("filename")
    @classmethod
    def _filename(cls, v: str) -> str:
        return check_filename(v)

    @model_validator(mode="after")
    def _type_matches(self) -> DeliverableIn:
        allowed = ALLOWED_TYPES.get(extension(self.filename), ())
        if self.content_type not in allowed:
            raise ValueError(f"content_type {self.content_type!r} does not fit a .{extension(self.filename)} file; "
                             f"use one of: {', '.join(allowed)}")
        return self


class UploadForm(Schema):
    url: str
    fields: dict[str, str]


class UploadOut(Schema):
    deliverable_id: str
    filename: str
    status: str
    upload: UploadForm
    expires_at: str


class StoredFileOut(Schema):
    """An uploaded file as staff see it: a request's deliverable or a catalog item's data file."""

    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    status: str
    reject_code: str | None = None
    reject_reason: str | None = None
    uploaded_by: str
    created_at: str
    upload_expires_at: str | None = None
    uploaded_at: str | None = None
    verified_at: str | None = None
    deleted_at: str | None = None
    deleted_by: str | None = None


class DeliverableOut(StoredFileOut):
    """A deliverable as staff see it."""

    deliverable_id: str
    source: str | None = Field(default=None, description='"catalog": a published file of an ordered catalog item, '
                                                         'delivered automatically')


class DownloadLinkOut(Schema):
    """A consumer's short-lived download link (SPEC §4)."""

    deliverable_id: str
    filename: str
    size_bytes: int
    sha256: str
    download_url: str
    expires_at: str


# --- file-backed catalog items (delivery/catalog_files.py) ---------------------------------------------------
class CatalogFileOut(StoredFileOut):
    """A catalog item's data file as admins see it."""

    file_id: str
    item_id: str


class PublicFileOut(Schema):
    """A verified data file of a published catalog item; `downloadable`: open data, a link for anyone."""

    file_id: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    verified_at: str | None = None
    downloadable: bool


class DownloadLogOut(Schema):
    at: str
    deliverable_id: str
    filename: str | None = None
    user_id: str
    expires_at: str
    version_id: str | None = None

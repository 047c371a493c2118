"""Pydantic models of catalog items (admin input) and search queries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from chalicelib.core.schema import Schema
from chalicelib.core.types import Day

ItemType = Literal["table_static", "table_dynamic", "publication", "microdata", "map"]
Access = Literal["open", "paid", "restricted"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class CatalogItemIn(Schema):
    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                         pattern=r"^[A-Za-z0-9_.:-]+$")] | None = None
    type: ItemType
    title: Name
    abstract: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] = ""
    subject: Name
    region_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,10}$")] = "0000"
    region: Name = "Indonesia"
    level: Literal["nasional", "provinsi", "kabupaten_kota"] = "nasional"
    year: int = Field(ge=1900, le=2100)
    period: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    format: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] = "xlsx"
    size_bytes: int = Field(default=0, ge=0, le=10**12)
    price_idr: int = Field(default=0, ge=0, le=10**11)
    access: Access = "open"
    release_date: date
    series_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                                pattern=r"^[A-Za-z0-9_.:-]+$")] | None = None
    status: Literal["published", "planned", "withdrawn"] = "published"

    @model_validator(mode="after")
    def _consistent(self) -> CatalogItemIn:
        if self.access == "open" and self.price_idr:
            raise ValueError("open items are free: price_idr must be 0")
        if self.type == "microdata" and self.access != "restricted":
            raise ValueError("microdata items must have access 'restricted'")
        return self


class CatalogItemOut(Schema):
    id: str
    type: str
    title: str
    abstract: str = ""
    subject: str
    region_code: str
    region: str
    level: str
    year: int
    period: str = ""
    format: str
    size_bytes: int
    price_idr: int
    access: str
    release_date: str
    series_id: str | None = None
    status: str = "published"
    updated_at: str = ""


# --- search (multi-select facets: a comma-separated list is OR within the facet, facets combine with AND) ----
_TYPE_RE = "(table_static|table_dynamic|publication|microdata|map)"
_Values = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=r"^[^,]{0,100}(,[^,]{0,100}){0,49}$")]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class SearchQuery(Schema):
    model_config = ConfigDict(extra="ignore")

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    type: Annotated[str, StringConstraints(strip_whitespace=True, pattern=rf"^({_TYPE_RE}(,{_TYPE_RE}){{0,4}})?$")] | None = Field(
        default=None, description="item types, comma-separated (OR): table_static, table_dynamic, publication, microdata, map")
    subject: _Values | None = Field(default=None, description="subjects, comma-separated (OR); case and accents ignored")
    region: _Values | None = Field(
        default=None, description="exact regions, comma-separated (OR): BPS codes (0000, 32, 3273) or names")
    province: _Values | None = Field(
        default=None, description="provinces, comma-separated (OR): two-digit BPS codes or names; a province "
                                  "includes its regencies and cities")
    regency: _Values | None = Field(
        default=None, description="regencies/cities, comma-separated (OR): four-digit BPS codes or names")
    year: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\d{4}(,\d{4}){0,49})?$")] | None = Field(
        default=None, description="years, comma-separated (OR), 1900..2100")
    sort: Literal["relevance", "newest", "title"] = Field(
        default="relevance", description="relevance (without words: newest first), newest (release date), title (A-Z)")
    page: int = Field(default=1, ge=1, le=1000)
    page_size: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _years_in_range(self) -> SearchQuery:
        if any(not 1900 <= int(y) <= 2100 for y in _split(self.year)):
            raise ValueError("year must be within 1900..2100")
        return self

    def filters(self) -> dict[str, list[str] | list[int]]:
        """The facet selections as lists for the search engine (absent facets left out)."""
        out: dict[str, list[str] | list[int]] = {}
        for name in ("type", "subject", "region", "province", "regency"):
            values = _split(getattr(self, name))
            if values:
                out[name] = values
        if _split(self.year):
            out["year"] = [int(y) for y in _split(self.year)]
        return out


class SearchHit(Schema):
    id: str
    type: str
    title: str
    subject: str
    region: str
    year: int
    price_idr: int
    access: str | None = None
    format: str | None = None
    release_date: str | None = None
    region_code: str | None = None
    score: float | None = None


class FaqHit(Schema):
    """An approved FAQ entry matching the search words (issue 12): consumers see the answer before asking."""

    faq_id: str
    question: str
    answer: str
    subject: str | None = None
    score: float | None = None


class SearchResult(Schema):
    total: int
    page: int
    page_size: int
    sort: str = "relevance"
    items: list[SearchHit]
    facets: dict[str, dict[str, int]] = Field(
        description="type, subject, region, year, province (incl. its regencies/cities), regency: value -> count; "
                    "each facet counts the matches of the other facets' selections (its own values stay selectable)")
    relaxed: bool = False
    faq: list[FaqHit] | None = None


# --- release calendar (issue 12) ------------------------------------------------------------------------------
class ReleasesQuery(Schema):
    """`from`/`to`: local (Asia/Jakarta) dates YYYY-MM-DD, both inclusive; at most RELEASES_MAX_MONTHS months.
    Without both: this month and the next two."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None
    status: Literal["planned", "published"] | None = None
    type: ItemType | None = None
    subject: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class ReleaseOut(Schema):
    id: str
    type: str
    title: str
    subject: str
    region: str
    region_code: str
    level: str
    year: int
    period: str = ""
    series_id: str | None = None
    release_date: str
    status: str
    access: str
    price_idr: int
    format: str


class ReleaseCalendar(Schema):
    from_: str = Field(serialization_alias="from", validation_alias="from")
    to: str
    total: int
    truncated: bool = False
    months: dict[str, dict[str, int]]
    items: list[ReleaseOut]

"""In-memory fakes of the repositories a service depends on, for pure unit tests (no moto, no AWS): the rules
(lifecycle, pricing, the delegation policy) run against plain dictionaries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from chalicelib.core.errors import Conflict, NotFound


class FakeRequestRepository:
    """The part of RequestRepository a submission uses: create (conditional on a new id), get, find."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}
        self.created_by: dict[str, tuple[str, str]] = {}

    def create(self, rec: Any, actor: str, note: str = "") -> Any:
        if rec.request_id in self.items:
            raise Conflict("request already exists", code="duplicate")
        self.items[rec.request_id] = rec
        self.created_by[rec.request_id] = (actor, note)
        return rec

    def find(self, request_id: str) -> Any:
        return self.items.get(request_id)

    def count_open(self, consumer_id: str) -> int:
        from chalicelib.requests import lifecycle

        return sum(1 for r in self.items.values() if r.consumer_id == consumer_id and r.status in lifecycle.OPEN)

    def get(self, request_id: str, consistent: bool = True) -> Any:
        rec = self.find(request_id)
        if rec is None:
            raise NotFound("request not found")
        return rec


class FakeCatalogRepository:
    def __init__(self, items: Iterable[Any] = ()) -> None:
        self.items = {i.id: i for i in items}

    def get(self, item_id: str) -> Any:
        if item_id not in self.items:
            raise NotFound("catalog item not found")
        return self.items[item_id]

    def get_many(self, ids: Iterable[str]) -> dict[str, Any]:
        return {i: self.items[i] for i in ids if i in self.items}


def catalog_item(id: str, price_idr: int = 0, type: str = "table_static", access: str = "open",
                 status: str = "published", title: str = "Tabel") -> Any:
    return SimpleNamespace(id=id, price_idr=price_idr, type=type, access=access, status=status, title=title)


@dataclass
class FakeUsers:
    profiles: dict[str, Any] = field(default_factory=dict)

    def find(self, user_id: str) -> Any:
        return self.profiles.get(user_id)

    def link_by_email(self, name: str, email: str, phone: Any, institution: Any, category: Any) -> Any:
        uid = f"offline-{email}"
        self.profiles.setdefault(uid, SimpleNamespace(user_id=uid, name=name, email=email, phone=phone,
                                                      institution=institution, category=category))
        return self.profiles[uid], False  # (profile, the address is a verified one)

    def link_offline(self, name: str, phone: Any, nik: Any, institution: Any, category: Any, desk: str) -> Any:
        uid = f"offline-nik:{nik}" if nik else f"offline-tel:{''.join(ch for ch in phone or '' if ch.isdigit())}"
        self.profiles.setdefault(uid, SimpleNamespace(user_id=uid, name=name, email=None, phone=phone,
                                                      institution=institution, category=category))
        self.profiles[uid].intake_by = desk
        return self.profiles[uid]


@dataclass
class FakeWorkflow:
    started: list[str] = field(default_factory=list)

    def __call__(self, request_id: str) -> bool:
        self.started.append(request_id)
        return True

"""Pricing and the transaction type of a data order (SPEC §2.5), pure: RequestService against in-memory fakes
of its repositories — no moto, no AWS."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.auth import Principal
from chalicelib.core.errors import BadRequest
from chalicelib.requests.schemas import DataOrderIn
from chalicelib.requests.service import RequestService
from tests.fakes import FakeCatalogRepository, FakeRequestRepository, FakeUsers, FakeWorkflow, catalog_item

CATALOG = [catalog_item("TS-FREE1"), catalog_item("TS-PAID1", 150000, access="paid"),
           catalog_item("MP-PAID2", 250000, type="map", access="paid"),
           catalog_item("MD-SUS1", 500000, type="microdata", access="restricted"),
           catalog_item("TS-PLAN1", 0, status="planned")]


@pytest.fixture
def svc() -> RequestService:
    return RequestService(FakeRequestRepository(), FakeCatalogRepository(CATALOG), FakeUsers(), FakeWorkflow())


def consumer(*roles: str) -> Principal:
    return Principal(sub="consumer1", roles=frozenset(roles or ("consumer",)), name="Siti", email="siti@example.id")


def order(*ids: str, **extra: Any) -> DataOrderIn:
    return DataOrderIn(kind="data_order", items=[{"catalog_id": i} for i in ids], purpose="Penelitian", **extra)


def test_paid_items_are_summed_and_billed(svc):
    rec = svc.submit(consumer(), order("TS-PAID1", "MP-PAID2", "TS-FREE1"))
    assert (rec.transaction_type, int(rec.total_idr), rec.needs_billing, rec.needs_approval) == ("paid", 400000, True, False)
    assert [(i.catalog_id, int(i.price_idr)) for i in rec.items] == [("TS-PAID1", 150000), ("MP-PAID2", 250000),
                                                                      ("TS-FREE1", 0)]
    assert svc._start.started == [rec.request_id] and svc.repo.find(rec.request_id) is rec


def test_free_items_cost_nothing_and_need_no_billing(svc):
    rec = svc.submit(consumer(), order("TS-FREE1"))
    assert (rec.transaction_type, int(rec.total_idr), rec.needs_billing, rec.needs_approval) == ("free", 0, False, False)


def test_staff_orders_are_internal_and_free(svc):
    rec = svc.submit(consumer("staff"), order("TS-PAID1"))
    assert (rec.transaction_type, int(rec.total_idr), rec.needs_billing) == ("internal", 0, False)


def test_zero_rupiah_needs_a_supervisors_approval_and_bills_nothing(svc):
    rec = svc.submit(consumer(), order("TS-PAID1", zero_rupiah_justification="Kerja sama instansi pemerintah"))
    assert (rec.transaction_type, int(rec.total_idr), rec.needs_billing, rec.needs_approval) == (
        "zero_rupiah", 0, False, True)
    assert rec.zero_rupiah_justification == "Kerja sama instansi pemerintah"


def test_microdata_needs_an_abstract_and_the_agreement(svc):
    with pytest.raises(BadRequest, match="abstract"):
        svc.submit(consumer(), order("MD-SUS1"))
    with pytest.raises(BadRequest, match="agreement"):
        svc.submit(consumer(), order("MD-SUS1", abstract="Analisis kemiskinan"))
    rec = svc.submit(consumer(), order("MD-SUS1", abstract="Analisis kemiskinan", agreement_accepted=True))
    assert (rec.transaction_type, int(rec.total_idr), rec.needs_approval, rec.needs_billing) == ("paid", 500000, True, True)


def test_unknown_or_unpublished_items_are_refused(svc):
    with pytest.raises(BadRequest) as exc:
        svc.submit(consumer(), order("TS-FREE1", "XX-NONE1"))
    assert exc.value.details == {"missing": ["XX-NONE1"]}
    with pytest.raises(BadRequest, match="not available"):
        svc.submit(consumer(), order("TS-PLAN1"))
    with pytest.raises(BadRequest, match="catalog items or a custom_request"):
        svc.submit(consumer(), order())
    assert svc.repo.items == {} and svc._start.started == []


def test_due_date_is_counted_in_working_days(svc):
    from chalicelib.core import clock
    from chalicelib.requests.sla import calendar, sla_days

    rec = svc.submit(consumer(), order("TS-FREE1"))
    due = calendar().add_working_days(clock.parse_iso(rec.created_at), sla_days("data_order"))
    assert rec.due_at == clock.iso(due) and int(rec.sla_days) == sla_days("data_order")

"""Automatic delivery of published catalog files (issue 19 §1): no operator, seconds after payment.

Where it hooks: the workflow's delegation step (`assign.delegate`, the `Delegate` state of
statemachines/fulfilment.asl.json). Every request reaches that step exactly when nothing is left to wait for on
the consumer's side — free orders right after triage, zero-rupiah/microdata orders after approval, paid orders
after the payment callback (and a quoted custom request after its accepted quote is paid) — so the one call
covers every path, and a redelivered task finds the request delivered and answers from there.

- An order whose every item has verified files (`delivery.catalog_files`) and no custom part goes to `delivered`
  in ONE transition: the request, its timeline entry and audit record, the deliverables (records pointing at the
  verified catalog object versions), the report aggregates (`delivered_in`, plus `auto_delivered`) and the
  workflow's answer. The workflow then passes its fulfilment wait at once (the request is delivered) and sends the
  `delivered` notice (e-mail + in-app) as for any delivery. The consumer downloads through
  `GET /requests/{id}/deliverables`.
- A mixed order (some items without files, or a custom part) gets the files it can as deliverables with a
  timeline entry saying so (no status change), and then goes to the desk by the usual delegation. Those files are
  downloadable while the operator prepares the rest (`DeliveryService.check_downloadable(early=True)`).
"""

from __future__ import annotations

from chalicelib.core import clock, obs
from chalicelib.delivery import catalog_files
from chalicelib.delivery.repository import deliverables
from chalicelib.reports import counters as reports
from chalicelib.reports import repository as report_stats
from chalicelib.requests import lifecycle as lc
from chalicelib.requests import workflow
from chalicelib.requests.effects import Effects
from chalicelib.requests.models import RequestRecord
from chalicelib.requests.repository import RequestRepository

ACTOR = "system"
#: where a request can be when the delegation step runs
FROM = frozenset({lc.SUBMITTED, lc.AWAITING_APPROVAL, lc.AWAITING_PAYMENT, lc.QUEUED})


def cleared(rec: RequestRecord) -> bool:
    """Nothing left to wait for on the consumer's side: approved if it needs approval, paid if billed."""
    approved = bool(rec.approval and rec.approval.decision == "approve")
    if (rec.needs_approval or rec.transaction_type == "zero_rupiah") and not approved:
        return False
    return not (rec.needs_billing and not rec.paid_at)


def deliver_files(rec: RequestRecord) -> bool:
    """Deliver what the published catalog files can. True when the whole order was delivered (the workflow's
    delegation wait is answered); False when the request goes on to the desk (with or without files delivered).
    `rec.task` must be the delegation step's token (set by the caller)."""
    if rec.kind != "data_order" or not rec.items or rec.status not in FROM or not cleared(rec):
        return False
    files = catalog_files.ready_files(i.catalog_id for i in rec.items)
    if not files:
        return False
    have = {d.deliverable_id for d in deliverables(rec.request_id)}
    todo = [f for fs in files.values() for f in fs if catalog_files.deliverable_id(f.file_id) not in have]
    records = catalog_files.deliverables_for(rec.request_id, todo)
    complete = not rec.custom_request and all(i.catalog_id in files for i in rec.items)
    n = sum(len(fs) for fs in files.values())
    repo = RequestRepository()
    if complete:
        now = clock.iso()
        effects = Effects.of(
            workflow.Answer.success(rec, "delegate", {"assignee": None, "auto_delivered": True}),
            [catalog_files.deliverables_part(records), reports.delivered_in(rec, now),
             report_stats.tx_part([report_stats.stat_update(now, "auto_delivered", rec.kind)])])
        repo.transition(rec, lc.DELIVERED, ACTOR, f"dikirim otomatis: {n} berkas data katalog siap diunduh",
                        set_={"delivered_at": now}, action="request.auto_delivered",
                        audit_data={"deliverables": [catalog_files.deliverable_id(f.file_id)
                                                     for fs in files.values() for f in fs]},
                        effects=effects)
        obs.count("RequestAutoDelivered")
        obs.logger().info("request delivered automatically", extra={"request_id": rec.request_id, "files": n})
        return True
    if not records:
        return False  # delivered before (a redelivered task): on to the desk
    rest = len([i for i in rec.items if i.catalog_id not in files]) + (1 if rec.custom_request else 0)
    repo.transition(rec, rec.status, ACTOR,
                    f"{len(records)} berkas data katalog dikirim otomatis dan siap diunduh; {rest} bagian lainnya "
                    "diteruskan ke petugas", action="request.partly_auto_delivered",
                    audit_data={"deliverables": [d.deliverable_id for d in records]},
                    also=catalog_files.deliverables_part(records))
    obs.count("RequestPartlyAutoDelivered")
    return False

"""SILASTIK API and event handlers. Each handler is a few lines: validation, auth and error mapping live
in chalicelib.core.api; the logic lives in the chalicelib packages (imported lazily, for cold start)."""

from chalice import Chalice, Rate, Response

from chalicelib.core.api import Api, Ctx, lazy, lazy_module

# The pydantic models are referenced lazily: a route's models are imported (and built) on its first request,
# not by `import app` (cold start; see README "Performance").
CatalogItemIn, CatalogItemOut, SearchQuery, SearchResult = lazy(
    "chalicelib.catalog.schemas", "CatalogItemIn", "CatalogItemOut", "SearchQuery", "SearchResult")
rq = lazy_module("chalicelib.requests.schemas")
ProfileIn, ProfileOut, EmailCodeIn = lazy("chalicelib.users.schemas", "ProfileIn", "ProfileOut", "EmailCodeIn")

app = Chalice(app_name="silastik")
app.api.binary_types.append("application/pdf")
api = Api(app)

CONSUMER = ("consumer", "staff")
# SPEC §8: admin manages catalog, staff and configuration and is not a supervisor: no access to requests
OPS = ("operator", "supervisor")
DESK = ("operator", "supervisor", "producer")  # request reads; which requests: chalicelib/requests/access.py
STAFF = ("operator", "supervisor", "producer", "admin")
SUPERVISOR = ("supervisor",)
ADMIN = ("admin",)
PRODUCER = ("producer", "admin")


def _requests():
    from chalicelib.escalation.service import RequestUnits
    from chalicelib.requests.service import RequestService

    return RequestService(units=RequestUnits())


def _actions():
    from chalicelib.fulfilment.actions import RequestActions

    return RequestActions()


def _out(rec):
    from chalicelib.requests.service import to_out

    return to_out(rec)


def _ops_out(rec):
    from chalicelib.requests.service import to_ops_out

    return to_ops_out(rec)


def _pdf(data: bytes, name: str) -> Response:
    return Response(body=data, status_code=200, headers={"Content-Type": "application/pdf",
                                                         "Content-Disposition": f'attachment; filename="{name}"'})


def _csv(body: str, name: str) -> Response:
    return Response(body=body, status_code=200, headers={"Content-Type": "text/csv; charset=utf-8",
                                                         "Content-Disposition": f'attachment; filename="{name}"'})


# --- public: liveness and the API document ------------------------------------------------------------------
@api.route("/health", roles=None, summary="Liveness")
def health(ctx: Ctx):
    from chalicelib.core.config import get_settings

    return {"status": "ok", "service": "silastik", "stage": get_settings().stage}


@api.route("/openapi.json", roles=None, summary="This API's OpenAPI 3 document")
def openapi(ctx: Ctx):
    from chalicelib.core.openapi import build

    return build(api.routes)


# --- catalog: search with the FAQ hint, items, release calendar, publishing (chalicelib/catalog) ------------
ReleasesQuery, ReleaseCalendar = lazy("chalicelib.catalog.schemas", "ReleasesQuery", "ReleaseCalendar")


@api.route("/catalog/search", roles=None, query=SearchQuery, response=SearchResult, tag="catalog")
def catalog_search(ctx: Ctx, query: SearchQuery):
    from chalicelib.catalog import service
    from chalicelib.faq.service import top_matches

    return service.search(query, faq=top_matches)


@api.route("/catalog/items/{item_id}", roles=None, response=CatalogItemOut, tag="catalog")
def catalog_item(ctx: Ctx, item_id: str):
    from chalicelib.catalog import service

    return service.get_item(item_id)


@api.route("/catalog/releases", roles=None, query=ReleasesQuery, response=ReleaseCalendar, tag="catalog",
           summary="Release calendar: planned and published releases of a period (at most 13 months)")
def catalog_releases(ctx: Ctx, query: ReleasesQuery):
    from chalicelib.catalog import releases

    return releases.calendar(query.from_, query.to, query.status, query.type, query.subject)


@api.route("/ops/catalog/items", "POST", roles=ADMIN, body=CatalogItemIn, response=CatalogItemOut, status=201,
           tag="catalog")
def catalog_create(ctx: Ctx, body: CatalogItemIn):
    from chalicelib.catalog import service

    return service.create_item(body, ctx.user.sub)


@api.route("/ops/catalog/items/{item_id}", "PUT", roles=ADMIN, body=CatalogItemIn, response=CatalogItemOut,
           tag="catalog")
def catalog_update(ctx: Ctx, item_id: str, body: CatalogItemIn):
    from chalicelib.catalog import service

    return service.update_item(item_id, body, ctx.user.sub)


@api.route("/ops/catalog/items/{item_id}/publish", "POST", roles=PRODUCER, response=CatalogItemOut, tag="catalog",
           summary="Publish a planned item now (re-indexed; its subscribers are told)")
def catalog_publish(ctx: Ctx, item_id: str):
    from chalicelib.catalog import releases

    return releases.to_out(releases.publish(item_id, ctx.user.sub))


@app.lambda_function(name="catalog_worker")
def catalog_worker(event, context):
    from chalicelib.catalog import worker
    from chalicelib.core.handlers import sqs_batch

    return sqs_batch(event, worker.handle, "catalog")


# --- users and privacy: profile, export and erasure of personal data (chalicelib/users, privacy) ------------
pv = lazy_module("chalicelib.privacy.schemas")


@api.route("/me", roles=CONSUMER + STAFF, response=ProfileOut)
def me(ctx: Ctx):
    from chalicelib.users.service import to_out

    return to_out(_requests().me(ctx.user))


@api.route("/me", "PUT", roles=CONSUMER + STAFF, body=ProfileIn, response=ProfileOut)
def update_me(ctx: Ctx, body: ProfileIn):
    from chalicelib.users.service import to_out

    return to_out(_requests().update_profile(ctx.user, body))


@api.route("/me/email/verify", "POST", roles=CONSUMER + STAFF, body=EmailCodeIn, response=ProfileOut,
           summary="Confirm a new e-mail address with the code sent to it (only then does it link or get mail)")
def verify_email(ctx: Ctx, body: EmailCodeIn):
    from chalicelib.users.service import to_out

    return to_out(_requests().verify_email(ctx.user, body.code))


@api.route("/me/export", roles=CONSUMER + STAFF, response=pv.PrivacyExport, tag="privacy",
           summary="All the caller's personal data (profile, requests with messages, notifications, "
                   "subscriptions, download log)")
def export_me(ctx: Ctx):
    from chalicelib.privacy import service

    return service.export(ctx.user)


@api.route("/me", "DELETE", roles=CONSUMER, response=pv.AnonymizedOut, tag="privacy",
           summary="Erase the caller's personal data (anonymized; financial records and the audit trail kept)")
def delete_me(ctx: Ctx):
    from chalicelib.privacy import service

    return service.anonymize(ctx.user)


# --- requests: the consumer's requests and the desk (chalicelib/requests; actions: chalicelib/fulfilment) --
@api.route("/requests", "POST", roles=CONSUMER, body=rq.NewRequestBody, response=rq.RequestOut, status=201,
           limit=lambda kw: f"create_{kw['body'].root.kind}")
def create_request(ctx: Ctx, body: rq.NewRequestBody):
    return _out(_requests().submit(ctx.user, body.root))


@api.route("/requests", roles=CONSUMER, query=rq.ListQuery, response=rq.RequestPage)
def list_requests(ctx: Ctx, query: rq.ListQuery):
    items, cursor = _requests().list_mine(ctx.user, query.page_size, query.cursor)
    return {"items": [_out(r) for r in items], "next_cursor": cursor}


@api.route("/requests/{request_id}", roles=CONSUMER, response=rq.RequestOut)
def get_request(ctx: Ctx, request_id: str):
    return _out(_requests().get_own(ctx.user, request_id))


@api.route("/requests/{request_id}/cancel", "POST", roles=CONSUMER, response=rq.RequestOut)
def cancel_request(ctx: Ctx, request_id: str):
    return _out(_actions().cancel(ctx.user, request_id))


@api.route("/requests/{request_id}/messages", roles=CONSUMER, response=list[rq.MessageOut])
def list_messages(ctx: Ctx, request_id: str):
    return _requests().messages(ctx.user, request_id, staff_view=False)


@api.route("/requests/{request_id}/messages", "POST", roles=CONSUMER, body=rq.MessageIn, response=rq.MessageOut,
           status=201, limit="post_message")
def post_message(ctx: Ctx, request_id: str, body: rq.MessageIn):
    files = _requests().message_attachments(ctx.user, request_id, body.attachment_ids)  # checked first
    msg = _consumer_loop().post_message(ctx.user, request_id, body.body)  # answers a question that waits
    return _requests().attach_to_message(request_id, msg, files)


@api.route("/requests/{request_id}/rating", "POST", roles=CONSUMER, body=rq.RatingIn, response=rq.RequestOut,
           status=201)
def rate_request(ctx: Ctx, request_id: str, body: rq.RatingIn):
    survey = body.survey.model_dump() if body.survey else None
    return _out(_actions().rate(ctx.user, request_id, body.score, body.comment, survey))


@api.route("/ops/queue", roles=OPS, response=list[rq.OpsRequestOut], tag="ops")
def ops_queue(ctx: Ctx):
    return [_ops_out(r) for r in _requests().my_queue(ctx.user)]


@api.route("/ops/requests", roles=DESK, query=rq.OpsListQuery, response=rq.OpsRequestPage, tag="ops")
def ops_list(ctx: Ctx, query: rq.OpsListQuery):
    items, cursor = _requests().list_ops(ctx.user, query)
    return {"items": [_ops_out(r) for r in items], "next_cursor": cursor}


@api.route("/ops/requests", "POST", roles=OPS, body=rq.IntakeIn, response=rq.OpsRequestOut, status=201, tag="ops")
def ops_intake(ctx: Ctx, body: rq.IntakeIn):
    return _ops_out(_requests().intake(ctx.user, body))


@api.route("/ops/requests/{request_id}", roles=DESK, response=rq.OpsRequestOut, tag="ops")
def ops_get(ctx: Ctx, request_id: str):
    return _ops_out(_requests().ops_get(ctx.user, request_id))


@api.route("/ops/requests/{request_id}", "PATCH", roles=SUPERVISOR, body=rq.PatchRequestIn,
           response=rq.OpsRequestOut, tag="ops")
def ops_patch(ctx: Ctx, request_id: str, body: rq.PatchRequestIn):
    return _ops_out(_actions().patch(ctx.user, request_id, body))


@api.route("/ops/requests/{request_id}/start", "POST", roles=OPS, response=rq.OpsRequestOut, tag="ops")
def ops_start(ctx: Ctx, request_id: str):
    return _ops_out(_actions().start(ctx.user, request_id))


@api.route("/ops/requests/{request_id}/complete", "POST", roles=OPS, body=rq.CompleteIn, response=rq.OpsRequestOut,
           tag="ops")
def ops_complete(ctx: Ctx, request_id: str, body: rq.CompleteIn):
    return _ops_out(_actions().complete(ctx.user, request_id, body.note))


@api.route("/ops/requests/{request_id}/merge", "POST", roles=SUPERVISOR, body=rq.MergeIn, response=rq.OpsRequestOut,
           tag="ops", summary="desk: close this request as a duplicate of another of the same consumer (the primary)")
def ops_merge(ctx: Ctx, request_id: str, body: rq.MergeIn):
    from chalicelib.fulfilment.merge import merge

    return _ops_out(merge(ctx.user, request_id, body.into, body.note))


@api.route("/ops/requests/{request_id}/approval", "POST", roles=OPS, body=rq.ApprovalIn,
           response=rq.OpsRequestOut, tag="ops")
def ops_approval(ctx: Ctx, request_id: str, body: rq.ApprovalIn):
    if body.decision == "return":  # microdata application back to the consumer for revision
        return _ops_out(_microdata().return_for_revision(ctx.user, request_id, body.reason))
    return _ops_out(_actions().approval(ctx.user, request_id, body.decision, body.reason))


@api.route("/ops/requests/{request_id}/messages", roles=DESK, response=list[rq.MessageOut], tag="ops")
def ops_messages(ctx: Ctx, request_id: str):
    return _requests().messages(ctx.user, request_id, staff_view=True)


@api.route("/ops/requests/{request_id}/messages", "POST", roles=DESK, body=rq.MessageIn, response=rq.MessageOut,
           status=201, tag="ops")
def ops_post_message(ctx: Ctx, request_id: str, body: rq.MessageIn):
    return _requests().post_message(ctx.user, request_id, body.body, body.internal, staff_view=True)


# --- consumer loop (issue 19): questions to the consumer, price quotes from the tariff (fulfilment/consumer) --
def _consumer_loop():
    from chalicelib.fulfilment.consumer import ConsumerLoop

    return ConsumerLoop(_requests())


@api.route("/ops/tariff", roles=OPS, response=rq.TariffOut, tag="ops", summary="The PNBP tariff of custom work")
def ops_tariff(ctx: Ctx):
    from chalicelib.fulfilment.consumer import tariff_out

    return tariff_out()


@api.route("/ops/requests/{request_id}/question", "POST", roles=OPS, body=rq.QuestionIn,
           response=rq.OpsRequestOut, tag="ops", summary="Ask the consumer (awaiting_consumer, SLA clock paused)")
def ops_ask_consumer(ctx: Ctx, request_id: str, body: rq.QuestionIn):
    return _ops_out(_consumer_loop().ask(ctx.user, request_id, body.question))


@api.route("/ops/requests/{request_id}/quote", "POST", roles=OPS, body=rq.QuoteIn, response=rq.OpsRequestOut,
           tag="ops", summary="Send a price quote from the tariff (awaiting_consumer)")
def ops_send_quote(ctx: Ctx, request_id: str, body: rq.QuoteIn):
    lines = [(ln.code, ln.quantity) for ln in body.lines]
    return _ops_out(_consumer_loop().send_quote(ctx.user, request_id, lines, body.note))


@api.route("/requests/{request_id}/quote/accept", "POST", roles=CONSUMER, response=rq.RequestOut,
           summary="Accept the price quote: billing starts")
def accept_quote(ctx: Ctx, request_id: str):
    return _out(_consumer_loop().accept(ctx.user, request_id))


@api.route("/requests/{request_id}/quote/decline", "POST", roles=CONSUMER, body=rq.QuoteDecisionIn,
           response=rq.RequestOut, summary="Decline the price quote: the request is closed")
def decline_quote(ctx: Ctx, request_id: str, body: rq.QuoteDecisionIn):
    return _out(_consumer_loop().decline(ctx.user, request_id, body.reason))


# --- billing: the provider's webhook, a request's billing, invoice, receipt (billing, fulfilment/payment) ---

@api.route("/webhooks/billing", "POST", roles=None, raw=True, tag="billing", summary="Payment provider callback")
def billing_webhook(ctx: Ctx):
    from chalicelib.fulfilment import payment

    return payment.handle_webhook(ctx.raw_body, ctx.headers)


@api.route("/requests/{request_id}/billing", roles=CONSUMER, tag="billing",
           response=lazy("chalicelib.billing.schemas", "BillingOut")[0])
def get_billing(ctx: Ctx, request_id: str):
    from chalicelib.billing import service

    rec = _requests().get_own(ctx.user, request_id)
    return service.to_out(service.billing_for(rec), rec)  # + after_close: a payment after the request closed


@api.route("/requests/{request_id}/invoice", roles=CONSUMER, tag="billing", produces="application/pdf")
def get_invoice(ctx: Ctx, request_id: str):
    from chalicelib.billing import service

    return _pdf(service.invoice_pdf(_requests().get_own(ctx.user, request_id)), f"tagihan-{request_id}.pdf")


@api.route("/requests/{request_id}/receipt", roles=CONSUMER, tag="billing", produces="application/pdf")
def get_receipt(ctx: Ctx, request_id: str):
    from chalicelib.billing import service

    return _pdf(service.receipt_pdf(_requests().get_own(ctx.user, request_id)), f"kuitansi-{request_id}.pdf")


@api.route("/ops/requests/{request_id}/billing", roles=DESK, tag="billing")
def ops_billing(ctx: Ctx, request_id: str):
    from chalicelib.billing import service

    return service.to_out(service.billing_for(_requests().ops_get(ctx.user, request_id)))


# payment work items (paid after close, wrong amounts, unknown billings, stuck paid, stranded orders): supervisors
bs = lazy_module("chalicelib.billing.schemas")


@api.route("/ops/payments/work-items", roles=SUPERVISOR, query=bs.WorkItemsQuery, tag="billing",
           summary="Payments a supervisor must look at")
def ops_payment_items(ctx: Ctx, query: bs.WorkItemsQuery):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.list_items(ctx.user, query.status, query.limit, query.cursor)


@api.route("/ops/payments/work-items/{item_id}/resume", "POST", roles=SUPERVISOR, body=bs.ResumeIn, tag="billing",
           summary="Resume fulfilment of a request paid after it closed")
def ops_payment_resume(ctx: Ctx, item_id: str, body: bs.ResumeIn):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.resume(ctx.user, item_id, body.note)


@api.route("/ops/payments/work-items/{item_id}/refund", "POST", roles=SUPERVISOR, body=bs.RefundIn, tag="billing",
           summary="Record the refund of a payment after close")
def ops_payment_refund(ctx: Ctx, item_id: str, body: bs.RefundIn):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.refund(ctx.user, item_id, body.reference, body.note, body.refunded_at)


@api.route("/ops/payments/work-items/{item_id}/restart", "POST", roles=SUPERVISOR, body=bs.ResumeIn, tag="billing",
           summary="Restart the stopped workflow of a request still waiting")
def ops_payment_restart(ctx: Ctx, item_id: str, body: bs.ResumeIn):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.restart(ctx.user, item_id, body.note)


@api.route("/ops/payments/work-items/{item_id}/resolve", "POST", roles=SUPERVISOR, body=bs.ResolveIn,
           tag="billing", summary="Resolve a payment work item with a note")
def ops_payment_resolve(ctx: Ctx, item_id: str, body: bs.ResolveIn):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.resolve(ctx.user, item_id, body.note)


@api.route("/ops/requests/{request_id}/billing/retry", "POST", roles=SUPERVISOR, tag="billing",
           summary="Retry the billing of an order the provider could not bill")
def ops_billing_retry(ctx: Ctx, request_id: str):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.retry_billing(ctx.user, request_id)


@api.route("/ops/reports/reconciliation", roles=SUPERVISOR, query=bs.ReconciliationQuery, tag="reports",
           summary="A day's provider payments against the PNBP ledger")
def ops_report_reconciliation(ctx: Ctx, query: bs.ReconciliationQuery):
    from chalicelib.fulfilment import payment_ops

    return payment_ops.reconciliation_report(ctx.user, query.day)


# --- delegation: the duty roster and the operators (chalicelib/delegation) ----------------------------------
dg = lazy_module("chalicelib.delegation.schemas")


@api.route("/ops/roster", roles=STAFF, query=dg.RosterQuery, response=dg.RosterOut, tag="ops",
           summary="Duty roster (Asia/Jakarta) of a period, with who is on duty now")
def ops_roster(ctx: Ctx, query: dg.RosterQuery):
    from chalicelib.delegation import roster

    return roster.get_roster(query.from_, query.to)


@api.route("/ops/roster", "PUT", roles=SUPERVISOR, body=dg.RosterIn, response=dg.RosterOut, tag="ops",
           summary="Replace the shifts of the local days covered")
def ops_put_roster(ctx: Ctx, body: dg.RosterIn):
    from chalicelib.delegation import roster

    return roster.put_roster(ctx.user, body)


@api.route("/ops/operators", roles=STAFF, response=list[dg.OperatorOut], tag="ops")
def ops_operators(ctx: Ctx):
    from chalicelib.delegation import roster

    return roster.list_operators()


@api.route("/ops/operators/{operator_id}", "PATCH", roles=SUPERVISOR, body=dg.OperatorPatchIn,
           response=dg.OperatorOut, tag="ops", summary="Quota, active, services of an operator")
def ops_patch_operator(ctx: Ctx, operator_id: str, body: dg.OperatorPatchIn):
    from chalicelib.delegation import roster

    return roster.patch_operator(ctx.user, operator_id, body)


# --- delivery: deliverables, their upload and verification, download links (chalicelib/delivery) ------------
dl = lazy_module("chalicelib.delivery.schemas")


def _delivery():
    from chalicelib.delivery.service import DeliveryService

    return DeliveryService()


@api.route("/requests/{request_id}/deliverables", roles=CONSUMER, response=list[dl.DownloadLinkOut],
           tag="delivery", summary="Short-lived download links of a delivered, paid/approved request (logged)")
def get_deliverables(ctx: Ctx, request_id: str):
    return _delivery().issue_downloads(ctx.user, request_id)


@api.route("/ops/requests/{request_id}/deliverables", "POST", roles=OPS, body=dl.DeliverableIn,
           response=dl.UploadOut, status=201, tag="delivery", summary="Pre-signed POST to upload one file")
def ops_create_deliverable(ctx: Ctx, request_id: str, body: dl.DeliverableIn):
    return _delivery().create_upload(ctx.user, request_id, body)


@api.route("/ops/requests/{request_id}/deliverables", roles=DESK, response=list[dl.DeliverableOut],
           tag="delivery", summary="A request's files with their verification status")
def ops_list_deliverables(ctx: Ctx, request_id: str):
    return _delivery().list_for_staff(ctx.user, request_id)


@api.route("/ops/requests/{request_id}/deliverables/{deliverable_id}", "DELETE", roles=OPS, status=204,
           tag="delivery", summary="Withdraw a file (e.g. a rejected upload) before delivery")
def ops_delete_deliverable(ctx: Ctx, request_id: str, deliverable_id: str):
    _delivery().delete(ctx.user, request_id, deliverable_id)


@api.route("/ops/requests/{request_id}/downloads", roles=DESK, response=list[dl.DownloadLogOut], tag="delivery",
           summary="Every download link issued for a request")
def ops_download_log(ctx: Ctx, request_id: str):
    return _delivery().download_log(ctx.user, request_id)


@app.lambda_function(name="uploads_worker")
def uploads_worker(event, context):
    from chalicelib.core.handlers import sqs_batch
    from chalicelib.delivery import worker

    return sqs_batch(event, worker.handle_upload_event, "uploads")


# --- files: the data files of catalog items, open downloads (chalicelib/delivery/catalog_files.py, issue 19) --
def _files():
    from chalicelib.delivery import catalog_files

    return catalog_files


@api.route("/catalog/items/{item_id}/files", roles=None, response=list[dl.PublicFileOut], tag="catalog",
           summary="The verified data files of a published item (downloadable at once when it is open data)")
def catalog_item_files(ctx: Ctx, item_id: str):
    return _files().public_files(item_id)


@api.route("/catalog/items/{item_id}/files/{file_id}/download", "POST", roles=None, response=dl.DownloadLinkOut,
           tag="catalog", summary="A short-lived download link of an open item's file, for anyone (logged)")
def catalog_file_download(ctx: Ctx, item_id: str, file_id: str):
    return _files().download(ctx.request.headers, item_id, file_id)


@api.route("/ops/catalog/items/{item_id}/files", "POST", roles=ADMIN, body=dl.DeliverableIn, response=dl.UploadOut,
           status=201, tag="catalog", summary="Attach a data file: pre-signed POST, verified after the upload")
def ops_catalog_file_create(ctx: Ctx, item_id: str, body: dl.DeliverableIn):
    return _files().create_upload(ctx.user, item_id, body)


@api.route("/ops/catalog/items/{item_id}/files", roles=ADMIN, response=list[dl.CatalogFileOut], tag="catalog",
           summary="A catalog item's data files with their verification status")
def ops_catalog_files(ctx: Ctx, item_id: str):
    return _files().list_for_staff(item_id)


@api.route("/ops/catalog/items/{item_id}/files/{file_id}", "DELETE", roles=ADMIN, status=204, tag="catalog",
           summary="Remove a data file (orders already delivered keep theirs)")
def ops_catalog_file_delete(ctx: Ctx, item_id: str, file_id: str):
    _files().remove(ctx.user, item_id, file_id)


# --- microdata application: the data-use agreement, resubmission after a return (fulfilment/microdata.py) ----
def _microdata():
    from chalicelib.fulfilment.microdata import MicrodataReview

    return MicrodataReview(_requests())


@api.route("/microdata/agreement", roles=None, response=rq.AgreementOut, tag="microdata",
           summary="The data-use agreement in effect (versioned text the consumer accepts)")
def microdata_agreement(ctx: Ctx):
    from chalicelib.requests import agreement

    return agreement.current().out()


@api.route("/requests/{request_id}/application", "PUT", roles=CONSUMER, body=rq.ApplicationIn,
           response=rq.RequestOut, tag="microdata", summary="Resubmit a microdata application returned for revision")
def resubmit_application(ctx: Ctx, request_id: str, body: rq.ApplicationIn):
    return _out(_microdata().resubmit(ctx.user, request_id, body))


# --- attachments: consumers' documents on a request or message, verified after upload (chalicelib/attachments)
at = lazy_module("chalicelib.attachments.schemas")


def _attachments():
    from chalicelib.attachments.service import AttachmentService

    return AttachmentService(_requests())


@api.route("/requests/{request_id}/attachments", "POST", roles=CONSUMER, body=at.AttachmentIn,
           response=at.AttachmentUploadOut, status=201, tag="attachments",
           summary="Pre-signed POST to attach a document (PDF/JPEG/PNG) to one's request")
def create_attachment(ctx: Ctx, request_id: str, body: at.AttachmentIn):
    return _attachments().create_upload(ctx.user, request_id, body)


@api.route("/requests/{request_id}/attachments/{attachment_id}/verify", "POST", roles=CONSUMER,
           response=at.AttachmentOut, tag="attachments", summary="Verify an uploaded attachment (size, SHA-256, type)")
def verify_attachment(ctx: Ctx, request_id: str, attachment_id: str):
    return _attachments().verify(ctx.user, request_id, attachment_id)


@api.route("/requests/{request_id}/attachments", roles=CONSUMER, response=list[at.AttachmentOut],
           tag="attachments", summary="One's attachments with short-lived links to the verified ones")
def list_attachments(ctx: Ctx, request_id: str):
    return _attachments().list_own(ctx.user, request_id)


@api.route("/requests/{request_id}/attachments/{attachment_id}", "DELETE", roles=CONSUMER, status=204,
           tag="attachments", summary="Withdraw an attachment while the request is open")
def delete_attachment(ctx: Ctx, request_id: str, attachment_id: str):
    _attachments().delete(ctx.user, request_id, attachment_id)


@api.route("/ops/requests/{request_id}/attachments", roles=DESK, response=list[at.AttachmentOut],
           tag="attachments", summary="The consumer's attachments of a request the caller may see")
def ops_attachments(ctx: Ctx, request_id: str):
    return _attachments().list_for_staff(ctx.user, request_id)


# --- escalation: a request's question to a producer unit and its answer (chalicelib/escalation) -------------
esc = lazy_module("chalicelib.escalation.schemas")


@api.route("/ops/requests/{request_id}/escalations", "POST", roles=OPS, body=esc.EscalationIn,
           response=esc.EscalationOut, status=201, tag="escalation", summary="Escalate to a producer unit")
def ops_escalate(ctx: Ctx, request_id: str, body: esc.EscalationIn):
    from chalicelib.escalation import service

    return service.escalate(ctx.user, request_id, body)


@api.route("/ops/escalations", roles=DESK, query=esc.EscalationQuery, response=esc.EscalationPage,
           tag="escalation")
def ops_escalations(ctx: Ctx, query: esc.EscalationQuery):
    from chalicelib.escalation import service

    return service.list_escalations(ctx.user, query)


@api.route("/ops/escalations/{escalation_id}", roles=DESK, response=esc.EscalationOut, tag="escalation")
def ops_escalation(ctx: Ctx, escalation_id: str):
    from chalicelib.escalation import service

    return service.to_out(service.get(ctx.user, escalation_id))


# issue 20 (sla): producer response times per unit over a period (default: the last 30 days), and as CSV
@api.route("/ops/reports/producers", roles=SUPERVISOR, query=esc.ProducerReportQuery, response=esc.ProducerReport,
           tag="reports", summary="Producer response times per unit (working days)")
def ops_report_producers(ctx: Ctx, query: esc.ProducerReportQuery):
    from chalicelib.escalation import report

    return report.producer_report(*report.period(query.from_, query.to))


@api.route("/ops/reports/producers.csv", roles=SUPERVISOR, query=esc.ProducerReportQuery, tag="reports",
           produces="text/csv", summary="Producer response times per unit (CSV)")
def ops_report_producers_csv(ctx: Ctx, query: esc.ProducerReportQuery):
    from chalicelib.escalation import report

    frm, to = report.period(query.from_, query.to)
    return _csv(report.producer_csv(report.producer_report(frm, to)), f"produsen-{frm[:10]}-{to[:10]}.csv")


@api.route("/ops/escalations/{escalation_id}/answer", "POST", roles=("producer",), body=esc.AnswerIn,
           response=esc.EscalationOut, tag="escalation")
def ops_answer_escalation(ctx: Ctx, escalation_id: str, body: esc.AnswerIn):
    from chalicelib.escalation import service

    return service.answer(ctx.user, escalation_id, body.answer)


# --- forum: the operators' internal forum (chalicelib/forum) ------------------------------------------------
fr = lazy_module("chalicelib.forum.schemas")


@api.route("/ops/forum/threads", roles=STAFF, query=fr.ThreadQuery, response=fr.ThreadPage, tag="forum")
def forum_threads(ctx: Ctx, query: fr.ThreadQuery):
    from chalicelib.forum import service

    return service.list_threads(query)


@api.route("/ops/forum/threads", "POST", roles=STAFF, body=fr.ThreadIn, response=fr.ThreadDetail, status=201,
           tag="forum")
def forum_new_thread(ctx: Ctx, body: fr.ThreadIn):
    from chalicelib.forum import service

    return service.create_thread(ctx.user, body)


@api.route("/ops/forum/threads/{thread_id}", roles=STAFF, response=fr.ThreadDetail, tag="forum")
def forum_thread(ctx: Ctx, thread_id: str):
    from chalicelib.forum import service

    return service.get_thread(thread_id)


@api.route("/ops/forum/threads/{thread_id}/posts", "POST", roles=STAFF, body=fr.PostIn, response=fr.PostOut,
           status=201, tag="forum")
def forum_post(ctx: Ctx, thread_id: str, body: fr.PostIn):
    from chalicelib.forum import service

    return service.add_post(ctx.user, thread_id, body)


# --- reports: a period's figures and the PNBP ledger (chalicelib/reports, chalicelib/billing) ---------------
(PeriodQuery,) = lazy("chalicelib.reports.schemas", "PeriodQuery")


@api.route("/ops/reports/summary", roles=SUPERVISOR, query=PeriodQuery, tag="reports",
           summary="SPEC §2.12 figures of a period")
def ops_report_summary(ctx: Ctx, query: PeriodQuery):
    from chalicelib.reports import service

    return service.summary(query.from_, query.to)


@api.route("/ops/reports/ledger.csv", roles=SUPERVISOR, query=PeriodQuery, tag="reports", produces="text/csv",
           summary="PNBP ledger of a period (CSV)")
def ops_report_ledger(ctx: Ctx, query: PeriodQuery):
    from chalicelib.billing.service import ledger_csv
    from chalicelib.reports import service

    frm, to = service.period(query.from_, query.to)
    return _csv(ledger_csv(frm, to), f"ledger-{service.local_day(frm)}-{service.local_day(to)}.csv")


# desk (issue 20): fulfilment/first response per kind, backlog, approvals, escalations, the IKM; CSV per table
(DeskTableQuery,) = lazy("chalicelib.reports.schemas", "DeskTableQuery")


@api.route("/ops/reports/desk", roles=SUPERVISOR, query=PeriodQuery, tag="reports",
           summary="The desk's report: times per kind, backlog, approvals, escalations, IKM (default: last 30 days)")
def ops_report_desk(ctx: Ctx, query: PeriodQuery):
    from chalicelib.reports import desk

    return desk.report(query.from_, query.to)


@api.route("/ops/reports/csv/{table}", roles=SUPERVISOR, query=DeskTableQuery, tag="reports", produces="text/csv",
           summary="One table of the desk's report as CSV")
def ops_report_desk_csv(ctx: Ctx, table: str, query: DeskTableQuery):
    from chalicelib.reports import desk

    return _csv(*desk.table_csv(table, query.from_, query.to))


# --- replies (desk, issue 20): canned replies managed by supervisors, inserted by operators (chalicelib/replies)
rp = lazy_module("chalicelib.replies.schemas")


@api.route("/ops/replies", roles=OPS, query=rp.ReplyQuery, response=rp.ReplyList, tag="replies",
           summary="Canned replies by topic (active ones; supervisors may include inactive) and their variables")
def ops_replies(ctx: Ctx, query: rp.ReplyQuery):
    from chalicelib.replies import service

    return service.list_replies(ctx.user, query.topic, query.include_inactive)


@api.route("/ops/replies", "POST", roles=SUPERVISOR, body=rp.ReplyIn, response=rp.ReplyOut, status=201,
           tag="replies", summary="Create a canned reply (plain text with {{variables}})")
def ops_create_reply(ctx: Ctx, body: rp.ReplyIn):
    from chalicelib.replies import service

    return service.create(ctx.user, body)


@api.route("/ops/replies/{reply_id}", "PUT", roles=SUPERVISOR, body=rp.ReplyIn, response=rp.ReplyOut,
           tag="replies", summary="Change or (de)activate a canned reply")
def ops_update_reply(ctx: Ctx, reply_id: str, body: rp.ReplyIn):
    from chalicelib.replies import service

    return service.update(ctx.user, reply_id, body)


@api.route("/ops/replies/{reply_id}", "DELETE", roles=SUPERVISOR, status=204, tag="replies",
           summary="Delete a canned reply")
def ops_delete_reply(ctx: Ctx, reply_id: str):
    from chalicelib.replies import service

    service.delete(ctx.user, reply_id)


@api.route("/ops/requests/{request_id}/replies/{reply_id}", roles=OPS, response=rp.RenderedReply, tag="replies",
           summary="A canned reply filled for one request (plain text for the reply box)")
def ops_render_reply(ctx: Ctx, request_id: str, reply_id: str):
    from chalicelib.replies import service
    from chalicelib.requests import access

    return service.render(ctx.user, _requests().ops_get(ctx.user, request_id, access.HANDLE), reply_id)


# --- notifications: the caller's notifications and the notify worker (chalicelib/notify) --------------------
NotificationOut, NotificationPage, NotificationQuery = lazy(
    "chalicelib.notify.schemas", "NotificationOut", "NotificationPage", "NotificationQuery")


@api.route("/me/notifications", roles=CONSUMER + STAFF, query=NotificationQuery, response=NotificationPage,
           tag="notifications", summary="The caller's notifications, newest first")
def my_notifications(ctx: Ctx, query: NotificationQuery):
    from chalicelib.notify import service

    return service.list_for(ctx.user.sub, query.page_size, query.cursor)


@api.route("/me/notifications/{notif_id}/read", "POST", roles=CONSUMER + STAFF, response=NotificationOut,
           tag="notifications", summary="Mark one of the caller's notifications read")
def read_notification(ctx: Ctx, notif_id: str):
    from chalicelib.notify import service

    return service.mark_read(ctx.user.sub, notif_id)


@app.lambda_function(name="notify_worker")
def notify_worker(event, context):
    from chalicelib.core.handlers import sqs_batch
    from chalicelib.notify import worker

    return sqs_batch(event, worker.handle, "notify")


# --- subscriptions: series and saved searches of regular consumers (chalicelib/subscriptions) ---------------
sb = lazy_module("chalicelib.subscriptions.schemas")


@api.route("/me/subscriptions", roles=CONSUMER + STAFF, response=list[sb.SubscriptionOut], tag="subscriptions",
           summary="The caller's subscriptions (series and saved searches)")
def my_subscriptions(ctx: Ctx):
    from chalicelib.subscriptions import service

    return service.list_for(ctx.user.sub)


@api.route("/me/subscriptions", "POST", roles=CONSUMER + STAFF, body=sb.SubscriptionIn, response=sb.SubscriptionOut,
           status=201, tag="subscriptions", summary="Subscribe to a series or a saved search")
def subscribe(ctx: Ctx, body: sb.SubscriptionIn):
    from chalicelib.subscriptions import service

    return service.subscribe(ctx.user, body)


@api.route("/me/subscriptions/{subscription_id}", "DELETE", roles=CONSUMER + STAFF, status=204,
           tag="subscriptions", summary="Unsubscribe")
def unsubscribe(ctx: Ctx, subscription_id: str):
    from chalicelib.subscriptions import service

    service.unsubscribe(ctx.user.sub, subscription_id)


# --- faq: answers of resolved consultations proposed, reviewed and published (chalicelib/faq) ---------------
fq = lazy_module("chalicelib.faq.schemas")


@api.route("/ops/requests/{request_id}/faq", roles=OPS, response=fq.FaqDraft, tag="faq",
           summary="The FAQ draft of a consultation (prefilled question and answer) and its entry, if any")
def ops_faq_draft(ctx: Ctx, request_id: str):
    from chalicelib.faq import service

    return service.draft(ctx.user, request_id)


@api.route("/ops/requests/{request_id}/faq", "POST", roles=OPS, body=fq.FaqProposeIn, response=fq.FaqOpsOut,
           status=201, tag="faq", summary="Propose a resolved consultation's answer as a public FAQ entry")
def ops_faq_propose(ctx: Ctx, request_id: str, body: fq.FaqProposeIn):
    from chalicelib.faq import service

    return service.to_ops(service.propose(ctx.user, request_id, body))


@api.route("/ops/faq", roles=STAFF, query=fq.FaqOpsQuery, response=fq.FaqPage, tag="faq",
           summary="FAQ entries of one status (default: proposed, the review queue)")
def ops_faq_list(ctx: Ctx, query: fq.FaqOpsQuery):
    from chalicelib.faq import service

    return service.list_ops(query)


@api.route("/ops/faq/{faq_id}/review", "POST", roles=SUPERVISOR, body=fq.FaqReviewIn, response=fq.FaqOpsOut,
           tag="faq", summary="Approve (publish) or reject a proposed FAQ entry")
def ops_faq_review(ctx: Ctx, faq_id: str, body: fq.FaqReviewIn):
    from chalicelib.faq import service

    return service.to_ops(service.review(ctx.user, faq_id, body))


@api.route("/faq", roles=None, query=fq.FaqPublicQuery, response=fq.FaqPublicList, tag="faq",
           summary="Approved FAQ entries, matching `q` when given")
def faq_public(ctx: Ctx, query: fq.FaqPublicQuery):
    from chalicelib.faq import service

    return service.public(query.q, query.limit)


# --- fulfilment: workflow tasks, background jobs, the outbox relay, the tick (chalicelib/fulfilment) --------
@app.lambda_function(name="workflow_worker")
def workflow_worker(event, context):
    from chalicelib.core.handlers import sqs_batch
    from chalicelib.fulfilment import tasks

    return sqs_batch(event, tasks.handle, "workflow")


@app.lambda_function(name="jobs_worker")
def jobs_worker(event, context):
    from chalicelib.core.handlers import sqs_batch
    from chalicelib.fulfilment import jobs

    return sqs_batch(event, jobs.handle, "jobs")


@app.lambda_function(name="outbox_relay")
def outbox_relay(event, context):
    from chalicelib.core import outbox
    from chalicelib.core.handlers import stream_batch

    return stream_batch(event, outbox.relay_stream_record, "outbox")


@app.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
def tick(event):
    from chalicelib.core.handlers import scheduled
    from chalicelib.fulfilment.tick import tick as run_tick

    return scheduled("tick", run_tick)


# --- staff and units (issue 18) -----------------------------------------------------------------------------
# Admins manage the staff directory (the staff roles of identity-provider users, by `sub`), operators' quota and
# services, producer units and their members (chalicelib/staff). The directory is also where chalicelib.core.auth
# gets staff roles from (setting STAFF_ROLE_SOURCE); GET /me/roles tells a page the caller's effective roles.
st = lazy_module("chalicelib.staff.schemas")


def _staff():
    from chalicelib.staff.service import StaffService

    return StaffService()


@api.route("/me/roles", roles=CONSUMER + STAFF, response=st.MyRolesOut, tag="staff",
           summary="The caller's effective roles: the identity provider's combined with the staff directory")
def my_roles(ctx: Ctx):
    from chalicelib.staff.service import StaffService

    return StaffService.my_roles(ctx.user)


@api.route("/ops/staff", roles=ADMIN, response=list[st.StaffOut], tag="staff",
           summary="The staff directory, with each operator's delegation settings")
def staff_list(ctx: Ctx):
    return _staff().list_staff()


@api.route("/ops/staff", "POST", roles=ADMIN, body=st.StaffIn, response=st.StaffOut, status=201, tag="staff",
           summary="Register an identity-provider user (by sub) as staff: roles, quota, services, units")
def staff_create(ctx: Ctx, body: st.StaffIn):
    return _staff().create(ctx.user, body)


@api.route("/ops/staff/{user_id}", roles=ADMIN, response=st.StaffOut, tag="staff")
def staff_get(ctx: Ctx, user_id: str):
    return _staff().get(user_id)


@api.route("/ops/staff/{user_id}", "PATCH", roles=ADMIN, body=st.StaffPatchIn, response=st.StaffOut, tag="staff",
           summary="Change roles, quota, services, units; active=false deactivates (staff roles revoked at once)")
def staff_update(ctx: Ctx, user_id: str, body: st.StaffPatchIn):
    return _staff().update(ctx.user, user_id, body)


@api.route("/ops/units", roles=STAFF, response=list[st.UnitOut], tag="staff",
           summary="Producer units (built-in and created), active or not")
def units_list(ctx: Ctx):
    return _staff().list_units()


@api.route("/ops/units", "POST", roles=ADMIN, body=st.UnitIn, response=st.UnitOut, status=201, tag="staff",
           summary="Create a producer unit")
def units_create(ctx: Ctx, body: st.UnitIn):
    return _staff().create_unit(ctx.user, body)


@api.route("/ops/units/{unit_code}", roles=ADMIN, response=st.UnitOut, tag="staff",
           summary="A producer unit with its members")
def units_get(ctx: Ctx, unit_code: str):
    return _staff().get_unit(unit_code)


@api.route("/ops/units/{unit_code}", "PATCH", roles=ADMIN, body=st.UnitPatchIn, response=st.UnitOut,
           tag="staff", summary="Rename or (de)activate a producer unit (an inactive unit takes no escalations)")
def units_update(ctx: Ctx, unit_code: str, body: st.UnitPatchIn):
    return _staff().update_unit(ctx.user, unit_code, body)

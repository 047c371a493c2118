"""AWS call budgets per request (README "Performance"): every route of the API, called warm with real ids and a
valid body against moto in-process, may make at most its budgeted number of DynamoDB calls, and no route makes a
Scan. A single-item route gets 3 (read, one TransactWrite that also carries the timeline, the audit chain and the
counters, and one more read or write); a list route one Query per page. Routes that need more have their budget
and its reason below. The calls are counted on botocore's `_make_api_call` (bench/aws_calls.py, which also writes
the table bench/aws_calls.md for `make bench`).

A new route fails `test_every_route_is_measured` until bench/aws_calls.py has a case for it and BUDGETS a budget."""

from __future__ import annotations

#: "METHOD path [variant]" -> (max DynamoDB calls, why more than 3 / what the calls are)
BUDGETS: dict[str, tuple[int, str]] = {
    # public
    "GET /health": (0, ""),
    "GET /openapi.json": (0, ""),
    "GET /catalog/search": (0, "served from the search snapshot in memory (S3 only at load and refresh)"),
    "GET /catalog/items/{item_id}": (1, ""),
    "POST /webhooks/billing": (3, "the billing, the request, then ONE TransactWrite: event claim + billing paid + "
                                  "PNBP ledger + request + audit (a replay finds the billing paid, then the event: 2)"),
    # consumer
    "GET /me": (1, ""),
    "PUT /me": (2, ""),
    "PUT /me [new e-mail]": (3, "the profile, the per-account code counter (one conditional UpdateItem), the update"),
    "POST /me/email/verify": (3, "the profile, its update, and the offline profile of the address (claimed if any)"),
    "GET /ops/payments/work-items": (1, "one Query of the open work items"),
    "POST /ops/payments/work-items/{item_id}/resume": (3, "item, request, then ONE TransactWrite: the follow-up "
                                                         "created (conditional) + its audit + the original's audit "
                                                         "+ the item closed (conditional); workflow started after"),
    "POST /ops/payments/work-items/{item_id}/refund": (3, "item, request, ONE TransactWrite (item closed + audit)"),
    "POST /ops/payments/work-items/{item_id}/resolve": (3, "item, request, ONE TransactWrite (item closed + audit)"),
    "POST /ops/payments/work-items/{item_id}/restart": (3, "item, request, ONE TransactWrite (item closed, the "
                                                           "request's problem cleared and its new execution named, "
                                                           "audit); then DescribeExecution and StartExecution"),
    "POST /ops/requests/{request_id}/billing/retry": (3, "request, its work item, then ONE TransactWrite: the "
                                                        "billing stored (conditional) + awaiting_payment + audit + "
                                                        "the consumer's notice + the work item closed"),
    "GET /ops/reports/reconciliation": (3, "Queries only: the PNBP ledger of the week around the day (a Query per "
                                           "ledger month: 1-2; the day's rows are among them) and the open work "
                                           "items"),
    "POST /requests [consultation]": (2, "profile + TransactWrite (request + audit)"),
    "POST /requests [data_order]": (3, "profile + BatchGet of the catalog items + TransactWrite"),
    "POST /requests [complaint]": (3, "profile + the request complained about + TransactWrite"),
    "GET /requests": (1, "one Query per page"),
    "GET /requests/{request_id}": (1, ""),
    "POST /requests/{request_id}/cancel": (3, "request + TransactWrite + closing its billing"),
    "GET /requests/{request_id}/messages": (2, ""),
    "POST /requests/{request_id}/messages": (2, ""),
    "POST /requests/{request_id}/rating": (2, "request + TransactWrite (with the rating aggregate)"),
    "GET /requests/{request_id}/billing": (2, ""),
    "GET /requests/{request_id}/invoice": (2, ""),
    "GET /requests/{request_id}/receipt": (2, ""),
    "GET /me/notifications": (1, "one Query per page"),
    "POST /me/notifications/{notif_id}/read": (1, ""),
    "GET /requests/{request_id}/deliverables": (3, "request + its files + TransactWrite (download log + audit)"),
    # microdata application (issue 19)
    "GET /microdata/agreement": (0, "versioned text in the code"),
    "PUT /requests/{request_id}/application": (2, "request + TransactWrite (request, audit, the reviewer's notice)"),
    # attachments (issue 19): the list lives on the request item
    "POST /requests/{request_id}/attachments": (2, "request + TransactWrite (list + audit)"),
    "POST /requests/{request_id}/attachments/{attachment_id}/verify": (2, "request + TransactWrite (S3: HEAD + GET)"),
    "GET /requests/{request_id}/attachments": (1, ""),
    "DELETE /requests/{request_id}/attachments/{attachment_id}": (2, ""),
    "GET /ops/requests/{request_id}/attachments": (1, ""),
    # operators
    "GET /ops/queue": (1, "one Query"),
    "GET /ops/requests": (1, "one Query per page"),
    "GET /ops/requests [status]": (1, "one Query per page"),
    "GET /ops/requests [operator]": (1, "one Query per page"),
    "POST /ops/requests": (3, "consumer by email (Query) + offline profile + TransactWrite"),
    "GET /ops/requests/{request_id}": (1, ""),
    "PATCH /ops/requests/{request_id} [due_at]": (2, ""),
    "PATCH /ops/requests/{request_id} [assignee]": (3, "request + the new operator + TransactWrite (both loads)"),
    "POST /ops/requests/{request_id}/start": (2, ""),
    "POST /ops/requests/{request_id}/complete": (2, "request + TransactWrite (load, audit, report aggregates)"),
    "POST /ops/requests/{request_id}/approval": (2, ""),
    "GET /ops/requests/{request_id}/billing": (2, ""),
    "GET /ops/requests/{request_id}/messages": (2, ""),
    "POST /ops/requests/{request_id}/messages": (2, "request + PutItem; the desk's first reply once more: "
                                                    "its first-response stamp (desk)"),
    "POST /ops/requests/{request_id}/deliverables": (3, "request + its files (the 50-file cap) + TransactWrite"),
    "GET /ops/requests/{request_id}/deliverables": (2, ""),
    "DELETE /ops/requests/{request_id}/deliverables/{deliverable_id}": (3, ""),
    "GET /ops/requests/{request_id}/downloads": (2, ""),
    # files of catalog items (issue 19)
    "GET /catalog/items/{item_id}/files": (2, "the item (published?) + its files (one Query)"),
    "POST /catalog/items/{item_id}/files/{file_id}/download": (3, "the item (open?), the file, the download log "
                                                                  "(PutItem)"),
    "POST /ops/catalog/items/{item_id}/files": (3, "the item + its files (the 20-file cap) + PutItem"),
    "GET /ops/catalog/items/{item_id}/files": (2, "the item + its files (one Query)"),
    "DELETE /ops/catalog/items/{item_id}/files/{file_id}": (2, "the file + its conditional update"),
    "POST /ops/requests/{request_id}/escalations": (3, "request + the unit list for the unit's SLA (a Query cached "
                                                       "30 s per container) + ONE TransactWrite: escalation + "
                                                       "request + audit + the unit's notice (outbox: the jobs "
                                                       "consumer reads the unit's producers)"),
    "GET /ops/escalations": (5, "the escalations are partitioned by unit (by_unit GSI): one Query per unit the "
                                "caller sees (5 units), merged newest first; 1 with ?unit="),
    "GET /ops/escalations [unit]": (1, "one Query per page"),
    "GET /ops/escalations/{escalation_id}": (2, "escalation + the caller's unit memberships"),
    "POST /ops/escalations/{escalation_id}/answer": (3, "escalation, the request, then ONE TransactWrite: answer + "
                                                        "message + request + audit + the producer's unit membership "
                                                        "(a condition check)"),
    "GET /ops/forum/threads": (1, "one Query per page"),
    "POST /ops/forum/threads": (3, "linked request + mentioned operators (BatchGet) + TransactWrite"),
    "GET /ops/forum/threads/{thread_id}": (1, "one Query: the thread and its posts"),
    "POST /ops/forum/threads/{thread_id}/posts": (3, "thread + mentioned operators + TransactWrite"),
    "GET /ops/roster": (9, "shifts are keyed by local day: one Query per day shown — the default week plus the day "
                           "before (a shift may start then) = 8 — and one BatchGet for the operators' names"),
    "PUT /ops/roster": (8, "a bulk replace, here of one day: operators (BatchGet), the day's old shifts (Query), "
                           "one BatchWrite per 25 shifts, then the roster of the days read back (2 Queries + names) "
                           "and who is on duty now (today's and yesterday's shifts: 2 Queries more when the days "
                           "read back are not those, e.g. tomorrow's roster)"),
    "GET /ops/operators": (3, "operators (one Query) + who is on duty now (today's and yesterday's shifts)"),
    "PATCH /ops/operators/{operator_id}": (3, "UpdateItem answering the old values + on duty now (2 Queries)"),
    "GET /ops/reports/summary": (5, "per month of the period: the aggregates, the PNBP ledger; + the operators; "
                                 "+ the late payments (open and done work items, a Query each)"),
    "GET /ops/reports/ledger.csv": (1, "one Query per month of the period"),
    # desk (issue 20)
    "POST /ops/requests/{request_id}/merge": (3, "both requests, then ONE TransactWrite: the duplicate closed (its "
                                                 "operator's load, audit, outbox) and the merge recorded on the "
                                                 "primary (its timeline and audit)"),
    "GET /ops/replies": (1, "one Query: the canned replies are one partition"),
    "POST /ops/replies": (1, ""),
    "PUT /ops/replies/{reply_id}": (2, ""),
    "DELETE /ops/replies/{reply_id}": (2, ""),
    "GET /ops/requests/{request_id}/replies/{reply_id}": (2, "the request (access) + the reply"),
    "GET /ops/reports/desk": (16, "per month of the period the aggregates (2 for the default 30 days), one Query "
                                  "per open status (7: the backlog, only kind and due read), the unit list (cached) "
                                  "and one Query per producer unit (its open escalations)"),
    "GET /ops/reports/csv/{table}": (2, "the ikm table: the aggregates, one Query per month of the period"),
    # sla (issue 20)
    "GET /ops/reports/producers": (7, "one Query per producer unit (by_unit GSI, the period's escalations; 5 "
                                      "built-in units) + the unit list (cached 30 s)"),
    "GET /ops/reports/producers.csv": (7, "as GET /ops/reports/producers"),
    # admin
    "POST /ops/catalog/items": (1, ""),
    "PUT /ops/catalog/items/{item_id}": (2, ""),
    # release calendar, subscriptions, privacy, FAQ
    "GET /catalog/releases": (3, "one Query per month of the period (default: this month and the next two)"),
    "POST /ops/catalog/items/{item_id}/publish": (3, "item + conditional update + the published item read back"),
    "GET /me/subscriptions": (1, "one Query"),
    "POST /me/subscriptions": (3, "profile + the caller's subscriptions (the cap) + PutItem"),
    "DELETE /me/subscriptions/{subscription_id}": (1, ""),
    "GET /ops/requests/{request_id}/faq": (3, "request + its FAQ entry + the conversation (one Query: the staff "
                                              "reply or the producer's answer, saved as a message, prefill it)"),
    "POST /ops/requests/{request_id}/faq": (3, ""),
    "GET /ops/faq": (1, "one Query per page"),
    "POST /ops/faq/{faq_id}/review": (2, ""),
    "GET /faq": (1, "approved entries cached in memory: 0 warm, one Query when the cache refreshes"),
    "GET /me/export": (7, "a bulk export, measured for a caller with one request: profile, requests (Query), "
                          "notifications, subscriptions, and per request its messages and download log (2 Queries) "
                          "and its billing: 5 + 2 per request (+1 per billed request)"),
    "DELETE /me": (10, "a bulk erasure, measured for a caller with one closed request: grows with the caller's "
                       "requests, messages and notifications"),
    # consumer loop (issue 19)
    "POST /requests/{request_id}/messages [answer]": (2, "request + ONE TransactWrite: the answer + the request "
                                                         "back in progress + audit + the operator's notice"),
    "GET /ops/tariff": (0, "the tariff is a data file, cached per container"),
    "POST /ops/requests/{request_id}/question": (2, "request + ONE TransactWrite: request + message + audit + notice"),
    "POST /ops/requests/{request_id}/quote": (2, "request + ONE TransactWrite: request + audit + notice"),
    "POST /requests/{request_id}/quote/accept": (2, "request + ONE TransactWrite: request + the operator's load + "
                                                    "audit + workflow answer + notices"),
    "POST /requests/{request_id}/quote/decline": (2, "request + ONE TransactWrite (as accept)"),
    # staff and units (issue 18)
    "GET /me/roles": (0, "the caller's staff-directory entry is cached per container (staff_roles_cache_s)"),
    "POST /ops/staff": (2, "the operator record (BatchGet), then ONE TransactWrite: entry + audit + operator"),
    "GET /ops/staff": (2, "the entries (a Query on the all_staff GSI) + the operators' settings (BatchGet)"),
    "GET /ops/staff/{user_id}": (2, "the entry + its operator record"),
    "PATCH /ops/staff/{user_id}": (2, "ONE BatchGet of entry + operator record + unit memberships, then ONE "
                                      "TransactWrite: entry + audit + operator + memberships"),
    "POST /ops/units": (3, "the unit list (Query; cached 30 s, dropped by a change), the stored unit, PutItem"),
    "GET /ops/units": (1, "the unit list is cached per container (30 s): 0 warm, one Query when it refreshes"),
    "GET /ops/units/{unit_code}": (2, "the unit list (cached) + the unit's members (Query)"),
    "PATCH /ops/units/{unit_code}": (3, "ONE conditional UpdateItem answering the unit as written + the unit's "
                                        "members (Query); + the head's staff entry when a head is given"),
}

#: cases that read or change one item (max_dynamodb_calls_single_item_route); the rest are lists or bulk
NOT_SINGLE_ITEM = {
    "GET /health", "GET /openapi.json", "GET /catalog/search", "GET /requests", "GET /me/notifications",
    "GET /ops/queue", "GET /ops/requests", "GET /ops/requests [status]", "GET /ops/requests [operator]",
    "GET /ops/escalations", "GET /ops/escalations [unit]", "GET /ops/forum/threads", "GET /ops/roster",
    "PUT /ops/roster", "GET /ops/operators", "GET /ops/reports/summary", "GET /ops/reports/ledger.csv",
    "GET /ops/reports/desk", "GET /ops/reports/csv/{table}", "GET /ops/replies",
    "GET /catalog/releases", "GET /me/subscriptions", "GET /ops/faq", "GET /faq", "GET /me/export", "DELETE /me",
    "GET /ops/staff", "GET /ops/units",
    "GET /ops/reports/producers", "GET /ops/reports/producers.csv",
    "GET /ops/payments/work-items", "GET /ops/reports/reconciliation",  # lists: one Query per page / per source
}
SINGLE_ITEM = set(BUDGETS) - NOT_SINGLE_ITEM
#: issue 22: every single-item route makes at most 3 DynamoDB calls (the webhook included)
SINGLE_ITEM_MAX = 3


def test_single_item_budgets_within_the_goal():
    over = {k: BUDGETS[k][0] for k in SINGLE_ITEM if BUDGETS[k][0] > SINGLE_ITEM_MAX}
    assert not over, f"single-item routes budgeted over {SINGLE_ITEM_MAX} DynamoDB calls: {over}"


def test_every_route_is_measured_and_budgeted():
    from bench import aws_calls

    cases = aws_calls.cases()
    covered = {(c.method, c.path) for c in cases}
    assert aws_calls.route_keys() - covered == set(), "routes without a case in bench/aws_calls.py"
    keys = {c.key for c in cases}
    assert keys - set(BUDGETS) == set(), "cases without a budget"
    assert set(BUDGETS) - keys == set(), "budgets of unknown cases"


def test_aws_calls_per_route_within_budget(api, worker):
    from bench import aws_calls

    results = aws_calls.measure(api, worker)
    over, scans, lines = [], [], []
    for r in results:
        budget, why = BUDGETS[r.case.key]
        lines.append(f"{r.case.key}: {r.rec.dynamodb} DynamoDB (budget {budget}): {r.rec.summary()}")
        if r.rec.dynamodb > budget:
            over.append(f"{r.case.key}: {r.rec.dynamodb} DynamoDB calls > budget {budget} ({r.rec.summary()})")
        if r.rec.scans:
            scans.append(f"{r.case.key}: {r.rec.scans} Scan(s)")
        if r.case.key not in SINGLE_ITEM and why.startswith("one Query"):
            queries = [c for c in r.rec.of("dynamodb") if c.operation == "Query"]
            assert len(queries) == r.rec.dynamodb, f"{r.case.key}: a list page must be Queries only"
    assert not scans, "Scans on request paths:\n" + "\n".join(scans)
    assert not over, "over budget:\n" + "\n".join(over) + "\n\nall:\n" + "\n".join(lines)
    single = max(r.rec.dynamodb for r in results if r.case.key in SINGLE_ITEM)
    assert single <= SINGLE_ITEM_MAX

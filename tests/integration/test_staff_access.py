"""Object-level staff access (SPEC §8, OWASP API1): every /ops item route of a request × staff identity ×
relation to the request (assigned, escalated to their unit, someone else's), and separation of duties.
The policy is chalicelib/requests/access.py; outside it a request does not exist (404)."""

from __future__ import annotations

import pytest

from tests.factories import put_operator, standard_catalog
from tests.integration.helpers import order, status_of, submit

READ_ROUTES = ["/ops/requests/{rid}", "/ops/requests/{rid}/messages", "/ops/requests/{rid}/billing",
               "/ops/requests/{rid}/deliverables", "/ops/requests/{rid}/downloads", "/ops/requests/{rid}/faq"]
CONSULT = {"kind": "consultation", "topic": "data", "subject": "Ekspor", "question": "Data ekspor kopi 2024?"}


@pytest.fixture
def desk(api, worker):
    """consumer1's consultation assigned to operator1 (the only operator on duty), in progress, escalated to
    the unit `sosial` of which producer1 is a member; consumer2's request also with operator1."""
    from chalicelib.escalation.service import add_member

    standard_catalog()
    put_operator("operator1", quota=10)
    add_member("sosial", "producer1", "Bambang Prasetyo")
    rid = submit(api, CONSULT)
    other = submit(api, CONSULT, user="consumer2")
    assert worker.run_until(lambda: status_of(api, rid) == "assigned" and status_of(api, other, "consumer2") == "assigned")
    return {"rid": rid, "other": other}


def _escalate(api, rid):
    assert api.post(f"/ops/requests/{rid}/start", "operator1")[0] == 200
    st, esc = api.post(f"/ops/requests/{rid}/escalations", "operator1", {"unit": "sosial", "question": "Angka ekspor?"})
    assert st == 201, esc
    return esc


def test_staff_read_matrix(api, desk):
    rid = desk["rid"]
    cells, failures = 0, []

    def check(user, expected, stage):
        """allow: the route answers (a consultation has no billing: that 404 is not the request's);
        hide: the request does not exist for them (404 "request not found"); role: 403 whatever the request."""
        nonlocal cells
        for route in READ_ROUTES:
            path = route.format(rid=rid)
            st, body = api.get(path, user)
            cells += 1
            hidden = st == 404 and (body or {}).get("error", {}).get("message") == "request not found"
            ok = {"allow": st < 500 and st != 403 and not hidden, "hide": hidden, "role": st == 403}[expected]
            if route.endswith("/faq") and user == "producer1" and expected == "hide":
                ok = st == 403  # the FAQ draft is an operator route: refused by role first
            if not ok:
                failures.append(f"{stage}: {user} GET {route}: {st}, expected {expected}")

    # before the escalation: the assignee and supervisors; not another operator, a producer or the admin
    check("operator1", "allow", "assigned")
    check("supervisor1", "allow", "assigned")
    check("operator2", "hide", "assigned")
    check("producer1", "hide", "assigned")
    check("admin1", "role", "assigned")
    _escalate(api, rid)
    # escalated to producer1's unit: they read the request and its conversation (not the other request)
    for path in (f"/ops/requests/{rid}", f"/ops/requests/{rid}/messages"):
        st, _ = api.get(path, "producer1")
        cells += 1
        if st != 200:
            failures.append(f"escalated: producer1 GET {path}: {st}, expected 200")
    for user in ("producer1", "operator2"):
        st, _ = api.get(f"/ops/requests/{desk['other']}", user)
        cells += 1
        if user == "producer1" and st != 404 or user == "operator2" and st != 404:
            failures.append(f"other: {user} GET other request: {st}, expected 404")
    check("operator2", "hide", "escalated")
    check("operator1", "allow", "escalated")
    assert not failures, "\n".join(failures)
    print(f"STAFF ACCESS cells={cells}")


def test_staff_actions_on_someone_elses_request_are_404(api, desk):
    rid = desk["rid"]
    for user in ("operator2", "producer1"):
        assert api.post(f"/ops/requests/{rid}/messages", user, {"body": "Balasan resmi palsu"})[0] == 404
        assert api.post(f"/ops/requests/{rid}/start", user)[0] in (403, 404)
    assert api.post(f"/ops/requests/{rid}/start", "operator2")[0] == 404
    assert api.post(f"/ops/requests/{rid}/deliverables", "operator2",
                    {"filename": "a.csv", "content_type": "text/csv", "size_bytes": 10, "sha256": "0" * 64})[0] == 404
    # no e-mail went to the consumer for the refused reply: the conversation holds no such message
    msgs = api.get(f"/requests/{rid}/messages", "consumer1")[1]
    assert not any("palsu" in m["body"] for m in msgs)
    # the assignee and a supervisor may
    assert api.post(f"/ops/requests/{rid}/messages", "operator1", {"body": "Data sedang kami siapkan"})[0] == 201
    assert api.post(f"/ops/requests/{rid}/messages", "supervisor1", {"body": "Catatan", "internal": True})[0] == 201


def test_operator_list_is_their_own(api, desk):
    items = api.get("/ops/requests", "operator2")[1]["items"]
    assert items == []
    assert {r["request_id"] for r in api.get("/ops/requests", "operator1")[1]["items"]} >= {desk["rid"]}


def test_admin_is_not_a_supervisor(api, desk):
    rid = desk["rid"]
    assert api.patch(f"/ops/requests/{rid}", "admin1", {"due_at": "2030-01-01T08:00:00+07:00"})[0] == 403
    assert api.get("/ops/reports/summary?from=2026-03-01&to=2026-03-31", "admin1")[0] == 403
    assert api.post(f"/ops/requests/{rid}/approval", "admin1", {"decision": "approve", "reason": "ok"})[0] == 403
    assert api.get("/ops/requests", "admin1")[0] == 403
    # what admins do manage still works
    assert api.get("/ops/operators", "admin1")[0] == 200


def _grant(user, roles, **kw):
    from chalicelib.core.auth import forget_grant
    from chalicelib.staff.schemas import StaffIn
    from chalicelib.staff.service import StaffService

    StaffService().create("admin1", StaffIn(user_id=user, name=user.title(), roles=roles, **kw))
    forget_grant(user)


def test_separation_of_duties_approvals(api, worker, aws_env):
    """staff1 holding staff+operator cannot approve the abstract of their own microdata order; consumer1
    holding consumer+supervisor cannot approve their own zero-rupiah waiver; others can."""
    standard_catalog()
    put_operator("operator1", quota=10)
    _grant("staff1", ["operator"])
    _grant("consumer1", ["supervisor"])
    micro = submit(api, order(["MD-SUS1"], abstract="Analisis kemiskinan rumah tangga untuk tesis magister.", agreement_accepted=True),
                   user="staff1")
    zero = submit(api, order(["TS-PAID1"], zero_rupiah_justification="Penelitian skripsi mahasiswa S1"),
                  user="consumer1")
    assert worker.run_until(lambda: status_of(api, micro, "staff1") == "awaiting_approval"
                            and status_of(api, zero, "consumer1") == "awaiting_approval")
    st, err = api.post(f"/ops/requests/{micro}/approval", "staff1", {"decision": "approve", "reason": "ok"})
    assert st == 403 and err["error"]["code"] == "separation_of_duties", err
    st, err = api.post(f"/ops/requests/{zero}/approval", "consumer1", {"decision": "approve", "reason": "ok"})
    assert st == 403 and err["error"]["code"] == "separation_of_duties", err
    assert api.post(f"/ops/requests/{zero}/approval", "operator1", {"decision": "approve", "reason": "ok"})[0] == 403
    assert api.post(f"/ops/requests/{micro}/approval", "operator1", {"decision": "approve", "reason": "ok"})[0] == 200
    assert api.post(f"/ops/requests/{zero}/approval", "supervisor1", {"decision": "approve", "reason": "ok"})[0] == 200


def test_nobody_is_delegated_their_own_request(api, worker, aws_env):
    standard_catalog()
    _grant("staff1", ["operator"], quota=10)
    put_operator("staff1", quota=10)  # the only operator on duty
    rid = submit(api, CONSULT, user="staff1")
    worker.drain()
    assert status_of(api, rid, "staff1") == "queued"  # never assigned to its own consumer
    put_operator("operator1", quota=10)
    from chalicelib.fulfilment import assign

    assign.drain()
    assert worker.run_until(lambda: api.get(f"/requests/{rid}", "staff1")[1]["assignee"] == "operator1")
    st, err = api.patch(f"/ops/requests/{rid}", "supervisor1", {"assignee": "staff1"})
    assert st == 409 and err["error"]["code"] == "separation_of_duties", err

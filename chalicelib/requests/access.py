"""Staff access to a request (SPEC §8 "Staff access is object-level") — the one place that decides it.

Three steps, in this order:
1. role: supervisors see and act on every request; operators and producers only as below; `admin` manages
   catalog, staff and configuration and has no access to requests (an admin is not a supervisor);
2. object: an operator reads and acts on the requests assigned to them, or that they handled before (logged
   at intake, acted on it, were its assignee before a reassignment), and reads (to review) the requests
   waiting for an operator's approval; a producer reads only what was escalated to one of their units;
3. separation of duties: nobody approves, handles or supervises their own request (they see it as a consumer).

Outside the policy a request does not exist (404); a refusal for separation of duties is a 403, since the
caller knows the request (it is theirs). Pure: the facts about units come from the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.auth import Principal
from chalicelib.requests import lifecycle as lc

READ = "read"  # the request's detail, conversation, billing, files, download log, FAQ draft
HANDLE = "handle"  # start, complete, reply, upload, escalate
APPROVE = "approve"  # approve or reject (microdata abstract: an operator; zero-rupiah waiver: a supervisor)
SUPERVISE = "supervise"  # due date, reassignment


@dataclass(frozen=True)
class Units:
    """The producer units a request was escalated to, and the caller's own units (only asked for producers)."""

    escalated: frozenset[str] = field(default_factory=frozenset)
    mine: frozenset[str] = field(default_factory=frozenset)


def handled_by(rec: Any, user: str) -> bool:
    """The user is the assignee, logged it at intake, or acted on it (the timeline names them)."""
    if rec.assignee == user or (rec.created_by == user and rec.consumer_id != user):
        return True
    return any(getattr(e, "actor", None) == user for e in (rec.timeline or []))


def own(p: Principal, rec: Any) -> bool:
    return rec.consumer_id == p.sub


def reviewable(p: Principal, rec: Any) -> bool:
    """A request waiting for approval, which the operators' review list shows (a microdata abstract is an
    operator's to decide; a zero-rupiah waiver a supervisor's)."""
    return "operator" in p.roles and rec.status == lc.AWAITING_APPROVAL


def visible(p: Principal, rec: Any, units: Units | None = None) -> bool:
    """Steps 1 and 2: may `p` see this request at all (on the staff side)?"""
    if p.is_supervisor:
        return True
    if "operator" in p.roles and (handled_by(rec, p.sub) or reviewable(p, rec)):
        return True
    return "producer" in p.roles and units is not None and bool(units.escalated & units.mine)


def allowed(p: Principal, rec: Any, need: str) -> bool:
    """Step 2 for actions (given `visible`): what the caller may do with a request they can see."""
    if need == READ:
        return True
    if need == APPROVE:
        if rec.transaction_type == "zero_rupiah":
            return p.is_supervisor
        return p.is_supervisor or reviewable(p, rec)
    if need == SUPERVISE:
        return p.is_supervisor
    # HANDLE: the assignee, or a supervisor
    return p.is_supervisor or ("operator" in p.roles and rec.assignee == p.sub)


def separation_of_duties(p: Principal, rec: Any, need: str) -> bool:
    """Step 3: False when the caller would approve, handle or supervise their own request."""
    return need == READ or not own(p, rec)

"""The delegation policy, pure: who may take a request, and in which order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    operator_id: str
    load: int
    quota: int
    active: bool
    services: tuple[str, ...]
    last_assigned_at: str


def serves(services: Iterable[str], kind: str, topic: str | None) -> bool:
    services = tuple(services)
    if not services:
        return True
    return kind in services or (topic is not None and f"{kind}:{topic}" in services)


def rank(cands: Iterable[Candidate], kind: str, topic: str | None) -> list[Candidate]:
    """Eligible operators, least loaded (load/quota) first, ties to the one idle longest."""
    eligible = [c for c in cands if c.active and c.quota > 0 and c.load < c.quota and serves(c.services, kind, topic)]
    return sorted(eligible, key=lambda c: (c.load / c.quota, c.last_assigned_at or "", c.operator_id))


def round_robin(cands: list[Candidate], counter: int, kind: str, topic: str | None) -> list[Candidate]:
    """The baseline the month simulation compares against: next in line, ignoring load (but not quota)."""
    eligible = [c for c in sorted(cands, key=lambda c: c.operator_id)
                if c.active and c.load < c.quota and serves(c.services, kind, topic)]
    if not eligible:
        return []
    i = counter % len(eligible)
    return eligible[i:] + eligible[:i]

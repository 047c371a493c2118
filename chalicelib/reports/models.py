"""Report aggregates kept as requests change: one item per (month, day#dimension#value)."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.core.db import meta


class StatRecord(Model):
    Meta = meta("stats")

    month = UnicodeAttribute(hash_key=True)  # YYYY-MM, Asia/Jakarta
    stat_key = UnicodeAttribute(range_key=True)  # "<YYYY-MM-DD>#<dimension>#<value>"
    count = NumberAttribute(default=0)
    values = ListAttribute(of=NumberAttribute, null=True)
    total = NumberAttribute(null=True)  # a sum where only the mean is reported (the IKM answers)

"""The base of every API schema.

A pydantic model builds its validator and serializer when its class is created, unless ``defer_build``: then on
its first use. A module of schemas holds every model of a capability, and a cold request uses one or two of
them; building them all cost the first request of a container ~45 ms for the catalog's nine models alone
(``bench/bench_first_request.py``, ``ddb_first_route_ms``). Every schema therefore derives from :class:`Schema`,
which defers the build; a subclass's own ``model_config`` is merged with this one."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)

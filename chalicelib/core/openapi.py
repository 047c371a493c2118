"""OpenAPI 3 document generated from the route table and the pydantic models (so it cannot drift)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from chalicelib.core.api import RouteSpec

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}},
}
_STATUS_TEXT = {400: "Invalid input", 401: "Missing or invalid token", 403: "Role not allowed", 404: "Not found",
                409: "Conflict", 413: "Body too large", 429: "Too many requests"}


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is None:
        return {"type": "object"}
    if isinstance(tp, dict):
        return tp
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return {"$ref": f"#/components/schemas/{tp.__name__}"}
    schema = TypeAdapter(tp).json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    defs.update(schema.pop("$defs", {}))
    return schema


def build(routes: list[RouteSpec], title: str = "SILASTIK API", version: str = "1.0.0") -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = []
    for r in routes:
        if r.body is not None:
            models.append((r.body, "validation"))
        if isinstance(r.response, type) and issubclass(r.response, BaseModel):
            models.append((r.response, "serialization"))
    seen: set[tuple[type[BaseModel], str]] = set()
    unique = [m for m in models if not (m in seen or seen.add(m))]
    _, top = models_json_schema(unique, ref_template="#/components/schemas/{model}") if unique else ({}, {})
    defs: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, Any] = {}
    for r in routes:
        op: dict[str, Any] = {"operationId": r.name, "summary": r.summary or r.name.replace("_", " "), "tags": [r.tag]}
        params = [{"name": p, "in": "path", "required": True,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 128}} for p in r.path_params]
        if r.query is not None:
            qs = r.query.model_json_schema(ref_template="#/components/schemas/{model}")
            defs.update(qs.pop("$defs", {}))
            required = set(qs.get("required", []))
            for name, prop in qs.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{r.body.__name__}"}}}}
        if r.status == 204:
            ok = {"description": "No Content"}  # no body, so no media type to parse
        elif r.produces == "application/json":
            ok = {"description": "OK", "content": {"application/json": {"schema": _schema_of(r.response, defs)}}}
        else:
            ok = {"description": "OK", "content": {r.produces: {"schema": {"type": "string", "format": "binary"}}}}
        responses: dict[str, Any] = {str(r.status): ok}
        codes = {400, 404, 409, 413}
        if r.roles is not None:
            codes |= {401, 403}
            op["security"] = [{"bearerAuth": []}]
        if r.limit:
            codes |= {429}
        for c in sorted(codes):
            responses[str(c)] = {"description": _STATUS_TEXT[c], "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
        op["responses"] = responses
        if r.roles:
            op["x-roles"] = list(r.roles)
        paths.setdefault(r.path, {})[r.method.lower()] = op
    defs["Error"] = ERROR_SCHEMA
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Sistem Informasi Layanan Statistik — API v1. Errors use the shape of components.schemas.Error."},
        "paths": paths,
        "components": {"schemas": defs, "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                                              "bearerFormat": "JWT"}}},
    }

"""A thin layer over Chalice routes: auth by declared roles, pydantic validation of query and body,
body-size limit, the one error mapping of SPEC §4, CORS for configured origins, security headers,
correlation ids, and the route table the OpenAPI document is generated from."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalice import Chalice, Response
from pydantic import BaseModel, ValidationError

from chalicelib.core.auth import Principal, authenticate, require_roles
from chalicelib.core.config import get_settings
from chalicelib.core.errors import AppError, BadRequest, PayloadTooLarge, error_body

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
PUBLIC: tuple[str, ...] = ()  # marker: no authentication
_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass
class RouteSpec:
    path: str
    method: str
    roles: tuple[str, ...] | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    summary: str
    tag: str
    raw: bool = False
    produces: str = "application/json"
    name: str = ""
    path_params: list[str] = field(default_factory=list)

    @property
    def public(self) -> bool:
        return self.roles is None


@dataclass
class Ctx:
    """What a handler gets: the caller (None on public routes), path params, the raw request."""

    principal: Principal | None
    params: dict[str, str]
    request: Any
    correlation_id: str

    @property
    def user(self) -> Principal:
        assert self.principal is not None
        return self.principal

    @property
    def raw_body(self) -> bytes:
        return self.request.raw_body or b""

    @property
    def headers(self) -> Any:
        return self.request.headers


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=False)
    return value


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    out = []
    for e in exc.errors(include_url=False, include_input=False):
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")})
    return out


class Api:
    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.routes: list[RouteSpec] = []
        self._options_paths: set[str] = set()

    # --- registration -------------------------------------------------------------------------
    def route(
        self,
        path: str,
        method: str = "GET",
        *,
        roles: Iterable[str] | None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        summary: str = "",
        tag: str = "",
        raw: bool = False,
        produces: str = "application/json",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        spec = RouteSpec(
            path=path,
            method=method.upper(),
            roles=None if roles is None else tuple(roles),
            body=body,
            query=query,
            response=response,
            status=status,
            summary=summary,
            tag=tag or path.strip("/").split("/")[0],
            raw=raw,
            produces=produces,
            path_params=_PATH_PARAM.findall(path),
        )

        def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
            spec.name = fn.__name__

            def view(**params: str) -> Response:
                return self.dispatch(spec, fn, params)

            view.__name__ = fn.__name__
            self.app.route(path, methods=[spec.method], content_types=["application/json", "text/plain"])(view)
            self.routes.append(spec)
            if path not in self._options_paths:
                self._options_paths.add(path)

                def preflight(**_: str) -> Response:
                    return self._preflight()

                preflight.__name__ = f"options_{fn.__name__}"
                self.app.route(path, methods=["OPTIONS"])(preflight)
            return fn

        return decorator

    # --- dispatch -----------------------------------------------------------------------------
    def _cors_headers(self) -> dict[str, str]:
        req = self.app.current_request
        origin = (req.headers or {}).get("origin") if req is not None else None
        if origin and origin in get_settings().cors_origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Vary": "Origin",
                "Access-Control-Allow-Headers": "Authorization,Content-Type,X-Request-Id",
                "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
                "Access-Control-Max-Age": "600",
                "Access-Control-Expose-Headers": "X-Request-Id,Content-Disposition",
            }
        return {}

    def _preflight(self) -> Response:
        headers = self._cors_headers()
        return Response(body="", status_code=204 if headers else 403, headers={**SECURITY_HEADERS, **headers})

    def respond(self, status: int, body: Any, correlation_id: str, headers: dict[str, str] | None = None) -> Response:
        all_headers = {**SECURITY_HEADERS, **self._cors_headers(), "X-Request-Id": correlation_id}
        if isinstance(body, bytes | str) and headers and "Content-Type" in headers:
            all_headers.update(headers)
            return Response(body=body, status_code=status, headers=all_headers)
        all_headers["Content-Type"] = "application/json"
        if headers:
            all_headers.update(headers)
        payload = "" if status == 204 else json.dumps(to_jsonable(body), default=_default, ensure_ascii=False)
        return Response(body=payload, status_code=status, headers=all_headers)

    def error(self, exc: AppError, correlation_id: str) -> Response:
        return self.respond(exc.status, exc.body(), correlation_id)

    def dispatch(self, spec: RouteSpec, fn: Callable[..., Any], params: dict[str, str]) -> Response:
        from chalicelib.core import obs

        req = self.app.current_request
        ctx_id = ""
        try:
            ctx_id = str((req.context or {}).get("requestId") or "")
        except Exception:  # noqa: BLE001
            ctx_id = ""
        correlation_id = (req.headers or {}).get("x-request-id") or ctx_id or uuid.uuid4().hex
        correlation_id = re.sub(r"[^A-Za-z0-9._-]", "", correlation_id)[:64] or uuid.uuid4().hex
        log = obs.logger()
        log.set_correlation_id(correlation_id)
        log.append_keys(route=f"{spec.method} {spec.path}")
        try:
            result = self._run(spec, fn, params, req, correlation_id)
            if isinstance(result, Response):
                result.headers = {**SECURITY_HEADERS, **self._cors_headers(), "X-Request-Id": correlation_id,
                                  **(result.headers or {})}
                return result
            return self.respond(spec.status, result, correlation_id)
        except AppError as exc:
            if exc.status >= 500:
                log.error("request failed", extra={"error_code": exc.code})
            return self.error(exc, correlation_id)
        except Exception:
            log.exception("unhandled error")
            return self.respond(500, error_body(500, "internal_error", "internal error"), correlation_id)
        finally:
            log.remove_keys(["route"])
            obs.flush_metrics()

    def _run(self, spec: RouteSpec, fn: Callable[..., Any], params: dict[str, str], req: Any, cid: str) -> Any:
        settings = get_settings()
        raw = req.raw_body or b""
        if len(raw) > settings.max_body_bytes:
            raise PayloadTooLarge(f"request body exceeds {settings.max_body_bytes} bytes")
        principal = None
        if spec.roles is not None:
            principal = authenticate(req.headers or {})
            require_roles(principal, spec.roles)
        for name, value in params.items():
            if not value or len(value) > 128:
                raise BadRequest(f"invalid path parameter {name}")
        ctx = Ctx(principal=principal, params=params, request=req, correlation_id=cid)
        kwargs: dict[str, Any] = {}
        if spec.query is not None:
            try:
                kwargs["query"] = spec.query.model_validate(dict(req.query_params or {}))
            except ValidationError as exc:
                raise BadRequest("invalid query parameters", details=_validation_details(exc)) from exc
        if spec.body is not None:
            if not raw:
                raise BadRequest("a JSON body is required")
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise BadRequest("body is not valid JSON") from exc
            try:
                kwargs["body"] = spec.body.model_validate(data)
            except ValidationError as exc:
                raise BadRequest("invalid request body", details=_validation_details(exc)) from exc
        return fn(ctx, **params, **kwargs)

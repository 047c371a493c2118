"""A thin layer over Chalice routes: auth by declared roles, pydantic validation of query and body,
body-size limit, the one error mapping of SPEC §4, CORS for configured origins, security headers,
correlation ids, and the route table the OpenAPI document is generated from."""

from __future__ import annotations

import importlib
import json
import re
import typing
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.core.errors import AppError, BadRequest, PayloadTooLarge, error_body

if TYPE_CHECKING:  # imported lazily at run time (cold start): pydantic and the auth stack load on first request
    from chalice import Chalice
    from pydantic import BaseModel, ValidationError

    from chalicelib.core.auth import Principal

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}
_PATH_PARAM = re.compile(r"{(\w+)}")


class Lazy:
    """A reference to an object (a pydantic model) of a module that is imported on first use, so that
    `import app` does not build every model of the API (cold start): `Lazy("chalicelib.requests.schemas",
    "RequestOut")`, or through `lazy_module("chalicelib.requests.schemas").RequestOut`."""

    __slots__ = ("module", "name", "_obj")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._obj: Any = None

    def resolve(self) -> Any:
        if self._obj is None:
            self._obj = getattr(importlib.import_module(self.module), self.name)
        return self._obj

    def __repr__(self) -> str:
        return f"Lazy({self.module}:{self.name})"


class lazy_module:  # noqa: N801 - used like a module
    """`rq = lazy_module("chalicelib.requests.schemas")`; `rq.RequestOut` is a `Lazy` reference (no import)."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Lazy:
        if name.startswith("__"):
            raise AttributeError(name)
        return Lazy(self._module, name)


def lazy(module: str, *names: str) -> tuple[Lazy, ...]:
    return tuple(Lazy(module, n) for n in names)


def resolve(tp: Any) -> Any:
    """A `Lazy` or a generic alias holding some (`list[Lazy]`) -> the real type (imports on first use)."""
    if isinstance(tp, Lazy):
        return tp.resolve()
    args = typing.get_args(tp)
    if args and any(isinstance(a, Lazy) for a in args):
        return typing.get_origin(tp)[tuple(resolve(a) for a in args)]
    return tp


class RouteSpec:
    """One declared route. `body`, `query` and `response` may be given as `Lazy` references; reading them
    returns the real models (importing their module the first time)."""

    __slots__ = ("path", "method", "roles", "_body", "_query", "_response", "status", "summary", "tag", "raw",
                 "produces", "name", "path_params", "limit")

    def __init__(self, path: str, method: str, roles: tuple[str, ...] | None, body: Any, query: Any,
                 response: Any, status: int, summary: str, tag: str, raw: bool = False,
                 produces: str = "application/json", name: str = "", path_params: list[str] | None = None,
                 limit: str | Callable[[dict[str, Any]], str] = "") -> None:
        self.path = path
        self.method = method
        self.roles = roles
        self._body = body
        self._query = query
        self._response = response
        self.status = status
        self.summary = summary
        self.tag = tag
        self.raw = raw
        self.produces = produces
        self.name = name
        self.path_params = path_params or []
        self.limit = limit  # the rate-limited action (chalicelib.core.ratelimit), or a function of the validated input

    @property
    def body(self) -> type[BaseModel] | None:
        self._body = resolve(self._body)
        return self._body

    @property
    def query(self) -> type[BaseModel] | None:
        self._query = resolve(self._query)
        return self._query

    @property
    def response(self) -> Any:
        self._response = resolve(self._response)
        return self._response

    @property
    def public(self) -> bool:
        return self.roles is None

    def __repr__(self) -> str:
        return f"RouteSpec({self.method} {self.path})"


class Ctx:
    """What a handler gets: the caller (None on public routes), path params, the raw request."""

    __slots__ = ("principal", "params", "request", "correlation_id")

    def __init__(self, principal: Principal | None, params: dict[str, str], request: Any,
                 correlation_id: str) -> None:
        self.principal = principal
        self.params = params
        self.request = request
        self.correlation_id = correlation_id

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
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # a pydantic model (pydantic itself is imported lazily)
        return value.model_dump(mode="json", exclude_none=False)
    return value


MAX_JSON_DEPTH = 32  # no request body of this API nests deeper than a handful of levels


def _depth(value: Any) -> int:
    """How deep a parsed JSON value nests (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


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
        body: type[BaseModel] | Lazy | None = None,
        query: type[BaseModel] | Lazy | None = None,
        response: Any = None,
        status: int = 200,
        summary: str = "",
        tag: str = "",
        raw: bool = False,
        produces: str = "application/json",
        limit: str | Callable[[dict[str, Any]], str] = "",
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
            limit=limit,
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
        from chalicelib.core.config import get_settings

        req = self.app.current_request
        origin = (req.headers or {}).get("origin") if req is not None else None
        if origin and origin in get_settings().cors_origins:
            return {
                "Access-Control-Allow-Origin": origin,
                "Vary": "Origin",
                "Access-Control-Allow-Headers": "Authorization,Content-Type,X-Request-Id",
                "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
                "Access-Control-Max-Age": "600",
                "Access-Control-Expose-Headers": "X-Request-Id,Content-Disposition,Retry-After",
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
        if status == 204:  # no content, so no content type: a client must not try to parse an empty body as JSON
            return Response(body="", status_code=204, headers={**all_headers, **(headers or {})})
        all_headers["Content-Type"] = "application/json"
        if headers:
            all_headers.update(headers)
        payload = json.dumps(to_jsonable(body), default=_default, ensure_ascii=False)
        return Response(body=payload, status_code=status, headers=all_headers)

    def error(self, exc: AppError, correlation_id: str) -> Response:
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return self.respond(exc.status, exc.body(), correlation_id, headers)

    def dispatch(self, spec: RouteSpec, fn: Callable[..., Any], params: dict[str, str]) -> Response:
        import uuid

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
        from pydantic import ValidationError

        from chalicelib.core.auth import authenticate, require_roles
        from chalicelib.core.config import get_settings

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
            except (ValueError, UnicodeDecodeError, RecursionError) as exc:
                raise BadRequest("body is not valid JSON") from exc
            if _depth(data) > MAX_JSON_DEPTH:
                raise BadRequest(f"body nests deeper than {MAX_JSON_DEPTH} levels")
            try:
                kwargs["body"] = spec.body.model_validate(data)
            except ValidationError as exc:
                raise BadRequest("invalid request body", details=_validation_details(exc)) from exc
        if spec.limit and principal is not None:
            from chalicelib.core import ratelimit

            ratelimit.hit(spec.limit(kwargs) if callable(spec.limit) else spec.limit, principal.sub)
        return fn(ctx, **params, **kwargs)

"""One exception hierarchy, mapped to HTTP status codes and the SPEC §4 error shape in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar


class AppError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str = "", *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.details = details

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            err["details"] = self.details
        return {"error": err}


class BadRequest(AppError):
    status = 400
    code = "invalid_input"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class TooManyRequests(AppError):
    """429 with the seconds to wait (sent as the `Retry-After` header and in `details.retry_after_s`)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str = "", *, retry_after: int = 60, code: str | None = None,
                 details: Any = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, code=code, details={**(details or {}), "retry_after_s": self.retry_after})


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


STALE = "concurrent_update"
_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


def retrying(op: Callable[[], _T], attempts: int = 4) -> _T:
    """Run `op` again when a concurrent writer changed what it read (Conflict code `concurrent_update`).
    `op` must re-read what it needs and validate again, so a retry decides on fresh state: another user's
    conflicting action then surfaces as its own error (illegal transition, already decided...), while a
    system write in between (the workflow storing its task token) no longer fails the user's action."""
    for attempt in range(attempts):
        try:
            return op()
        except Conflict as exc:
            if exc.code != STALE or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class FirstThenFresh(Generic[_T]):
    """For `retrying`: the record as already read serves the first attempt (no second read on the usual,
    uncontended path); every retry after a concurrent change reads it again."""

    def __init__(self, first: _T, read: Callable[[], _T]) -> None:
        self._first: _T | None = first
        self._read = read

    def __call__(self) -> _T:
        first, self._first = self._first, None
        return first if first is not None else self._read()


def retry_stale(fn: _F) -> _F:
    """Decorator form of `retrying` for use cases that read, validate and write in one call."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return retrying(lambda: fn(*args, **kwargs))

    return wrapper  # type: ignore[return-value]

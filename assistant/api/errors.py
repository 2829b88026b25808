"""Errors a client can act on, never a bare 500.

- Validation: FastAPI's default 422 echoes each offending input back; an input JSON cannot encode (a
  number that parsed as infinity, 1e400) turned the 422 into a 500. The echo is cut to a short text.
- The database unreachable (PostgreSQL restarting, a failover): 503 with Retry-After, so a kiosk shows
  "please wait" and retries, and a sign-in can be tried again, instead of an internal error.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from assistant.logging import get_logger

log = get_logger("lobby.errors")

MAX_ECHO_CHARS = 80
DATABASE_RETRY_AFTER_S = 5


def _safe(value: Any) -> Any:
    """`value` if JSON can carry it as is, else a short text of it."""
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) else _printable(value)[:MAX_ECHO_CHARS]
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _printable(repr(value))[:MAX_ECHO_CHARS]


def _printable(text: str) -> str:
    """Lone surrogates (which UTF-8 cannot carry) shown as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for error in exc.errors():
        item = {k: v for k, v in error.items() if k in ("type", "loc", "msg")}
        item["loc"] = [_safe(part) for part in item.get("loc", ())]
        item["msg"] = _safe(item.get("msg", ""))
        if "input" in error:
            item["input"] = _safe(error["input"])
        errors.append(item)
    return JSONResponse(status_code=422, content={"detail": errors})


async def database_unavailable(request: Request, exc: DBAPIError) -> JSONResponse:
    """Only a lost or refused connection is the database being away; other database errors are bugs."""
    if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
        raise exc
    log.warning("database_unavailable", path=request.url.path, error=type(exc.orig).__name__)
    return JSONResponse(
        status_code=503,
        content={"detail": "the service is briefly unavailable; please try again in a few seconds"},
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, database_unavailable)  # type: ignore[arg-type]

"""What every sandbox route shares: errors as JSON, the state dependency and idempotent writes.

Idempotency follows the IETF "Idempotency-Key" draft: a write without the header is refused (400);
the first request with a key is carried out and its response stored in the same transaction; a
repeat with the same key and body gets the stored response (header `Idempotent-Replayed: true`)
and nothing happens twice; the same key with another body or path is refused (422).
Business rejections are stored too, so one key always means one outcome.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.sandbox import tables as t
from integrations.sandbox.state import SandboxState, now


class ApiError(Exception):
    """A refusal with an HTTP status and a stable machine code (the clients map both)."""

    def __init__(self, status: int, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": jsonable_encoder(self.detail)}


def not_found(what: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} not found", kind=what)


def rejected(code: str, message: str, **detail: Any) -> ApiError:
    return ApiError(409, code, message, **detail)


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


StateDep = Annotated[SandboxState, Depends(_state)]


def _idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str:
    if not idempotency_key:
        raise ApiError(400, "idempotency_key_required", "every write needs an Idempotency-Key header")
    if not 8 <= len(idempotency_key) <= 128:
        raise ApiError(400, "idempotency_key_invalid", "Idempotency-Key must be 8 to 128 characters")
    return idempotency_key


IdempotencyKey = Annotated[str, Depends(_idempotency_key)]
Action = Callable[[Session], tuple[int, Any]]


def idempotent_write(
    state: SandboxState, request: Request, key: str, body: BaseModel | None, action: Action
) -> JSONResponse:
    """Run `action` once per key inside one transaction and store its response with the key."""
    scope = f"{request.method} {request.url.path}"
    payload = body.model_dump(mode="json") if body is not None else None
    request_hash = hashlib.sha256(json.dumps([scope, payload], sort_keys=True).encode()).hexdigest()
    try:
        with state.session() as s:
            record = s.get(t.IdempotencyRecord, key)
            if record is not None:
                return _replay(record, request_hash)
            try:
                with s.begin_nested():
                    status, result = action(s)
                content = jsonable_encoder(result)
            except ApiError as exc:
                status, content = exc.status, exc.body()
            s.add(
                t.IdempotencyRecord(
                    key=key, scope=scope, request_hash=request_hash, status_code=status, body=content, created_at=now()
                )
            )
        return JSONResponse(content, status_code=status)
    except IntegrityError:  # a concurrent request with the same key committed first
        with state.session() as s:
            record = s.get(t.IdempotencyRecord, key)
            if record is None:
                raise
            return _replay(record, request_hash)


def _replay(record: t.IdempotencyRecord, request_hash: str) -> JSONResponse:
    if record.request_hash != request_hash:
        raise ApiError(
            422, "idempotency_key_reused", "this Idempotency-Key was used for a different request", key=record.key
        )
    return JSONResponse(record.body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})

"""Fault injection by path prefix, so tests and benchmarks can prove how Lobby degrades.

A plain ASGI middleware: matching requests get added latency, a hang (the client's read timeout
fires), or an error status at a given rate, either before the request is carried out or after it
(the "it happened but the answer was lost" case that idempotency keys exist for).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.schemas import Fault

EXEMPT_PREFIXES = ("/sandbox/", "/healthz", "/docs", "/openapi.json", "/redoc")
_rng = random.Random()  # noqa: S311 - fault sampling, not security


@dataclass
class FaultBoard:
    """The faults in force and how many requests each has affected."""

    faults: list[Fault] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)

    def set(self, faults: list[Fault]) -> None:
        self.faults = list(faults)
        self.hits.clear()

    def match(self, path: str) -> Fault | None:
        matching = [f for f in self.faults if path.startswith(f.path_prefix)]
        return max(matching, key=lambda f: len(f.path_prefix)) if matching else None


class FaultMiddleware:
    def __init__(self, app: ASGIApp, board: FaultBoard) -> None:
        self.app = app
        self.board = board

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        fault = self.board.match(path) if scope["type"] == "http" and not path.startswith(EXEMPT_PREFIXES) else None
        if fault is None:
            await self.app(scope, receive, send)
            return
        self.board.hits[fault.path_prefix] += 1
        if fault.latency_ms:
            await asyncio.sleep(fault.latency_ms / 1000)
        if fault.timeout:
            await asyncio.sleep(fault.hang_s)
            await _error(send, 504, "injected_timeout")
            return
        if _rng.random() >= fault.error_rate:
            await self.app(scope, receive, send)
            return
        if fault.after_processing:
            await self.app(scope, receive, _swallow)
        await _error(send, fault.error_status, "injected_fault")


async def _swallow(_message: Message) -> None:
    """Drop the real response: the work was done but its answer is lost."""


async def _error(send: Send, status: int, code: str) -> None:
    body: dict[str, Any] = {"code": code, "message": f"sandbox fault injection ({status})", "detail": {}}
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})

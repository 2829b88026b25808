"""The HTTP core every bank client shares: timeouts, retries, circuit breakers, errors, masked logs.

Policy (why each part is there):
- httpx.AsyncClient with connect/read timeouts, plus an overall deadline per try, because the
  in-process ASGI transport does not enforce httpx's network timeouts.
- Retries (tenacity, exponential backoff with jitter) only for idempotent calls: GETs and writes that
  carry an Idempotency-Key. A write without a key is tried once: repeating it could move money twice.
- One circuit breaker per back-end (purgatory): after `breaker_threshold` failed tries in a row the
  back-end is not called for `breaker_reset_s`; then one trial call closes or re-opens it. Only
  transient failures count; a 404 or a refused transfer says nothing about the back-end's health.
- Every log line goes through `integrations.pii.mask_text`: paths and messages may hold ID numbers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, TypeVar

import httpx
import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from pydantic import BaseModel, TypeAdapter
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from integrations.config import BankOptions
from integrations.errors import CALLER_ERRORS, BankError, BankUnavailable, InvalidRequest, NotFound, Rejected
from integrations.pii import install_masking_filter, mask_text

log = structlog.stdlib.get_logger("lobby.bank")
T = TypeVar("T")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, BankUnavailable) and not exc.circuit_open


class BankHttp:
    """One pooled HTTP client towards the bank gateway, with a breaker per back-end name."""

    def __init__(self, base_url: str, options: BankOptions, transport: httpx.AsyncBaseTransport | None = None) -> None:
        install_masking_filter("httpx", "httpcore")  # httpx logs every URL, query string included
        self.options = options
        self.base_url = base_url.rstrip("/")
        timeout = httpx.Timeout(options.read_timeout_s, connect=options.connect_timeout_s)
        limits = httpx.Limits(
            max_connections=options.max_connections, max_keepalive_connections=options.max_connections
        )
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=timeout, limits=limits, transport=transport)
        self._deadline_s = options.connect_timeout_s + options.read_timeout_s
        self.breakers = AsyncCircuitBreakerFactory(
            default_threshold=options.breaker_threshold,
            default_ttl=options.breaker_reset_s,
            exclude=list(CALLER_ERRORS),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def breaker_state(self, backend: str) -> str:
        """closed, opened or half-opened (for readiness reports and tests)."""
        breaker = await self.breakers.get_breaker(backend)
        return str(breaker.context.state)

    async def request(
        self,
        backend: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        retry: bool = True,
    ) -> httpx.Response:
        """Send one call; returns a 2xx response or raises a typed `BankError`."""
        method = method.upper()
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        idempotent = method in IDEMPOTENT_METHODS or idempotency_key is not None
        attempts = self.options.max_attempts if (idempotent and retry) else 1
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=wait_exponential_jitter(
                multiplier=self.options.backoff_initial_s,
                max=self.options.backoff_max_s,
                jitter=self.options.backoff_initial_s,
            ),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._try(backend, method, path, params, json, headers, attempt.retry_state.attempt_number)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _try(
        self,
        backend: str,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        body: Any,
        headers: dict[str, str],
        attempt: int,
    ) -> httpx.Response:
        started = time.perf_counter()
        shown = mask_text(path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""))
        try:
            breaker = await self.breakers.get_breaker(backend)
            async with breaker:
                response = await self._send(backend, method, path, params, body, headers)
                _raise_for_status(backend, response)
        except OpenedState:
            log.warning("bank.circuit_open", backend=backend, method=method, path=shown)
            raise BankUnavailable(
                backend, f"circuit open for {backend}", code="circuit_open", circuit_open=True
            ) from None
        except BankError as exc:
            level = "warning" if isinstance(exc, BankUnavailable) else "info"
            getattr(log, level)(
                "bank.call_failed",
                backend=backend,
                method=method,
                path=shown,
                attempt=attempt,
                status=exc.status,
                code=exc.code,
                error=exc.message,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            raise
        log.debug(
            "bank.call",
            backend=backend,
            method=method,
            path=shown,
            status=response.status_code,
            attempt=attempt,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return response

    async def _send(
        self, backend: str, method: str, path: str, params: dict[str, Any] | None, body: Any, headers: dict[str, str]
    ) -> httpx.Response:
        try:
            return await asyncio.wait_for(
                self._client.request(method, path, params=params, json=body, headers=headers), self._deadline_s
            )
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise BankUnavailable(backend, f"timed out: {type(exc).__name__}", code="timeout") from None
        except httpx.TransportError as exc:
            raise BankUnavailable(backend, f"transport error: {type(exc).__name__}: {exc}", code="transport") from None


def _raise_for_status(backend: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = str(body.get("code", ""))
    message = str(body.get("message") or response.reason_phrase or f"HTTP {status}")
    detail = body.get("detail") if isinstance(body.get("detail"), dict) else {}
    kw: dict[str, Any] = {"code": code, "status": status, "detail": detail}
    if status >= 500 or status in (408, 429):
        raise BankUnavailable(backend, message, **kw)
    if status == 404:
        raise NotFound(backend, message, **kw)
    if status == 409:
        raise Rejected(backend, message, **kw)
    raise InvalidRequest(backend, message, **kw)


def parse(model: type[T] | Any, response: httpx.Response) -> T:
    """The response body as `model` (a pydantic model or any type TypeAdapter understands)."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        parsed: T = model.model_validate_json(response.content)  # type: ignore[assignment]
        return parsed
    result: T = TypeAdapter(model).validate_json(response.content)
    return result

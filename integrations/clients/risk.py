"""Risk back-end: screen a customer and counterparty before money moves; report what was observed."""

from __future__ import annotations

from typing import Protocol

from integrations import schemas as api
from integrations.http import BankHttp, parse


class RiskApi(Protocol):
    async def screen(self, request: api.ScreenRequest) -> api.ScreenResult: ...

    async def report_event(self, event: api.RiskEventRequest, *, idempotency_key: str) -> api.RiskEvent: ...


class HttpRiskClient:
    backend = "risk"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def screen(self, request: api.ScreenRequest) -> api.ScreenResult:
        """A read on the bank's side: tried once (a POST without a key is never repeated)."""
        response = await self._http.request(
            self.backend, "POST", "/v1/risk/screen", json=request.model_dump(mode="json")
        )
        return parse(api.ScreenResult, response)

    async def report_event(self, event: api.RiskEventRequest, *, idempotency_key: str) -> api.RiskEvent:
        response = await self._http.request(
            self.backend,
            "POST",
            "/v1/risk/events",
            json=event.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        return parse(api.RiskEvent, response)

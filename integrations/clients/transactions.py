"""Transactions back-end: transfers and their authorisation, cards, time deposits, counter orders, FX.

Every write takes an idempotency key from the caller: the journey derives it from the session and
step, so a retry (ours, or the customer pressing again) can never move money twice.
"""

from __future__ import annotations

import uuid
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel

from integrations import schemas as api
from integrations.errors import NeedsAuthorization
from integrations.http import BankHttp, parse


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class TransactionsApi(Protocol):
    async def lookup_payee(self, account_number: str, name: str | None = None) -> api.PayeeAccount: ...

    async def transfer(self, request: api.TransferRequest, *, idempotency_key: str) -> api.Transfer: ...

    async def decide_authorization(
        self, authorization_id: str, approve: bool, approver: str, *, idempotency_key: str, note: str = ""
    ) -> api.Authorization: ...

    async def report_card_loss(
        self, card_id: str, request: api.LossReportRequest, *, idempotency_key: str
    ) -> api.CardStatus: ...

    async def replace_card(
        self, card_id: str, request: api.ReplacementRequest, *, idempotency_key: str
    ) -> api.Replacement: ...

    async def open_time_deposit(self, request: api.TimeDepositRequest, *, idempotency_key: str) -> api.Deposit: ...

    async def counter_order(self, request: api.CounterOrderRequest, *, idempotency_key: str) -> api.CounterOrder: ...

    async def fx_rates(self) -> api.FxRates: ...


class HttpTransactionsClient:
    backend = "transactions"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def _write(self, path: str, body: BaseModel | None, key: str) -> httpx.Response:
        payload = body.model_dump(mode="json") if body is not None else None
        return await self._http.request(self.backend, "POST", path, json=payload, idempotency_key=key)

    async def lookup_payee(self, account_number: str, name: str | None = None) -> api.PayeeAccount:
        """Resolve a payee's account or card number (and check `name` against the holder) before a transfer;
        raises `NotFound` (code `payee_account_not_found`) for a number of this bank that does not exist."""
        params = {"account_number": account_number, **({"name": name} if name else {})}
        response = await self._http.request(self.backend, "GET", "/v1/payees/lookup", params=params)
        return parse(api.PayeeAccount, response)

    async def transfer(self, request: api.TransferRequest, *, idempotency_key: str) -> api.Transfer:
        """The executed transfer; raises `NeedsAuthorization` above the threshold."""
        response = await self._write("/v1/transfers", request, idempotency_key)
        transfer: api.Transfer = parse(api.Transfer, response)
        if transfer.status == "requires_authorization" and transfer.authorization_id:
            raise NeedsAuthorization(self.backend, transfer.authorization_id, transfer)
        return transfer

    async def decide_authorization(
        self, authorization_id: str, approve: bool, approver: str, *, idempotency_key: str, note: str = ""
    ) -> api.Authorization:
        action: Literal["approve", "reject"] = "approve" if approve else "reject"
        body = api.AuthorizationDecision(approver=approver, note=note)
        response = await self._write(f"/v1/authorizations/{authorization_id}/{action}", body, idempotency_key)
        return parse(api.Authorization, response)

    async def report_card_loss(
        self, card_id: str, request: api.LossReportRequest, *, idempotency_key: str
    ) -> api.CardStatus:
        response = await self._write(f"/v1/cards/{card_id}/loss-report", request, idempotency_key)
        return parse(api.CardStatus, response)

    async def replace_card(
        self, card_id: str, request: api.ReplacementRequest, *, idempotency_key: str
    ) -> api.Replacement:
        response = await self._write(f"/v1/cards/{card_id}/replacement", request, idempotency_key)
        return parse(api.Replacement, response)

    async def open_time_deposit(self, request: api.TimeDepositRequest, *, idempotency_key: str) -> api.Deposit:
        response = await self._write("/v1/deposits/time", request, idempotency_key)
        return parse(api.Deposit, response)

    async def counter_order(self, request: api.CounterOrderRequest, *, idempotency_key: str) -> api.CounterOrder:
        response = await self._write("/v1/counter-orders", request, idempotency_key)
        return parse(api.CounterOrder, response)

    async def fx_rates(self) -> api.FxRates:
        return parse(api.FxRates, await self._http.request(self.backend, "GET", "/v1/fx/rates"))

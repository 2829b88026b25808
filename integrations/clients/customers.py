"""Customer profile back-end: identify a customer, read the profile, accounts and statements."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from integrations import schemas as api
from integrations.http import BankHttp, parse

LookupBy = Literal["id_number", "phone", "booking_code", "qr_token"]


class CustomersApi(Protocol):
    async def lookup(self, by: LookupBy, value: str) -> api.CustomerRef: ...

    async def profile(self, customer_id: str) -> api.Profile: ...

    async def accounts(self, customer_id: str) -> list[api.Account]: ...

    async def transactions(
        self, account_id: str, limit: int = 50, since: dt.date | None = None
    ) -> list[api.Transaction]: ...


class HttpCustomersClient:
    backend = "customers"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def lookup(self, by: LookupBy, value: str) -> api.CustomerRef:
        response = await self._http.request(self.backend, "GET", "/v1/customers/lookup", params={by: value})
        return parse(api.CustomerRef, response)

    async def profile(self, customer_id: str) -> api.Profile:
        response = await self._http.request(self.backend, "GET", f"/v1/customers/{customer_id}/profile")
        return parse(api.Profile, response)

    async def accounts(self, customer_id: str) -> list[api.Account]:
        response = await self._http.request(self.backend, "GET", f"/v1/customers/{customer_id}/accounts")
        return parse(list[api.Account], response)

    async def transactions(
        self, account_id: str, limit: int = 50, since: dt.date | None = None
    ) -> list[api.Transaction]:
        params: dict[str, str | int] = {"limit": limit}
        if since is not None:
            params["since"] = since.isoformat()
        response = await self._http.request(
            self.backend, "GET", f"/v1/accounts/{account_id}/transactions", params=params
        )
        return parse(list[api.Transaction], response)

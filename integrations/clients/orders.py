"""Order tracking back-end (`/v1/orders`): the bank keeps every order a branch hands over later.

Writes carry the caller's Idempotency-Key, so the HTTP core retries them (a lost answer replays the bank's,
with `pickup_code: null`: the bank shows a code once, then keeps only its hash; `reissue_code` makes a new
one). The pickup itself carries the customer's code and no key, so it is tried once: a retry would count a
wrong code twice. Refusals are `Rejected` with a stable code: `order_transition_invalid`, `wrong_pickup_code`
(`detail.tries_left`), `pickup_code_locked`, `out_of_stock`.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

from integrations import schemas_orders as api
from integrations.http import BankHttp, parse


class OrdersApi(Protocol):
    async def create(self, request: api.OrderRequest, *, idempotency_key: str) -> api.Order: ...

    async def orders(
        self,
        *,
        branch_id: str | None = None,
        customer_id: str | None = None,
        status: str | None = None,
        session_id: str | None = None,
    ) -> list[api.Order]: ...

    async def get(self, order_id: str) -> api.Order: ...

    async def summary(self, branch_id: str) -> api.OrderSummary: ...

    async def confirm(self, order_id: str, by: str, *, ready: bool = False, idempotency_key: str) -> api.Order: ...

    async def ready(self, order_id: str, by: str, *, idempotency_key: str, note: str = "") -> api.Order: ...

    async def cancel(self, order_id: str, by: str, *, idempotency_key: str, note: str = "") -> api.Order: ...

    async def reissue_code(self, order_id: str, by: str, *, idempotency_key: str) -> api.Order: ...

    async def pickup(self, order_id: str, pickup_code: str, by: str) -> api.Order: ...

    async def release_visit(self, session_id: str, by: str, *, idempotency_key: str) -> list[api.Order]: ...


class HttpOrdersClient:
    backend = "orders"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def create(self, request: api.OrderRequest, *, idempotency_key: str) -> api.Order:
        response = await self._http.request(
            self.backend, "POST", "/v1/orders", json=request.model_dump(mode="json"), idempotency_key=idempotency_key
        )
        return parse(api.Order, response)

    async def orders(
        self,
        *,
        branch_id: str | None = None,
        customer_id: str | None = None,
        status: str | None = None,
        session_id: str | None = None,
    ) -> list[api.Order]:
        given = {"branch_id": branch_id, "customer_id": customer_id, "status": status, "session_id": session_id}
        params = {k: v for k, v in given.items() if v}
        response = await self._http.request(self.backend, "GET", "/v1/orders", params=params or None)
        return parse(list[api.Order], response)

    async def get(self, order_id: str) -> api.Order:
        return parse(api.Order, await self._http.request(self.backend, "GET", f"/v1/orders/{quote(order_id, safe='')}"))

    async def summary(self, branch_id: str) -> api.OrderSummary:
        response = await self._http.request(self.backend, "GET", "/v1/orders/summary", params={"branch_id": branch_id})
        return parse(api.OrderSummary, response)

    async def _post(self, order_id: str, action: str, body: dict[str, Any], key: str | None) -> api.Order:
        response = await self._http.request(
            self.backend,
            "POST",
            f"/v1/orders/{quote(order_id, safe='')}/{action}",
            json=body,
            idempotency_key=key,
            retry=key is not None,
        )
        return parse(api.Order, response)

    async def confirm(self, order_id: str, by: str, *, ready: bool = False, idempotency_key: str) -> api.Order:
        body = api.OrderConfirm(by=by, ready=ready).model_dump(mode="json")
        return await self._post(order_id, "confirm", body, idempotency_key)

    async def ready(self, order_id: str, by: str, *, idempotency_key: str, note: str = "") -> api.Order:
        return await self._post(order_id, "ready", api.OrderAction(by=by, note=note).model_dump(), idempotency_key)

    async def cancel(self, order_id: str, by: str, *, idempotency_key: str, note: str = "") -> api.Order:
        return await self._post(order_id, "cancel", api.OrderAction(by=by, note=note).model_dump(), idempotency_key)

    async def reissue_code(self, order_id: str, by: str, *, idempotency_key: str) -> api.Order:
        return await self._post(order_id, "code", api.OrderAction(by=by).model_dump(), idempotency_key)

    async def pickup(self, order_id: str, pickup_code: str, by: str) -> api.Order:
        body = api.OrderPickup(by=by, pickup_code=pickup_code).model_dump(mode="json")
        return await self._post(order_id, "pickup", body, None)

    async def release_visit(self, session_id: str, by: str, *, idempotency_key: str) -> list[api.Order]:
        body = api.VisitRelease(session_id=session_id, by=by).model_dump(mode="json")
        response = await self._http.request(
            self.backend, "POST", "/v1/orders/release", json=body, idempotency_key=idempotency_key
        )
        return parse(list[api.Order], response)

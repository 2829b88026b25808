"""The bank calls the customer's phone needs, over the same pooled `BankHttp` (retries, breakers, masking)
as every other back-end client: sign-in codes, bookings with capacity, and prepared forms.

Kept apart from `integrations.clients` because only the mobile page uses these routes; each call names
its own back-end (`otp`, `booking`, `forms`) so a busy SMS gateway cannot open the booking breaker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrations.clients import new_idempotency_key
from integrations.http import BankHttp


class MobileBank:
    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def _json(self, backend: str, method: str, path: str, **kw: Any) -> Any:
        response = await self._http.request(backend, method, path, **kw)
        return response.json()

    # -- sign-in codes ---------------------------------------------------------------------------

    async def send_code(self, phone: str) -> dict[str, Any]:
        """Ask the bank to text a code; the answer is the same for customers and other numbers."""
        result: dict[str, Any] = await self._json("otp", "POST", "/v1/otp", json={"phone": phone})
        return result

    async def verify_code(self, phone: str, code: str) -> dict[str, Any]:
        """The customer this code signs in; `InvalidRequest` (`otp_invalid`) for any wrong or stale code."""
        result: dict[str, Any] = await self._json("otp", "POST", "/v1/otp/verify", json={"phone": phone, "code": code})
        return result

    # -- customers --------------------------------------------------------------------------------

    async def profile(self, customer_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("customers", "GET", f"/v1/customers/{customer_id}/profile")
        return result

    # -- orders (docs/orders.md) ---------------------------------------------------------------------

    async def orders(self, customer_id: str) -> list[dict[str, Any]]:
        """This customer's orders (the bank filters by customer: no one else's can come back)."""
        params = {"customer_id": customer_id}
        result: list[dict[str, Any]] = await self._json("orders", "GET", "/v1/orders", params=params)
        return result

    # -- bookings ---------------------------------------------------------------------------------

    async def branches(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json("booking", "GET", "/v1/branches")
        return result

    async def businesses(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json("booking", "GET", "/v1/bookings/businesses")
        return result

    async def availability(self, branch_id: str, business_type: str) -> dict[str, Any]:
        params = {"branch_id": branch_id, "business_type": business_type}
        result: dict[str, Any] = await self._json("booking", "GET", "/v1/bookings/availability", params=params)
        return result

    async def bookings(self, customer_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json("booking", "GET", f"/v1/customers/{customer_id}/bookings")
        return result

    async def book(
        self, customer_id: str, branch_id: str, business_type: str, day: dt.date, time: str
    ) -> dict[str, Any]:
        body = {
            "customer_id": customer_id,
            "branch_id": branch_id,
            "business_type": business_type,
            "date": day.isoformat(),
            "time": time,
        }
        result: dict[str, Any] = await self._json(
            "booking", "POST", "/v1/bookings", json=body, idempotency_key=new_idempotency_key()
        )
        return result

    async def change_booking(self, customer_id: str, code: str, day: dt.date, time: str) -> dict[str, Any]:
        body = {"customer_id": customer_id, "date": day.isoformat(), "time": time}
        result: dict[str, Any] = await self._json(
            "booking", "POST", f"/v1/bookings/{code}/change", json=body, idempotency_key=new_idempotency_key()
        )
        return result

    async def cancel_booking(self, customer_id: str, code: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "booking",
            "POST",
            f"/v1/bookings/{code}/cancel",
            json={"customer_id": customer_id},
            idempotency_key=new_idempotency_key(),
        )
        return result

    # -- prepared forms ---------------------------------------------------------------------------

    async def create_form(
        self, customer_id: str, journey: str, slots: dict[str, Any], summary: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body = {"customer_id": customer_id, "journey": journey, "slots": slots, "summary": summary}
        result: dict[str, Any] = await self._json(
            "forms", "POST", "/v1/prepared-forms", json=body, idempotency_key=new_idempotency_key()
        )
        return result

    async def forms(self, customer_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json("forms", "GET", f"/v1/customers/{customer_id}/prepared-forms")
        return result

    async def forms_of_session(self, session_id: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._json(
            "forms", "GET", "/v1/prepared-forms", params={"session_id": session_id}
        )
        return result

    async def form_by_token(self, token: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json("forms", "GET", f"/v1/prepared-forms/by-token/{token}")
        return result

    async def load_form(self, form_id: str, session_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "forms", "POST", f"/v1/prepared-forms/{form_id}/load", json={"session_id": session_id}
        )
        return result

    async def complete_form(self, form_id: str, receipt: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "forms", "POST", f"/v1/prepared-forms/{form_id}/complete", json={"receipt": receipt}
        )
        return result

    async def cancel_form(self, customer_id: str, form_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self._json(
            "forms", "POST", f"/v1/prepared-forms/{form_id}/cancel", json={"customer_id": customer_id}
        )
        return result

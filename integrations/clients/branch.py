"""Branch back-ends: bookings and the queue, and branch devices (printer, dispenser, locker)."""

from __future__ import annotations

from typing import Any, Literal, Protocol
from urllib.parse import quote

from integrations import schemas as api
from integrations.http import BankHttp, parse


class BookingApi(Protocol):
    async def bookings(self, customer_id: str) -> list[api.Booking]: ...

    async def check_in(self, code: str, *, idempotency_key: str) -> api.CheckIn: ...

    async def take_ticket(self, request: api.TicketRequest, *, idempotency_key: str) -> api.Ticket: ...

    async def queue(self, branch_id: str) -> api.QueueStatus: ...

    async def call_ticket(self, branch_id: str, number: str, counter: str, *, idempotency_key: str) -> api.Ticket: ...


class HttpBookingClient:
    backend = "booking"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def bookings(self, customer_id: str) -> list[api.Booking]:
        response = await self._http.request(self.backend, "GET", f"/v1/customers/{customer_id}/bookings")
        return parse(list[api.Booking], response)

    async def check_in(self, code: str, *, idempotency_key: str) -> api.CheckIn:
        response = await self._http.request(
            self.backend, "POST", f"/v1/bookings/{code}/check-in", idempotency_key=idempotency_key
        )
        return parse(api.CheckIn, response)

    async def take_ticket(self, request: api.TicketRequest, *, idempotency_key: str) -> api.Ticket:
        response = await self._http.request(
            self.backend,
            "POST",
            "/v1/queue/tickets",
            json=request.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        return parse(api.Ticket, response)

    async def queue(self, branch_id: str) -> api.QueueStatus:
        response = await self._http.request(self.backend, "GET", "/v1/queue", params={"branch_id": branch_id})
        return parse(api.QueueStatus, response)

    async def call_ticket(self, branch_id: str, number: str, counter: str, *, idempotency_key: str) -> api.Ticket:
        """Tell the bank a counter called this ticket (it leaves the waiting count). `Rejected` with
        code `ticket_already_called` when another request called it first; `NotFound` if unknown."""
        body = api.TicketCall(branch_id=branch_id, counter=counter).model_dump(mode="json")
        response = await self._http.request(
            self.backend,
            "POST",
            f"/v1/queue/tickets/{quote(number, safe='')}/call",
            json=body,
            idempotency_key=idempotency_key,
        )
        return parse(api.Ticket, response)


Command = Literal["print_receipt", "dispense_card", "open_locker"]


class DevicesApi(Protocol):
    async def devices(self, branch_id: str | None = None) -> list[api.Device]: ...

    async def command(
        self, device_id: str, command: Command, params: dict[str, Any], *, idempotency_key: str
    ) -> api.DeviceJob: ...

    async def job(self, job_id: str) -> api.DeviceJob: ...


class HttpDevicesClient:
    backend = "devices"

    def __init__(self, http: BankHttp) -> None:
        self._http = http

    async def devices(self, branch_id: str | None = None) -> list[api.Device]:
        params = {"branch_id": branch_id} if branch_id else None
        response = await self._http.request(self.backend, "GET", "/v1/devices", params=params)
        return parse(list[api.Device], response)

    async def command(
        self, device_id: str, command: Command, params: dict[str, Any], *, idempotency_key: str
    ) -> api.DeviceJob:
        body = api.DeviceCommand(command=command, params=params).model_dump(mode="json")
        response = await self._http.request(
            self.backend, "POST", f"/v1/devices/{device_id}/commands", json=body, idempotency_key=idempotency_key
        )
        return parse(api.DeviceJob, response)

    async def job(self, job_id: str) -> api.DeviceJob:
        return parse(api.DeviceJob, await self._http.request(self.backend, "GET", f"/v1/devices/jobs/{job_id}"))

"""`BankPort` over the real `integrations` clients (`BankClients`): the only journeys module that imports them.

It turns the clients' pydantic bodies into JSON dicts for the journey state, validates write bodies
against the bank API's request models, and maps the clients' typed errors onto the port's:
`NeedsAuthorization` is not an error for a journey (the transfer exists and waits for a decision),
so it becomes the transfer body with status `requires_authorization`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from assistant.journeys import ports
from integrations import errors as bank_errors
from integrations import schemas as api
from integrations import schemas_orders as order_api
from integrations.bundle import BankClients
from integrations.clients.customers import LookupBy

T = TypeVar("T")
JSON = ports.JSON


def _json(value: BaseModel | list[Any]) -> Any:
    if isinstance(value, list):
        return [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
    return value.model_dump(mode="json")


async def _guard(call: Callable[[], Awaitable[T]]) -> T:
    """Map client errors to port errors (NeedsAuthorization is handled by the caller)."""
    try:
        return await call()
    except bank_errors.BankUnavailable as e:
        raise ports.BankUnavailable(str(e), e.code or "unavailable", e.detail) from e
    except bank_errors.NotFound as e:
        raise ports.BankNotFound(e.message, e.code or "not_found", e.detail) from e
    except (bank_errors.Rejected, bank_errors.InvalidRequest) as e:
        raise ports.BankRejected(e.message, e.code or "rejected", e.detail) from e
    except ValidationError as e:
        raise ports.BankRejected(f"invalid request: {e.errors()[0]['msg']}", "invalid_request") from e


class ClientsBankPort:
    """The journeys' `BankPort` backed by `BankClients` (in-process sandbox or a bank gateway)."""

    def __init__(self, clients: BankClients) -> None:
        self.clients = clients

    async def lookup_customer(
        self,
        *,
        id_number: str | None = None,
        phone: str | None = None,
        booking_code: str | None = None,
        qr_token: str | None = None,
    ) -> JSON:
        given = {
            k: v
            for k, v in {
                "id_number": id_number,
                "phone": phone,
                "booking_code": booking_code,
                "qr_token": qr_token,
            }.items()
            if v
        }
        if len(given) != 1:
            raise ports.BankRejected("give exactly one identifier", "invalid_request")
        ((by, value),) = given.items()
        ref = await _guard(lambda: self.clients.customers.lookup(cast(LookupBy, by), value))
        return cast(JSON, _json(ref))

    async def profile(self, customer_id: str) -> JSON:
        return cast(JSON, _json(await _guard(lambda: self.clients.customers.profile(customer_id))))

    async def bookings(self, customer_id: str) -> list[JSON]:
        return cast(list[JSON], _json(await _guard(lambda: self.clients.booking.bookings(customer_id))))

    async def transactions(self, account_id: str, limit: int = 10, months: int = 0) -> list[JSON]:
        since = months_before(dt.date.today(), months) if months > 0 else None
        found = await _guard(lambda: self.clients.customers.transactions(account_id, limit, since))
        return cast(list[JSON], _json(found))

    async def check_in(self, booking_code: str, *, idempotency_key: str) -> JSON:
        done = await _guard(lambda: self.clients.booking.check_in(booking_code, idempotency_key=idempotency_key))
        return cast(JSON, _json(done))

    async def queue_ticket(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.Ticket:
            request = api.TicketRequest.model_validate(dict(body))
            return await self.clients.booking.take_ticket(request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def risk_screen(self, body: Mapping[str, Any]) -> JSON:
        async def go() -> api.ScreenResult:
            return await self.clients.risk.screen(api.ScreenRequest.model_validate(dict(body)))

        return cast(JSON, _json(await _guard(go)))

    async def lookup_payee(self, account_number: str, name: str | None = None) -> JSON:
        found = await _guard(lambda: self.clients.transactions.lookup_payee(account_number, name))
        return cast(JSON, _json(found))

    async def transfer(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.Transfer:
            request = api.TransferRequest.model_validate(dict(body))
            try:
                return await self.clients.transactions.transfer(request, idempotency_key=idempotency_key)
            except bank_errors.NeedsAuthorization as e:
                return cast(api.Transfer, e.transfer)

        return cast(JSON, _json(await _guard(go)))

    async def authorization_status(self, authorization_id: str) -> JSON | None:
        """The bank API has no read of an authorization; the decision arrives as a staff event."""
        return None

    async def decide_authorization(
        self, authorization_id: str, approve: bool, approver: str, *, idempotency_key: str, note: str = ""
    ) -> JSON:
        """For the teller / expert side (not used by the steps): approve or reject, returns the authorization."""
        decided = await _guard(
            lambda: self.clients.transactions.decide_authorization(
                authorization_id, approve, approver, idempotency_key=idempotency_key, note=note
            )
        )
        return cast(JSON, _json(decided))

    async def report_card_loss(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.CardStatus:
            request = api.LossReportRequest.model_validate(dict(body))
            return await self.clients.transactions.report_card_loss(card_id, request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def replace_card(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.Replacement:
            request = api.ReplacementRequest.model_validate(dict(body))
            return await self.clients.transactions.replace_card(card_id, request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def open_time_deposit(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.Deposit:
            request = api.TimeDepositRequest.model_validate(dict(body))
            return await self.clients.transactions.open_time_deposit(request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def counter_order(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.CounterOrder:
            request = api.CounterOrderRequest.model_validate(dict(body))
            return await self.clients.transactions.counter_order(request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def fx_rates(self) -> JSON:
        return cast(JSON, _json(await _guard(self.clients.transactions.fx_rates)))

    async def verify_pin(self, account_id: str, customer_id: str, pin: str) -> JSON:
        done = await _guard(lambda: self.clients.verification.verify_pin(account_id, customer_id, pin))
        return cast(JSON, _json(done))

    async def verify_face(self, customer_id: str, image: str) -> JSON:
        return cast(JSON, _json(await _guard(lambda: self.clients.verification.verify_face(customer_id, image))))

    async def devices(self, branch_id: str) -> list[JSON]:
        return cast(list[JSON], _json(await _guard(lambda: self.clients.devices.devices(branch_id))))

    async def device_command(self, device_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> api.DeviceJob:
            command = api.DeviceCommand.model_validate(dict(body))
            return await self.clients.devices.command(
                device_id, command.command, command.params, idempotency_key=idempotency_key
            )

        return cast(JSON, _json(await _guard(go)))

    async def create_order(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        async def go() -> order_api.Order:
            request = order_api.OrderRequest.model_validate(dict(body))
            return await self.clients.orders.create(request, idempotency_key=idempotency_key)

        return cast(JSON, _json(await _guard(go)))

    async def confirm_order(self, order_id: str, by: str, ready: bool, *, idempotency_key: str) -> JSON:
        done = await _guard(
            lambda: self.clients.orders.confirm(order_id, by, ready=ready, idempotency_key=idempotency_key)
        )
        return cast(JSON, _json(done))

    async def reissue_order_code(self, order_id: str, by: str, *, idempotency_key: str) -> JSON:
        done = await _guard(lambda: self.clients.orders.reissue_code(order_id, by, idempotency_key=idempotency_key))
        return cast(JSON, _json(done))

    async def release_visit_orders(self, session_id: str, by: str, *, idempotency_key: str) -> list[JSON]:
        done = await _guard(lambda: self.clients.orders.release_visit(session_id, by, idempotency_key=idempotency_key))
        return cast(list[JSON], _json(done))


def bank_port(clients: BankClients) -> ports.BankPort:
    """The port for the engine (mypy checks here that the adapter satisfies the Protocol)."""
    return ClientsBankPort(clients)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (clamped to the month's end: 31 May - 3 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))

"""The narrow port the journey steps need from the bank, independent of any client library.

Results are plain JSON-ready dicts shaped like the bank API's bodies (`integrations.schemas`), so a
journey's state can keep them and be stored as JSON. Writes take the request body as a mapping (the
adapter validates it against the API's request models) and an idempotency key the engine derives.
`assistant/journeys/bank_adapter.py` maps this port onto the real `integrations` clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

JSON = dict[str, Any]


class BankError(Exception):
    """Base of the failures a step can handle; `code` is the back-end's stable machine code."""

    def __init__(self, message: str, code: str = "error", detail: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.detail = dict(detail or {})


class BankUnavailable(BankError):
    """Timeout, 5xx or an open circuit: the same call may be retried with the same idempotency key."""


class BankNotFound(BankError):
    """The customer, booking, card or authorization does not exist."""


class BankRejected(BankError):
    """A business refusal (limits, insufficient funds, card already reported): retrying will not help."""


class BankPort(Protocol):
    """Everything the shipped flows call. Async because every implementation does I/O."""

    async def lookup_customer(
        self,
        *,
        id_number: str | None = None,
        phone: str | None = None,
        booking_code: str | None = None,
        qr_token: str | None = None,
    ) -> JSON: ...

    async def profile(self, customer_id: str) -> JSON: ...

    async def bookings(self, customer_id: str) -> list[JSON]: ...

    async def transactions(self, account_id: str, limit: int = 10, months: int = 0) -> list[JSON]:
        """The latest `limit` transactions; with `months`, those of the last `months` calendar months."""
        ...

    async def check_in(self, booking_code: str, *, idempotency_key: str) -> JSON: ...

    async def queue_ticket(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def risk_screen(self, body: Mapping[str, Any]) -> JSON: ...

    async def lookup_payee(self, account_number: str, name: str | None = None) -> JSON:
        """A payee's account or card number as the bank resolves it (`integrations.schemas.PayeeAccount`);
        `BankNotFound` when it is a number of this bank that does not exist."""
        ...

    async def transfer(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def authorization_status(self, authorization_id: str) -> JSON | None:
        """The authorization as the bank sees it, or None when the back-end offers no status call."""
        ...

    async def report_card_loss(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def replace_card(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def open_time_deposit(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def counter_order(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...

    async def fx_rates(self) -> JSON: ...

    async def verify_pin(self, account_id: str, customer_id: str, pin: str) -> JSON:
        """The PIN typed on the kiosk's pad, checked by the bank once (never retried, never kept):
        `BankRejected` with code `wrong_pin` (`detail.tries_left`) or `pin_locked`."""
        ...

    async def verify_face(self, customer_id: str, image: str) -> JSON:
        """A camera still (base64 JPEG) matched with the ID photo: `BankRejected` with code `face_mismatch`
        (`detail.tries_left`), `face_locked` or `bad_image` (no try counted)."""
        ...

    async def devices(self, branch_id: str) -> list[JSON]: ...

    async def device_command(self, device_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> JSON: ...


@runtime_checkable
class OrderPort(Protocol):
    """Order tracking at the bank (docs/orders.md), for the `reserve` step and for items a `deliver` step holds.
    Apart from `BankPort` because a bank may not offer it: a port without it keeps the older behaviour (a
    pickup code made here and a follow-up on the visit), so nothing is lost either way."""

    async def create_order(self, body: Mapping[str, Any], *, idempotency_key: str) -> JSON:
        """`integrations.schemas_orders.Order`; `pickup_code` set only in the answer that made it."""
        ...

    async def confirm_order(self, order_id: str, by: str, ready: bool, *, idempotency_key: str) -> JSON: ...

    async def reissue_order_code(self, order_id: str, by: str, *, idempotency_key: str) -> JSON: ...

    async def release_visit_orders(self, session_id: str, by: str, *, idempotency_key: str) -> list[JSON]: ...


# Operations an `execute` step may name: (is_write, is_money). Money writes need a confirm step and a
# risk screen before them in the flow; every write needs a confirm step (checked at load and at run).
OPERATIONS: dict[str, tuple[bool, bool]] = {
    "transfer": (True, True),
    "open_time_deposit": (True, True),
    "counter_order": (True, True),
    "report_card_loss": (True, False),
    "replace_card": (True, False),
    "queue_ticket": (True, False),
    "check_in": (True, False),
    "fx_rates": (False, False),
    "transactions": (False, False),
    "profile": (False, False),
}

"""Typed errors of the bank clients: callers decide by type, never by parsing messages.

- `BankUnavailable`: the back-end did not answer usefully (timeout, connection refused, 5xx, 429, or
  its circuit breaker is open). Transient: the assistant degrades (apology, ticket, teller).
- `NotFound`: the thing asked for does not exist (404).
- `Rejected`: a business rule refused the request (409: insufficient funds, limit, closed authorisation).
- `InvalidRequest`: the request itself was wrong (400/422), a bug or bad input on our side.
- `NeedsAuthorization`: the transfer was accepted but waits for a teller's or expert's approval.
Messages never carry raw personal data: they are masked before they are built.
"""

from __future__ import annotations

from typing import Any

from integrations.pii import mask_text


class BankError(Exception):
    """Base of every bank client error."""

    def __init__(
        self,
        backend: str,
        message: str,
        *,
        code: str = "",
        status: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.backend = backend
        self.code = code
        self.status = status
        self.detail = detail or {}
        self.message = mask_text(message)
        super().__init__(f"{backend}: {self.message}" + (f" [{code}]" if code else ""))


class BankUnavailable(BankError):
    """Transient: retried for idempotent calls, counted by the circuit breaker."""

    def __init__(self, backend: str, message: str, *, circuit_open: bool = False, **kw: Any) -> None:
        super().__init__(backend, message, **kw)
        self.circuit_open = circuit_open


class NotFound(BankError):
    pass


class Rejected(BankError):
    pass


class InvalidRequest(BankError):
    pass


class NeedsAuthorization(BankError):
    """A transfer above the authorisation threshold: approve or reject `authorization_id`."""

    def __init__(self, backend: str, authorization_id: str, transfer: Any) -> None:
        super().__init__(backend, "transfer requires authorization", code="requires_authorization", status=202)
        self.authorization_id = authorization_id
        self.transfer = transfer


CALLER_ERRORS: tuple[type[BankError], ...] = (NotFound, Rejected, InvalidRequest, NeedsAuthorization)
"""Answers about the request, not about the back-end's health: they never trip a breaker."""

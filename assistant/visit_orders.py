"""Releasing what a visit reserved and never confirmed, when the visit ends.

A `reserve` step takes a product from the branch's stock before the customer's yes (so it is really theirs
while they decide). The journey engine releases it when the journey is cancelled or stops short; this is the
other end: a visit that ends (the kiosk ends it, or the idle sweep ends a walked-away customer's) releases
every unconfirmed reservation it made, at the bank, under one idempotency key per visit. The bank's hold is
the last resort (docs/orders.md). A failure is logged and never fails the end.
"""

from __future__ import annotations

from assistant.logging import get_logger
from integrations.bundle import BankClients
from integrations.errors import BankError

log = get_logger("lobby.orders")


class VisitOrders:
    def __init__(self, bank: BankClients) -> None:
        self.bank = bank

    async def release(self, session_id: str) -> list[str]:
        """The ids of the orders released (none when there were none or the bank is away)."""
        try:
            released = await self.bank.orders.release_visit(
                session_id, "visit ended", idempotency_key=f"visit-end:{session_id}"
            )
        except BankError as exc:
            log.warning("visit_orders_release_failed", session_id=session_id, error=str(exc))
            return []
        if released:
            log.info("visit_orders_released", session_id=session_id, orders=[o.id for o in released])
        return [o.id for o in released]

"""Money-moving steps into the tamper-evident audit chain.

DESIGN.md asks for audit records of staff actions *and* money-moving steps. A journey's write to the bank
is already in the transcript; the audit record is the copy nobody can quietly edit afterwards. Only
writes that succeeded and carried an idempotency key count (a failed call moved nothing); arguments are
the transcript's masked ones, so the audit log holds no raw personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assistant.audit import AuditLog

MONEY_OPERATIONS = frozenset({"transfer", "open_time_deposit", "counter_order", "report_card_loss", "replace_card"})
_RESULT_KEYS = ("id", "transfer_id", "deposit_id", "order_id", "status", "requires_authorization", "authorization_id")


def money_steps(calls: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The successful money-moving writes among a turn's back-end calls."""
    return [c for c in calls if c.get("ok") and c.get("idempotency_key") and c.get("operation") in MONEY_OPERATIONS]


def audit_money_steps(
    audit: AuditLog, session_id: str, channel: str, device_id: str | None, calls: Iterable[dict[str, Any]]
) -> int:
    """Append one `money_step` record per money-moving write; returns how many were written."""
    steps = money_steps(calls)
    actor = f"device:{device_id}" if device_id else f"session:{session_id}"
    for call in steps:
        raw = call.get("result")
        result: dict[str, Any] = raw if isinstance(raw, dict) else {}
        details = {
            "operation": call["operation"],
            "idempotency_key": call["idempotency_key"],
            "arguments": call.get("arguments") or {},
            "result": {k: result[k] for k in _RESULT_KEYS if k in result},
            "channel": channel,
        }
        audit.record(actor, "kiosk" if channel == "kiosk" else "teller", "money_step", session_id, details)
    return len(steps)

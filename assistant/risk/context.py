"""The per-session risk context: what was heard and seen during the visit, and the money step now open.

Why it lives in the session state (`state["risk"]`, plain JSON): a visit may move between replicas, and
the warning a customer heard at the start still matters when they reach the transfer's confirmation.
It is bounded: one entry per pattern and per vision event kind, at most `MAX_ATTEMPTS` attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_ATTEMPTS = 10
STOPPED = ("cancelled", "blocked", "rejected", "handed_off", "failed")


def memory(state: dict[str, Any]) -> dict[str, Any]:
    """The session's risk memory, created on first use."""
    found = state.get("risk")
    if not isinstance(found, dict):
        found = state["risk"] = {}
    found.setdefault("patterns", {})
    found.setdefault("vision", {})
    found.setdefault("attempts", [])
    found.setdefault("spoken", [])
    return found


@dataclass(frozen=True)
class MoneyContext:
    """The money step of the active journey, as far as the customer has told it."""

    journey: str
    amount: Decimal | None
    payee: str | None
    account: str | None  # the payee's account digits once given
    elderly: bool
    new_payee: bool
    other_bank: bool
    large: bool
    executed: bool
    awaiting: str | None
    bank: dict[str, Any] | None  # the bank's screening answer {decision, hits} when it was asked


def _amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def is_elderly(state: dict[str, Any]) -> bool:
    customer = state.get("customer") or {}
    profile = (state.get("journey") or {}).get("profile") or {}
    risk = state.get("risk") or {}
    return bool(customer.get("elderly") or profile.get("is_elderly") or risk.get("elderly"))


def _own_payee(journey: dict[str, Any], payee_account: str, payee_name: str) -> bool:
    profile = journey.get("profile") or {}
    own_numbers = {_digits(a.get("number")) for a in profile.get("accounts") or [] if isinstance(a, dict)}
    own_numbers |= {_digits(c.get("number")) for c in profile.get("cards") or [] if isinstance(c, dict)}
    if payee_account and payee_account in own_numbers:
        return True
    names = {profile.get("name"), profile.get("name_en"), (journey.get("customer") or {}).get("name")}
    return bool(payee_name) and payee_name in {n for n in names if n}


def _bank_screen(journey: dict[str, Any]) -> dict[str, Any] | None:
    for result in (journey.get("results") or {}).values():
        decided = isinstance(result, dict) and result.get("decision") in ("allow", "warn", "hold", "block")
        if decided and isinstance(result.get("hits"), list):
            return dict(result)
    return None


def money_context(
    state: dict[str, Any], money_journeys: frozenset[str], large_amount: float, home_bank: list[str]
) -> MoneyContext | None:
    """The open money step of the session's journey, or None when no money is about to move."""
    info = state.get("journey_info") or {}
    journey = state.get("journey") or {}
    name = str(info.get("name") or "")
    if name not in money_journeys or not journey or info.get("status") in STOPPED:
        return None
    slots = journey.get("slots") or {}
    amount = _amount(slots.get("amount"))
    payee_account = _digits(slots.get("payee_account"))
    payee_name = str(slots.get("payee_name") or "").strip()
    relation = (state.get("risk") or {}).get("relation")
    payee = payee_account or payee_name or None
    own = _own_payee(journey, payee_account, payee_name) or relation == "self"
    new_payee = payee is not None and not own and relation != "relative"
    bank_name = str(slots.get("payee_bank") or "").strip().lower()
    other_bank = bool(bank_name) and not any(b.lower() in bank_name for b in home_bank)
    awaiting = (journey.get("awaiting") or {}).get("kind")
    return MoneyContext(
        journey=name,
        amount=amount,
        payee=payee,
        account=payee_account or None,
        elderly=is_elderly(state),
        new_payee=new_payee,
        other_bank=other_bank and not own,
        large=amount is not None and amount >= Decimal(str(large_amount)),
        executed=bool(journey.get("executed")),
        awaiting=str(awaiting) if awaiting else None,
        bank=_bank_screen(journey),
    )


def note_attempt(risk: dict[str, Any], money: MoneyContext) -> int:
    """Remember a (payee, amount) the customer tried; returns how many different ones so far."""
    if money.account is None or money.amount is None:  # a payee's name alone is still being collected
        return len(risk["attempts"])
    signature = f"{money.account[-6:]}:{money.amount}"
    if signature not in risk["attempts"]:
        risk["attempts"] = (risk["attempts"] + [signature])[-MAX_ATTEMPTS:]
    return len(risk["attempts"])

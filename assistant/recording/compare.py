"""What the live path understood against what the recording says, one customer turn at a time (pure).

Only three things are compared, because they are what move money or bind the customer: amounts (read
with the NLU's own amount parser, so 一千二 and 1200 are the same amount and cn2an's reading is the one
the live path used), identifying numbers (account, card, phone, ID: digits only) and yes/no answers (the
NLU's own confirm/deny rules). A word heard differently elsewhere is noise a supervisor cannot act on.
A disagreement is only reported when both sides say something: a re-transcription that hears no amount
where the live path heard one is weaker evidence than the live path and is not a finding.

Texts and numbers in a finding are masked here already (a supervisor reads them; `integrations.pii`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from assistant.nlu.data import load_rules
from assistant.nlu.rules import RuleMatcher
from assistant.nlu.slots import extract_slots
from integrations.pii import Kind, classify_digits, mask_text, mask_value

NUMBER_SLOTS = {"account_number": "account number", "card_number": "card number", "phone": "phone number"}
NUMBER_SLOTS |= {"id_number": "ID number", "card_tail": "card tail"}
QUOTE_CHARS = 120


@dataclass(frozen=True)
class LiveTurn:
    """A customer turn as the live path took it: the text it recognised and the slots it understood."""

    seq: int
    text: str
    slots: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None


@lru_cache(maxsize=1)
def _yes_no_rules() -> RuleMatcher:
    return RuleMatcher(load_rules())


def yes_no(text: str) -> str | None:
    """'confirm', 'deny' or None: the same high-precision rules the live understanding applies."""
    hit = _yes_no_rules().match(text)
    return hit.intent if hit is not None and hit.intent in ("confirm", "deny") else None


def _amount(slots: dict[str, Any]) -> Decimal | None:
    amount = slots.get("amount")
    value = amount.get("value") if isinstance(amount, dict) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _shown(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value.normalize())


def _masked_number(slot: str, digits: str) -> str:
    kinds: dict[str, Kind] = {"phone": "phone", "id_number": "id_number", "card_tail": "account"}
    return mask_value(digits, kinds.get(slot) or classify_digits(digits))


def _finding(rule: str, severity: str, turn: LiveTurn, heard_text: str, message: str, **extra: Any) -> dict[str, Any]:
    detail = {
        "message": message,
        **extra,
        "live_text": mask_text(turn.text)[:QUOTE_CHARS],
        "reheard_text": mask_text(heard_text)[:QUOTE_CHARS],
    }
    return {"rule": rule, "severity": severity, "turn_seq": turn.seq, "detail": detail}


def compare_turn(turn: LiveTurn, reheard: str) -> list[dict[str, Any]]:
    """The disagreements of one turn, as compliance findings ({rule, severity, turn_seq, detail})."""
    if not reheard.strip():
        return []
    live_slots = {**extract_slots(turn.text), **{k: v for k, v in turn.slots.items() if v not in (None, "")}}
    again = extract_slots(reheard)
    found: list[dict[str, Any]] = []

    live_amount, heard_amount = _amount(live_slots), _amount(again)
    if live_amount is not None and heard_amount is not None and live_amount != heard_amount:
        live, heard = _shown(live_amount), _shown(heard_amount)
        message = f"amount heard differently: live {live}, re-heard {heard}"
        found.append(_finding("heard_amount_differs", "high", turn, reheard, message, live=live, reheard=heard))

    for slot, name in NUMBER_SLOTS.items():
        live_digits, heard_digits = str(live_slots.get(slot) or ""), str(again.get(slot) or "")
        if live_digits and heard_digits and live_digits != heard_digits:
            live, heard = _masked_number(slot, live_digits), _masked_number(slot, heard_digits)
            message = f"{name} differs: live {live}, re-heard {heard}"
            found.append(
                _finding("heard_number_differs", "high", turn, reheard, message, slot=slot, live=live, reheard=heard)
            )

    live_answer = yes_no(turn.text) or (turn.intent if turn.intent in ("confirm", "deny") else None)
    heard_answer = yes_no(reheard)
    if heard_answer is not None and live_answer is not None and live_answer != heard_answer:
        said = "no" if heard_answer == "deny" else "yes"
        severity = "high" if heard_answer == "deny" else "medium"  # a "no" taken as "yes" may have moved money
        message = f"customer said {said}: live took {'yes' if live_answer == 'confirm' else 'no'}"
        found.append(
            _finding("heard_answer_differs", severity, turn, reheard, message, live=live_answer, reheard=heard_answer)
        )
    return found

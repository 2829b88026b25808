"""Checks of a slot's value while it is collected (`check:` on a slot in a flow file).

Why here and not at the end: a payee account that does not exist, a name that is not the account
holder's, or an amount above the balance must be said while the customer is still answering, and the
answer asked again, not discovered after the confirmation (or, worse, after a colleague authorised it).
A check runs again whenever a value it depends on changes (a correction at any step), and once per value
otherwise: what was checked is kept in the journey's results under `CHECKED`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.journeys.ports import BankError, BankNotFound
from assistant.journeys.runtime import Run
from assistant.journeys.slots import SlotError, coerce
from assistant.journeys.spec import SlotCheck, SlotSpec

CHECKED = "slot_checks"  # results key: slot -> the values its check passed with
PAYEE = "payee_lookup"  # results key: what the bank said about the payee account
INFERRED = "inferred:"  # attempts key prefix: a slot filled from the bank's answer, not asked


def _signature(run: Run, name: str, check: SlotCheck) -> list[Any]:
    slots = run.state.slots
    related = check.name if check.kind == "payee_account" else check.account
    return [slots.get(name), slots.get(related) if related else None]


def _passed(run: Run, name: str, signature: list[Any]) -> None:
    run.state.results.setdefault(CHECKED, {})[name] = signature


async def check_slot(run: Run, name: str, spec: SlotSpec) -> str | None:
    """None when the value stands; else the slot to ask again (its value and the reason already said)."""
    check = spec.check
    if check is None or name not in run.state.slots:
        return None
    signature = _signature(run, name, check)
    if (run.state.results.get(CHECKED) or {}).get(name) == signature:
        return None
    again = _funds(run, name, check) if check.kind == "funds" else await _payee_account(run, name, check)
    if again is None:
        _passed(run, name, signature)
    else:
        run.state.slots.pop(again, None)
    return again


def _funds(run: Run, name: str, check: SlotCheck) -> str | None:
    account = run.selected().get(check.account or "")
    if account is None:
        return None
    try:
        balance = Decimal(str(account.get("balance")))
        amount = Decimal(str(run.state.slots[name]))
    except (InvalidOperation, ValueError):
        return None
    if amount <= balance:
        return None
    run.say("engine.insufficient_funds", amount=f"{amount:,.2f}", balance=f"{balance:,.2f}")
    return name


async def _payee_account(run: Run, name: str, check: SlotCheck) -> str | None:
    slots = run.state.slots
    number = str(slots[name])
    holder = slots.get(check.name) if check.name else None
    lookup = getattr(run.bank, "lookup_payee", None)
    if lookup is None:  # a back-end without an account check: the transfer itself is the check
        return None
    arguments = {"account_number": number, "name": holder}
    try:
        found: dict[str, Any] = await run.call("lookup_payee", arguments, lambda: lookup(number, holder))
    except BankNotFound:
        run.say("engine.payee_account_unknown")
        return name
    except BankError:
        return None  # the bank is busy: not a reason to refuse the account; the transfer is checked again
    run.state.results[PAYEE] = found
    if found.get("same_bank") and found.get("status") not in (None, "active"):
        run.say("engine.payee_account_inactive")
        return name
    if check.bank and found.get("same_bank") and check.bank not in slots:
        _fill_bank(run, check.bank, found.get("bank"))
    elif check.bank and not found.get("same_bank") and run.state.attempts.pop(f"{INFERRED}{check.bank}", None):
        slots.pop(check.bank, None)  # filled for the previous (own-bank) account: ask for this one's bank
    if found.get("name_matches") is False and check.name:
        run.say("engine.payee_name_mismatch", holder=found.get("holder_name_masked") or "")
        return check.name
    return None


def _fill_bank(run: Run, slot: str, bank: Any) -> None:
    """This bank's account: the bank need not be asked."""
    spec = run.flow.slots[slot]
    try:
        value = coerce(spec.model_copy(update={"allow_other": False}), bank)
    except SlotError:
        return
    run.state.slots[slot] = value
    run.state.attempts[f"{INFERRED}{slot}"] = 1  # unlike `auto:`, "go back" may still ask it

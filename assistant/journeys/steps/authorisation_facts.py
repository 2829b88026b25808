"""The facts a colleague needs to decide an authorisation, checked before the request is raised.

Why: an expert shown only an authorisation id approves blind, and a transfer above the balance reached
the expert and failed at the bank after approval. So before the journey waits for a decision it asks
the bank again, right now, for the source account's balance and the payee account (the slot checks ran
while the customer answered, but a balance can change since); a request that cannot succeed goes back to
the customer (the amount or the payee asked again) instead of to a colleague. What passed is kept in the
journey's results (`FACTS`) with personal data masked, for `GET /api/v1/handoffs/{id}`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.journeys.ports import BankError, BankNotFound
from assistant.journeys.runtime import Outcome, Run
from assistant.journeys.spec import CollectStep
from assistant.journeys.steps.checks import PAYEE
from integrations.pii import mask_value
from integrations.pii_names import mask_name

FACTS = "authorization_facts"
PAYEE_SLOTS = ("payee_name", "payee_account", "payee_bank")
PURPOSE_SLOTS = ("purpose", "remark", "usage")


def _slot_of_type(run: Run, kind: str) -> str | None:
    return next((name for name, spec in run.flow.slots.items() if spec.type == kind and name in run.state.slots), None)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


async def _fresh_account(run: Run, account_id: str) -> dict[str, Any] | None:
    """The account as the bank sees it now (the profile read at identification may be minutes old)."""
    customer_id = (run.state.customer or {}).get("customer_id")
    if customer_id:
        try:
            profile = await run.call("profile", {"customer_id": customer_id}, lambda: run.bank.profile(customer_id))
        except BankError:
            profile = None
        for account in (profile or {}).get("accounts") or []:
            if account.get("id") == account_id:
                return dict(account)
    return run.selected().get(_slot_of_type(run, "account") or "")


async def _payee(run: Run) -> tuple[dict[str, Any] | None, str | None]:
    """(what the bank says about the payee now, the slot to ask again when it cannot be paid)."""
    slots = run.state.slots
    number = slots.get("payee_account")
    if not number:
        return None, None
    holder = slots.get("payee_name")
    found: dict[str, Any] | None = run.state.results.get(PAYEE)
    lookup = getattr(run.bank, "lookup_payee", None)
    if lookup is not None:
        try:
            found = await run.call(
                "lookup_payee", {"account_number": number, "name": holder}, lambda: lookup(str(number), holder)
            )
        except BankNotFound:
            run.say("engine.payee_account_unknown")
            return None, "payee_account"
        except BankError:
            pass  # the bank is busy: the slot check's answer stands
    if found and found.get("same_bank") and found.get("status") not in (None, "active"):
        run.say("engine.payee_account_inactive")
        return found, "payee_account"
    if found and found.get("name_matches") is False:
        run.say("engine.payee_name_mismatch", holder=found.get("holder_name_masked") or "")
        return found, "payee_name"
    return found, None


def _ask_again(run: Run, slot: str) -> Outcome:
    """Back to the form step that owns `slot`: its value is dropped and the confirmation voided, so the
    transfer is confirmed and sent again (a new idempotency key) before anyone is asked to authorise it."""
    run.state.slots.pop(slot, None)
    run.state.results.pop(FACTS, None)
    run.invalidate_confirmations()
    run.state.executed = {}
    owner = next(s.id for s in run.flow.steps if isinstance(s, CollectStep) and slot in s.slots)
    return Outcome("goto", target=owner)


async def _withdraw(run: Run, auth_id: str, why: str) -> None:
    """Reject the bank's pending authorisation that will not be asked for (best effort: a back-end without
    the call, or one that is busy, leaves it pending; nobody is asked to decide it)."""
    decide = getattr(run.bank, "decide_authorization", None)
    if decide is None:
        return
    key = f"auth-{auth_id}-withdrawn"
    with contextlib.suppress(BankError):
        await run.call(
            "decide_authorization",
            {"authorization_id": auth_id, "approve": False},
            lambda: decide(auth_id, False, "lobby", idempotency_key=key, note=why),
            key,
        )


def _risk_reasons(run: Run) -> list[str]:
    reasons: list[str] = []
    for result in run.state.results.values():
        if isinstance(result, dict) and result.get("decision") in ("warn", "hold", "block"):
            for hit in result.get("hits") or []:
                text = hit.get("reason") or hit.get("rule") or hit.get("code") if isinstance(hit, dict) else hit
                if text:
                    reasons.append(str(text))
            if not result.get("hits"):
                reasons.append(f"screen: {result['decision']}")
    return reasons


async def gather(run: Run, auth_id: str) -> Outcome | None:
    """Check balance and payee now and keep the facts; an Outcome (ask the customer again) when the
    request cannot succeed, None when the colleague may be asked."""
    slots = run.state.slots
    amount_slot = _slot_of_type(run, "amount")
    amount = _decimal(slots.get(amount_slot)) if amount_slot else None
    account_slot = _slot_of_type(run, "account")
    account = await _fresh_account(run, str(slots[account_slot])) if account_slot else None
    balance = _decimal((account or {}).get("balance"))
    sufficient = None if amount is None or balance is None else amount <= balance
    if sufficient is False and amount_slot:
        run.say("engine.insufficient_funds", amount=f"{amount:,.2f}", balance=f"{balance:,.2f}")
        await _withdraw(run, auth_id, "insufficient funds")
        return _ask_again(run, amount_slot)
    payee, again = await _payee(run)
    if again is not None:
        await _withdraw(run, auth_id, "payee check failed")
        return _ask_again(run, again)
    number = slots.get("payee_account")
    relation = run.slot_labels().get("payee_relation")
    run.state.results[FACTS] = {
        "authorization_id": auth_id,
        "business": {"key": run.flow.name, "zh": run.flow.title.zh, "en": run.flow.title.en},
        "amount": f"{amount:.2f}" if amount is not None else None,
        "currency": (account or {}).get("currency") or "CNY",
        "payee": {
            "name_masked": mask_name(str(slots["payee_name"])) if slots.get("payee_name") else None,
            "account_masked": mask_value(str(number), "account") if number else None,
            "bank": slots.get("payee_bank"),
            "same_bank": (payee or {}).get("same_bank"),
            "name_matches": (payee or {}).get("name_matches"),
            "status": (payee or {}).get("status"),
        }
        if number
        else None,
        "source_account": {
            "id": account.get("id"),
            "number_masked": mask_value(str(account.get("number") or ""), "account"),
            "kind": account.get("kind"),
        }
        if account
        else None,
        "balance_check": {
            "sufficient": sufficient,
            "balance": f"{balance:.2f}" if balance is not None else None,
            "checked_at": dt.datetime.now(dt.UTC).isoformat(),
        },
        "purpose": next((str(slots[k]) for k in PURPOSE_SLOTS if slots.get(k)), None),
        "relation": relation,
        "risk_reasons": _risk_reasons(run),
        "raised_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    return None

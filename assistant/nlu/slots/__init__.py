"""`extract_slots(text, now=...)`: every slot in one utterance, as plain JSON-ready values.

Extractors run from the most specific to the most general and each one's text is blanked out for
the next, so an ID number is never read as an amount, 尾号1234 never as a time, 三个月 never as money
and 下午三点 never as three yuan.

Result keys (present only when found):
  amount {value, currency, text}, amounts [...] (when more than one),
  datetime {date, time, datetime, period (morning|noon|afternoon|evening), text},
  phone, id_number, card_number, card_tail,
  account_number (a payee's card or account number: any Luhn-valid card number, or 12 to 25 digits
  that are not a card, an ID or a phone, e.g. 账号是1101 0500 0100 4004),
  payee (a real name), payee_relation (mother, son... when the payee is named by relation: 给我妈转),
  bank (a known bank named: 工行 / 中国工商银行 -> 工商银行),
  currency (a foreign currency named, else the amount's), currencies [...],
  term {months, text}, product {id, name, kind, risk_level}, products [...],
  errors [{slot, reason, text}]  (e.g. an ID number whose check digit is wrong).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from assistant.nlu.slots.amounts import Amount, find_amounts
from assistant.nlu.slots.banks import find_bank
from assistant.nlu.slots.datetimes import When, find_when
from assistant.nlu.slots.identity import Found, find_identifiers, id_check_char, id_problem, luhn_ok
from assistant.nlu.slots.lexicon import Mention, Term, find_currencies, find_products, find_terms
from assistant.nlu.slots.numbers import spell_out_digits
from assistant.nlu.slots.payee import Payee, find_payee
from assistant.nlu.text import normalize

__all__ = [
    "Amount",
    "Found",
    "Mention",
    "Payee",
    "Term",
    "When",
    "extract_slots",
    "find_amounts",
    "find_currencies",
    "find_identifiers",
    "find_payee",
    "find_products",
    "find_terms",
    "find_when",
    "id_check_char",
    "id_problem",
    "luhn_ok",
    "money",
]

_BLANK = "\x00"
_ACCOUNT_CONTEXT = re.compile(r"账号|帐号|账户|帐户|account", re.IGNORECASE)
_ACCOUNT_DIGITS = re.compile(r"(?<![\d\x00])\d(?:[ -]?\d){11,24}(?![\d\x00])")
MAX_CHARS = 2000  # a turn longer than this is not speech; slots past it are ignored


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + _BLANK * (end - start) + text[end:]


def money(value: Decimal) -> int | float:
    """A JSON number for an amount: 5000 rather than 5000.0, 1.5 stays 1.5."""
    return int(value) if value == value.to_integral_value() else float(value)


# "转一千五，哦不对，是一千二": a correction between two amounts means the later one
_CORRECTION = re.compile(
    r"不对|不是|说错|搞错|错了|应该是|改成|改为|哦不|\bno\b.{0,3}(make it|i mean)|\bi mean\b|\bsorry\b|\bactually\b"
)


# "是三百，不是三千": an amount said right after a denial is the one the customer does not mean
_DENIED = re.compile(r"(不是|不要|并非|而不是|\bnot\b)\s*$")


def _meant(text: str, amounts: list[Amount]) -> Amount:
    """The amount the customer means: the first, unless they correct themselves before a later one; never
    one they deny ("是三百，不是三千")."""
    kept = [a for a in amounts if not _DENIED.search(text[max(0, a.start - 4) : a.start].lower())]
    amounts = kept or amounts
    last = amounts[-1]
    if len(amounts) > 1 and _CORRECTION.search(text[amounts[0].end : last.start].lower()):
        return last
    return amounts[0]


def _amount_dict(a: Amount) -> dict[str, Any]:
    return {"value": money(a.value), "currency": a.currency, "text": a.text}


def extract_slots(text: str, now: datetime | None = None) -> dict[str, Any]:
    """All slots in `text` (raw customer text: Traditional characters, full-width digits and spelled
    digits are fine), with dates resolved against `now` (default: the current local time)."""
    now = now or datetime.now()
    work = spell_out_digits(normalize(text[: MAX_CHARS * 2])[:MAX_CHARS])
    slots: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    for item in find_identifiers(work, today=now.date()):
        if item.kind == "card_number" and item.problem == "bad_check_digit":
            # Customers say 卡号 for account numbers too, and account numbers carry no Luhn digit (this bank's
            # are 16 digits): kept as the payee's number, which the bank checks while it is collected.
            slots.setdefault("account_number", item.value)
            if not _ACCOUNT_CONTEXT.search(work):  # said to be a card: as a card number it fails its check
                errors.append({"slot": item.kind, "reason": item.problem, "text": work[item.start : item.end]})
        elif item.problem:
            errors.append({"slot": item.kind, "reason": item.problem, "text": work[item.start : item.end]})
        else:
            slots.setdefault(item.kind, item.value)
            if item.kind == "card_number":
                slots.setdefault("card_tail", item.value[-4:])
                slots.setdefault("account_number", item.value)
        work = _blank(work, item.start, item.end)
    for m in _ACCOUNT_DIGITS.finditer(work):
        slots.setdefault("account_number", re.sub(r"\D", "", m.group()))
        work = _blank(work, m.start(), m.end())

    when = find_when(work, now)
    if when is not None:
        slots["datetime"] = {
            "date": when.date.isoformat(),
            "time": when.time.strftime("%H:%M") if when.time else None,
            "datetime": when.datetime.isoformat() if when.datetime else None,
            "period": when.period,
            "text": when.text,
        }
        work = _blank(work, when.start, when.end)

    terms = find_terms(work)
    if terms:
        slots["term"] = {"months": terms[0].months, "text": terms[0].text}
        for term in terms:
            work = _blank(work, term.start, term.end)

    amounts = find_amounts(work)
    if amounts:
        slots["amount"] = _amount_dict(_meant(work, amounts))
        if len(amounts) > 1:
            slots["amounts"] = [_amount_dict(a) for a in amounts]

    currencies = [m.value for m in find_currencies(work)]
    currencies += [a.currency for a in amounts if a.currency and a.currency not in currencies]
    if currencies:
        foreign = [c for c in currencies if c != "CNY"]
        slots["currency"] = foreign[0] if foreign else currencies[0]
        if len(set(currencies)) > 1:
            slots["currencies"] = list(dict.fromkeys(currencies))

    for amount in amounts:
        work = _blank(work, amount.start, amount.end)
    payee = find_payee(work)
    if payee is not None and payee.name:
        slots["payee"] = payee.name
    if payee is not None and payee.relation:
        slots["payee_relation"] = payee.relation

    bank = find_bank(work)
    if bank is not None:
        slots["bank"] = bank

    products = find_products(work)
    if products:
        slots["product"] = _product_dict(products[0])
        if len(products) > 1:
            slots["products"] = [_product_dict(p) for p in products]

    if errors:
        slots["errors"] = errors
    return slots


def _product_dict(product: Any) -> dict[str, Any]:
    return {"id": product.id, "name": product.name, "kind": product.kind, "risk_level": product.risk_level}

"""Answers the bank's systems know today, not its documents: the foreign-exchange rates.

Why: the documents say how exchange works and that rates are indicative, but carry no rate; asked "美元现在
多少钱一块" or "how many yuan do I get for 500 euros", retrieval found the nearest passage (a list of
currencies) and the customer never heard a number. The rate comes from the bank's own rates service at the
moment of asking, is recorded as a back-end call like a journey's, and the answer cites the document that
says rates are indicative. Nothing is guessed: without the bank, the documents answer as before.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.nlu.slots import extract_slots
from knowledge.models import Answer

RATE_QUESTION = re.compile(
    r"汇率|牌价|多少钱一|多少人民币|换多少|能换|兑多少|换成人民币|什么价|\bexchange rates?\b|\brates?\b|"
    r"how (much|many) (yuan|rmb|renminbi)|\bworth\b",
    re.IGNORECASE,
)
TO_RMB = re.compile(r"换成人民币|换人民币|兑人民币|结汇|多少人民币|(yuan|rmb|renminbi)\b", re.IGNORECASE)
FX_DOCS = ("fx-exchange",)
NAMES = {  # Chinese, English singular, English plural
    "USD": ("美元", "US dollar", "US dollars"),
    "EUR": ("欧元", "euro", "euros"),
    "JPY": ("日元", "Japanese yen", "Japanese yen"),
    "HKD": ("港币", "Hong Kong dollar", "Hong Kong dollars"),
    "GBP": ("英镑", "pound sterling", "pounds sterling"),
}


def asks_rate(text: str) -> bool:
    return bool(RATE_QUESTION.search(text))


def _yuan(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


def rate_sentences(rates: list[dict[str, Any]], text: str, language: str) -> str | None:
    """One sentence per currency asked about (all of them when none is named), and, for an amount in
    that currency, what it comes to in yuan at the rate that applies (the bank buys what the customer
    sells)."""
    slots = extract_slots(text)
    wanted = [str(c) for c in (slots.get("currencies") or [slots.get("currency")]) if c and c != "CNY"]
    by_code = {str(r.get("currency")): r for r in rates}
    codes = [c for c in wanted if c in by_code] or list(by_code)
    if not codes:
        return None
    amount = slots.get("amount") or {}
    lines: list[str] = []
    for code in codes:
        rate = by_code[code]
        try:
            unit, buy, sell = Decimal(str(rate.get("unit", 1))), Decimal(str(rate["buy"])), Decimal(str(rate["sell"]))
        except (InvalidOperation, KeyError):
            continue
        zh, en_one, en = NAMES.get(code, (code, code, code))
        each = f"{unit}" if unit != 1 else ""
        if language == "en":
            per = f"{each} {en}" if each else en
            line = f"Today's indicative rate for {per}: the bank buys at {buy} yuan and sells at {sell} yuan."
        else:
            line = f"今天{each}{zh}的参考汇率：银行买入价{buy}元，卖出价{sell}元。"
        if amount.get("currency") == code and amount.get("value"):
            value = Decimal(str(amount["value"]))
            selling = bool(TO_RMB.search(text)) and "买" not in text and "购汇" not in text
            price = buy if selling else sell
            total = value / unit * price
            if language == "en":
                verb = "you would receive about" if selling else "it costs about"
                named = en_one if value == 1 else en
                line += f" For {amount['value']:,} {named}, {verb} {_yuan(total)} yuan."
            else:
                verb = "约可换得人民币" if selling else "约需人民币"
                line += f"{amount['value']:,}{zh}{verb}{_yuan(total)}元。"
        lines.append(line)
    if not lines:
        return None
    note = (
        " Rates are indicative; the counter's rate at the time of the deal applies."
        if language == "en"
        else "以上为参考价，以柜台成交时为准。"
    )
    return (" " if language == "en" else "").join(lines) + note


async def fx_answer(
    bank: Any, calls: list[dict[str, Any]], text: str, language: str, cited: Answer | None
) -> Answer | None:
    """The live answer to a rate question, or None (no bank, the bank is down, no rate known). `calls`
    gets the rates call (the turn's back-end calls); `cited` lends its citations (the FX document)."""
    if bank is None or not asks_rate(text):
        return None
    started = time.perf_counter()
    error: str | None = None
    result: Any = None
    try:
        result = await bank.fx_rates()
    except Exception as exc:  # the bank is busy or down: the documents answer instead
        error = type(exc).__name__
    calls.append(
        {
            "operation": "fx_rates",
            "arguments": {},
            "idempotency_key": None,
            "ok": error is None,
            "error": error,
            "result": result,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    )
    rates = (result or {}).get("rates") if isinstance(result, dict) else None
    if not rates:
        return None
    said = rate_sentences(list(rates), text, language)
    if said is None:
        return None
    citations = list(cited.citations) if cited is not None and not cited.abstained else []
    return Answer(question=text, answer=said, citations=citations, confidence=1.0, abstained=False, language=language)

"""Rate questions answered with the bank's rates of the moment: which currency, which side of the rate."""

from __future__ import annotations

import pytest

from assistant.conversation.live_facts import asks_rate, rate_sentences

pytestmark = pytest.mark.unit

RATES = [
    {"currency": "USD", "unit": 1, "buy": "7.1020", "sell": "7.1320"},
    {"currency": "EUR", "unit": 1, "buy": "7.6840", "sell": "7.7460"},
    {"currency": "JPY", "unit": 100, "buy": "4.7210", "sell": "4.7590"},
]


def test_buying_foreign_currency_costs_the_selling_rate() -> None:
    said = rate_sentences(RATES, "美元现在多少钱一块？我想换三千美元给孩子留学用", "zh")
    assert said is not None and "卖出价7.1320元" in said and "3,000美元约需人民币21,396.00元" in said
    assert "欧元" not in said  # only the currency asked about


def test_selling_foreign_currency_gets_the_buying_rate() -> None:
    said = rate_sentences(RATES, "What's the euro rate? I want to change 500 euros into RMB.", "en")
    assert said is not None and "For 500 euros, you would receive about 3,842.00 yuan." in said


def test_yen_is_quoted_per_hundred_and_every_currency_when_none_is_named() -> None:
    assert "今天100日元的参考汇率" in (rate_sentences(RATES, "日元汇率多少", "zh") or "")
    every = rate_sentences(RATES, "今天汇率多少", "zh") or ""
    assert all(name in every for name in ("美元", "欧元", "日元")) and every.endswith("以柜台成交时为准。")


def test_only_rate_questions_are_answered_live() -> None:
    assert asks_rate("欧元汇率是多少") and asks_rate("How many yuan do I get for one euro?")
    assert not asks_rate("外汇额度每年多少") and not asks_rate("我要换外汇")

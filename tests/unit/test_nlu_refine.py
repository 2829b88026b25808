"""Readings made precise by a slot or a phrase the turn carries (assistant/nlu/data/refinements.yaml)."""

from __future__ import annotations

import pytest

from assistant.nlu.refine import refine
from assistant.nlu.understanding import TurnUnderstanding

pytestmark = pytest.mark.unit


def reading(business: str, text: str) -> TurnUnderstanding:
    return TurnUnderstanding(
        act="request", business=business, confidence=0.8, language="zh", text=text, intent=business, source="model"
    )


def test_a_deposit_for_a_term_is_a_time_deposit() -> None:
    text = "那行，给我存两万，一年的"
    refined = refine(reading("deposit", text), text, {"term": {"months": 12}, "amount": {"value": 20000}})
    assert refined.business == refined.intent == "time_deposit"
    assert refined.reasons[-1] == "refined deposit -> time_deposit"
    plain = "存两万块钱"
    assert refine(reading("deposit", plain), plain, {"amount": {"value": 20000}}).business == "deposit"


@pytest.mark.parametrize(
    ("text", "business"),
    [
        ("俺想把这个月的养老金取出来，三千块", "withdrawal"),
        ("I'd like to take out my pension money", "withdrawal"),
        ("个人养老金到了退休怎么取出来", "pension_account"),  # the personal pension scheme stays itself
        ("我想开个人养老金账户", "pension_account"),
        ("养老金账户里的钱啥时候能取出来", "pension_account"),  # the personal pension account: its own rules
        ("这个个人养老金跟我退休领的那个养老金是一回事不", "pension_account"),
    ],
)
def test_taking_the_state_pension_out_is_a_cash_withdrawal(text: str, business: str) -> None:
    assert refine(reading("pension_account", text), text, {}).business == business


def asked(text: str, business: str = "card_loss", act_confidence: float = 0.55) -> TurnUnderstanding:
    return TurnUnderstanding(
        act="question",
        business=business,
        confidence=0.8,
        language="zh",
        text=text,
        intent=business,
        source="model",
        act_confidence=act_confidence,
    )


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("能帮我挂失一下吗", "request"),
        ("I think I lost my credit card at the mall, can you block it?", "request"),
        ("可以帮我取个号吗", "request"),
        ("能不能提前还款", "question"),  # whether it is allowed: a question
        ("我能不能替我妈取钱", "question"),  # may I act for my mother: a question
        ("Can you tell me the rate?", "question"),
    ],
)
def test_a_polite_request_is_a_request(text: str, act: str) -> None:
    refined = refine(asked(text), text, {})
    assert refined.act == act
    if act == "request":
        assert refined.act_confidence >= 0.7 and refined.reasons[-1] == "refined act question -> request"


def test_a_rule_reading_is_left_as_it_is() -> None:
    text = "能帮我挂失一下吗"
    rule = TurnUnderstanding(
        act="question",
        business="card_loss",
        confidence=1.0,
        language="zh",
        text=text,
        intent="card_loss",
        source="rule",
    )
    assert refine(rule, text, {}) is rule


@pytest.mark.parametrize(
    ("text", "read_as", "business", "act"),
    [
        ("我没预约，能直接排个号吗？我要去柜台取点钱", "withdrawal", "queue_ticket", "request"),  # the ticket
        ("我要存钱，先取个号", "deposit", "queue_ticket", "question"),
        ("我要取两万块钱", "withdrawal", "withdrawal", "question"),
        ("取号码是多少", "withdrawal", "withdrawal", "question"),
    ],
)
def test_a_ticket_asked_for_with_the_reason_is_a_ticket(text: str, read_as: str, business: str, act: str) -> None:
    refined = refine(asked(text, business=read_as), text, {})
    assert (refined.business, refined.act) == (business, act)

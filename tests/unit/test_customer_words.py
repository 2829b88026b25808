"""What the customer reads and hears, piece by piece: the spoken form of private journey texts, the
queue position in words, receipts in one language, a prompt's hint not said twice, a confirmation's
fee said aloud, and a referral that names no place of its own (the cited document says where)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from assistant.conversation import replies
from assistant.journeys.catalog import load_messages
from assistant.journeys.loader import load_flows
from assistant.journeys.one_language import in_language
from assistant.journeys.queue_words import ahead_words, tickets_ahead
from assistant.journeys.spec import Localized
from assistant.journeys.steps.interaction import question_only

pytestmark = pytest.mark.unit

FLOWS_DIR = Path(__file__).resolve().parents[2] / "assistant" / "journeys" / "flows"


def _localized(value: Any) -> Iterator[Localized]:
    """Every customer text in a flow or message model, however deep."""
    if isinstance(value, Localized):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _localized(getattr(value, name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from _localized(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _localized(item)


def test_no_journey_text_says_a_balance_aloud() -> None:
    """A text that shows the customer's balance has a spoken form that does not carry it."""
    texts = list(_localized(load_messages())) + [t for flow in load_flows(FLOWS_DIR).values() for t in _localized(flow)]
    showing = [t for t in texts if "balance}" in t.zh + t.en]  # {result.latest.by.{slot.account}.balance}
    assert len(showing) >= 2  # the statement's balance and the transfer's "not enough" at least
    for text in showing:
        assert text.speech is not None, text.zh
        assert "balance}" not in text.speech.zh + text.speech.en


def test_unfinished_business_has_a_spoken_form_without_its_content() -> None:
    message = load_messages().messages["precheck.missing_documents"]
    assert message.speech is not None
    assert "{" not in message.speech.zh + message.speech.en and "屏幕" in message.speech.zh


def test_the_queue_position_in_words() -> None:
    messages = load_messages()
    assert ahead_words(messages, 0) == {"zh": "马上就到您了", "en": "you are next"}
    assert ahead_words(messages, 6) == {"zh": "前面还有6位", "en": "6 ahead of you"}
    assert "0" not in ahead_words(messages, None)["zh"]
    results = {"ticket": {"number": "A001", "waiting_ahead": 0}, "check_in": {"ticket": {"waiting_ahead": 3}}}
    assert tickets_ahead(messages, results) == {
        "ticket": {"zh": "马上就到您了", "en": "you are next"},
        "check_in": {"zh": "前面还有3位", "en": "3 ahead of you"},
    }


def test_no_flow_reads_a_raw_count_of_customers_ahead() -> None:
    for flow in load_flows(FLOWS_DIR).values():
        for text in _localized(flow):
            assert "waiting_ahead}" not in text.zh + text.en, (flow.name, text.zh)


def test_receipt_lines_are_printed_in_the_visits_language_only() -> None:
    params = {
        "account_id": "A1001",
        "lines": [
            "交易流水 Statement",
            {"zh": "账户: 账户（尾号1001）", "en": "Account: account ending 1001"},
            "排队号 Ticket: A017",
            "理财非存款，产品有风险，投资须谨慎 Wealth products are not deposits; invest with care",
        ],
    }
    assert in_language(params, "en")["lines"] == [
        "Statement",
        "Account: account ending 1001",
        "Ticket: A017",
        "Wealth products are not deposits; invest with care",
    ]
    assert in_language(params, "zh")["lines"] == [
        "交易流水",
        "账户: 账户（尾号1001）",
        "排队号: A017",
        "理财非存款，产品有风险，投资须谨慎",
    ]
    assert in_language(params, "en")["account_id"] == "A1001"


def test_no_receipt_line_mixes_the_languages_in_its_value() -> None:
    """A bilingual line's value is a code, number or name, never one language's label (`{label.x.zh}`)."""
    for flow in load_flows(FLOWS_DIR).values():
        for step in flow.steps:
            for line in (getattr(step, "params", None) or {}).get("lines") or []:
                if isinstance(line, str):
                    assert ".zh}" not in line and ".en}" not in line, (flow.name, line)


def test_after_the_slots_own_error_only_the_question_is_asked_again() -> None:
    assert question_only("您计划每年缴存多少？上限为12,000元。") == "您计划每年缴存多少？"
    assert question_only("How much? The cap is 12,000 yuan.") == "How much?"
    assert question_only("请问金额是多少？") == "请问金额是多少？"
    assert question_only("请输入收款账号。") == "请输入收款账号。"


def test_a_card_replacement_confirmation_says_its_fee_whatever_the_age() -> None:
    confirm = next(s for s in load_flows(FLOWS_DIR)["card_loss"].steps if s.id == "confirm_replacement")
    fees = [f for f in confirm.fields if f.label.zh == "工本费"]
    assert len(fees) == 2 and all(f.said is not None for f in fees)
    said = [f.said for f in fees if f.said is not None]
    assert "5元" in said[0].zh and "免收" in said[1].zh


def test_a_referral_names_a_place_not_the_only_place() -> None:
    """The document after it says where (智能柜台 or 柜台): the prefix says where it can be done, never that
    it must be done there, nor that "this machine" cannot (which the smart counter's documents contradict)."""
    said = replies.render("not_at_kiosk", "zh", title="信息变更", where="柜台")
    assert "可以到柜台办理" in said and "需要" not in said and "自助机" not in said
    said = replies.render("not_at_kiosk", "en", title="personal details change", where="at the counter")
    assert "can be done at the counter" in said and "kiosk" not in said


@pytest.mark.parametrize("key", ["handoff_created", "handoff_already", "complaint", "low_confidence_handoff"])
def test_nobody_ahead_for_a_colleague_reads_as_you_are_next(key: str) -> None:
    nobody = replies.render(key, "zh", position=0)
    assert "马上就到您了" in nobody and "0位" not in nobody
    assert "you are next" in replies.render(key, "en", position=0).lower()
    assert "前面还有2位" in replies.render(key, "zh", position=2)

"""The shipped rules (rules.yaml): short dialogue acts decided without embeddings, and keywords."""

from __future__ import annotations

import pytest

from assistant.nlu.data import RuleFile, load_intents, load_rules
from assistant.nlu.rules import RuleMatcher
from assistant.nlu.text import normalize

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def rules() -> RuleMatcher:
    return RuleMatcher(load_rules(known=[s.name for s in load_intents()]))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("是的", "confirm"),
        ("对", "confirm"),
        ("确认", "confirm"),
        ("对对对", "confirm"),
        ("嗯，就是这个", "confirm"),
        ("好的。", "confirm"),
        ("嗯嗯", "confirm"),
        ("Yes!", "confirm"),
        ("OK", "confirm"),
        ("that's right", "confirm"),
        ("是的。", "confirm"),
        ("不是", "deny"),
        ("不对", "deny"),
        ("不用了", "deny"),
        ("不用了，谢谢", "deny"),
        ("取消", "deny"),
        ("算了吧", "deny"),
        ("No.", "deny"),
        ("no thanks", "deny"),
        ("never mind", "deny"),
        ("转人工", "human_agent"),
        ("我要找人工", "human_agent"),
        ("人工服务", "human_agent"),
        ("叫个工作人员", "human_agent"),
        ("I want to talk to a human", "human_agent"),
        ("我要投诉", "complaint"),
        ("I want to file a complaint", "complaint"),
        ("返回", "go_back"),
        ("上一步", "go_back"),
        ("Go back", "go_back"),
        ("重新开始", "start_over"),
        ("start over", "start_over"),
        ("谢谢", "thanks"),
        ("謝謝你", "thanks"),  # Traditional, normalised first as the engine does
        ("thank you", "thanks"),
        ("再见", "goodbye"),
        ("bye", "goodbye"),
        ("你好", "greeting"),
        ("Hello", "greeting"),
    ],
)
def test_rules_decide_short_acts(rules: RuleMatcher, text: str, intent: str) -> None:
    hit = rules.match(normalize(text))
    assert hit is not None, text
    assert hit.intent == intent


@pytest.mark.parametrize(
    "text",
    [
        "是的，我要转账五千",  # a confirmation with a request: the kNN decides
        "不对劲，我的卡被吞了",
        "人工智能是什么",  # 人工 inside 人工智能 is not a request for a person
        "我想取钱",
        "",
        "。。。",
    ],
)
def test_rules_leave_the_rest_to_the_matcher(rules: RuleMatcher, text: str) -> None:
    assert rules.match(text) is None


def test_keywords_by_characters_sound_and_english(rules: RuleMatcher) -> None:
    hits, intents = rules.keywords("我的卡丢了要挂是")
    assert "card_loss" in intents
    assert any(h.keyword == "挂失" and not h.exact for h in hits)
    _, intents = rules.keywords("what is the fee for a transfer")
    assert {"fees_limits", "transfer"} <= intents


def test_an_english_keyword_inside_a_longer_one_counts_for_the_longer_one(rules: RuleMatcher) -> None:
    _, intents = rules.keywords("I would like to open a fixed deposit")
    assert "time_deposit" in intents and "deposit" not in intents
    _, intents = rules.keywords("I want to deposit cash")
    assert "deposit" in intents


def test_rule_file_rejects_bad_regex() -> None:
    with pytest.raises(ValueError, match="bad regex"):
        RuleFile.model_validate({"rules": [{"intent": "confirm", "patterns": ["(unclosed"]}]})

"""Safe conditions, placeholder rendering and slot validation (no eval, no bank)."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.journeys.catalog import load_messages
from assistant.journeys.conditions import evaluate
from assistant.journeys.render import render_text, render_value
from assistant.journeys.slots import SlotError, coerce, map_slots, yes_no
from assistant.journeys.spec import Condition, SlotSpec

pytestmark = pytest.mark.unit

DATA: dict[str, Any] = {
    "slot": {"amount": "50000.00", "payee_bank": "示范银行", "delayed": False},
    "profile": {"age": 72, "risk_tolerance": "C1"},
    "result": {"transfer": {"status": "requires_authorization", "authorization_id": "AUTH1"}},
    "context": {"channel": "kiosk"},
    "customer": {},
}


def cond(**kw: Any) -> Condition:
    return Condition.model_validate(kw)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"slot": "amount", "gt": 50000}, False),
        ({"slot": "amount", "gte": 50000}, True),
        ({"slot": "amount", "eq": 50000}, True),
        ({"slot": "amount", "lt": 50000.01}, True),
        ({"slot": "payee_bank", "in": ["示范银行", "本行"]}, True),
        ({"slot": "payee_bank", "not_in": ["示范银行"]}, False),
        ({"slot": "missing", "exists": False}, True),
        ({"slot": "missing", "gt": 1}, False),
        ({"slot": "delayed", "eq": True}, False),
        ({"slot": "delayed", "truthy": False}, True),
        ({"profile": "age", "gte": 65}, True),
        ({"result": "transfer.status", "eq": "requires_authorization"}, True),
        ({"result": "check_in", "exists": False}, True),
        ({"context": "channel", "ne": "teller"}, True),
        ({"all": [{"slot": "amount", "gte": 1}, {"profile": "age", "lt": 65}]}, False),
        ({"any": [{"slot": "amount", "gte": 1}, {"profile": "age", "lt": 65}]}, True),
        ({"not": {"profile": "risk_tolerance", "eq": "C1"}}, False),
    ],
)
def test_conditions(condition: dict[str, Any], expected: bool) -> None:
    assert evaluate(cond(**condition), DATA) is expected


def test_condition_shape_is_checked() -> None:
    with pytest.raises(ValueError):
        cond(slot="amount", profile="age", eq=1)
    with pytest.raises(ValueError):
        cond(all=[{"slot": "a", "eq": 1}], slot="b", eq=2)


def test_render_text_and_nested_placeholders() -> None:
    data = {"slot": {"currency": "USD", "amount": "10.00"}, "result": {"fx": {"by": {"USD": {"sell": "7.1320"}}}}}
    assert render_text("卖出价{result.fx.by.{slot.currency}.sell}元", data) == "卖出价7.1320元"
    assert render_text("{slot.nothing}元", data) == "元"
    assert render_text("{__class__}", data) == "{__class__}"  # not a namespace path: left as text
    assert render_value({"amount": "{slot.amount}", "list": ["{slot.currency}"]}, data) == {
        "amount": "10.00",
        "list": ["USD"],
    }
    assert render_value("{slot.nothing}", data) is None


def spec(**kw: Any) -> SlotSpec:
    return SlotSpec.model_validate({"prompt": {"zh": "？", "en": "?"}, **kw})


def test_amounts() -> None:
    s = spec(type="amount", min=50, max=500000)
    assert coerce(s, "¥5,000") == "5000.00"
    assert coerce(s, 120.5) == "120.50"
    assert coerce(s, "300元") == "300.00"
    for bad in ("10", "600000", "五千", True, ""):
        with pytest.raises(SlotError):
            coerce(s, bad)


def test_choices_and_other() -> None:
    s = spec(
        type="choice",
        choices=[{"value": "kiosk", "label": {"zh": "现场领取", "en": "Here now"}, "synonyms": ["现场"]}],
    )
    assert coerce(s, "我要现场领") == "kiosk"
    assert coerce(s, "Here now") == "kiosk"
    with pytest.raises(SlotError):
        coerce(s, "寄给我")
    other = spec(type="choice", allow_other=True, choices=[{"value": "示范银行", "label": {"zh": "本行", "en": "us"}}])
    assert coerce(other, "建设银行") == "建设银行"
    term = spec(type="integer", choices=[{"value": "12", "label": {"zh": "1年", "en": "1 year"}, "synonyms": ["一年"]}])
    assert coerce(term, 12) == 12 and coerce(term, "一年") == 12


def test_owned_accounts_and_cards() -> None:
    cards = [{"id": "K1", "number": "6217991001001001018"}, {"id": "K2", "number": "6258991001001003"}]
    s = spec(type="card")
    assert coerce(s, "尾号1018", cards) == "K1"
    assert coerce(s, "K2", cards) == "K2"
    with pytest.raises(SlotError):
        coerce(s, "尾号1018")  # no cards of this customer: nothing can match
    with pytest.raises(SlotError):
        coerce(s, "尾号9999", cards)
    assert coerce(s, "1018", cards) == "K1"


def test_phone_and_account_numbers() -> None:
    assert coerce(spec(type="phone"), "150 2108 9876") == "15021089876"
    with pytest.raises(SlotError):
        coerce(spec(type="phone"), "12345")
    assert coerce(spec(type="account_number"), "6222-0000-1111") == "622200001111"
    with pytest.raises(SlotError):
        coerce(spec(type="account_number"), "abc")


def test_text_limits() -> None:
    s = spec(type="text", min_length=2, max_length=4, pattern=r"[\u4e00-\u9fff]+")
    assert coerce(s, " 张三 ") == "张三"
    for bad in ("张", "张三李四王五", "ab"):
        with pytest.raises(SlotError):
            coerce(s, bad)


def test_yes_no_deny_wins() -> None:
    m = load_messages()
    assert yes_no("确认", m) is True
    assert yes_no("是的，确认转账", m) is True
    assert yes_no("yes please", m) is True
    assert yes_no("不确认", m) is False
    assert yes_no("不对", m) is False
    assert yes_no("no", m) is False
    assert yes_no("今天天气怎么样", m) is None
    assert yes_no("是", m) is True
    assert yes_no("是谁", m) is None  # a single-character yes only counts as the whole answer
    assert yes_no("好了吗", m) is None
    assert yes_no("knowledge", m) is None  # "no" inside a word is not a no


def test_nlu_slots_map_onto_flow_slots() -> None:
    specs = {
        "loan_amount": spec(type="amount"),
        "loan_term": spec(type="integer"),
        "payee_name": spec(type="text", nlu="payee"),
        "card": spec(type="card"),
    }
    nlu = {"amount": {"value": 100000, "text": "十万"}, "term": {"months": 36}, "payee": "张三", "card_tail": "1018"}
    assert map_slots(nlu, specs) == {"loan_amount": 100000, "loan_term": 36, "payee_name": "张三", "card": "1018"}
    assert map_slots({"loan_amount": 5, "amount": {"value": 7}}, specs)["loan_amount"] == 5

"""The risk engine on session states: evidence combined into a score and an action, the money step's
local rules, the bank's answer as a floor, camera events, and what the customer is told."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.risk import RiskEngine
from assistant.risk.combiner import BankAnswer, Evidence, combine
from assistant.risk.rules import load_rules

pytestmark = pytest.mark.unit

THRESHOLDS = load_rules().thresholds
ZHANG_ACCOUNT = "1101050001001001"


@pytest.fixture
def engine() -> RiskEngine:
    return RiskEngine()


def transfer_state(
    amount: Any = None,
    payee: str | None = None,
    account: str | None = None,
    bank: str | None = None,
    elderly: bool = False,
    screen: dict[str, Any] | None = None,
    awaiting: str = "slot",
) -> dict[str, Any]:
    slots = {
        k: v
        for k, v in {"amount": amount, "payee_name": payee, "payee_account": account, "payee_bank": bank}.items()
        if v
    }
    profile = {"name": "张伟", "is_elderly": elderly, "accounts": [{"number": ZHANG_ACCOUNT}], "cards": []}
    return {
        "customer": {"customer_id": "C1001", "elderly": elderly},
        "journey_info": {"name": "transfer", "step": "details", "status": "active"},
        "journey": {
            "slots": slots,
            "profile": profile,
            "results": {"screen": screen} if screen else {},
            "awaiting": {"kind": awaiting},
            "executed": {},
        },
    }


def test_noisy_or_and_context_only_with_evidence() -> None:
    context = Evidence("context:elderly", 0.1, "elderly", primary=False)
    assert combine([context], [], THRESHOLDS).action == "allow"
    assert combine([context], [], THRESHOLDS).score == 0.0
    two = combine([Evidence("script:a", 0.5, "a"), Evidence("script:b", 0.5, "b")], [], THRESHOLDS)
    assert two.score == pytest.approx(0.75) and two.action == "hold"
    assert two.patterns == ["a", "b"]


def test_the_bank_answer_is_a_floor_not_added() -> None:
    local = [Evidence("rule:x", 0.5, "x")]
    bank = BankAnswer("payment", "warn", [{"list": "anti_fraud", "score": 0.5, "reason": "elderly"}])
    decision = combine(local, [bank], THRESHOLDS)
    assert decision.action == "warn" and decision.score == pytest.approx(0.5)
    blocked = combine([], [BankAnswer("payment", "block", [{"list": "fraud_accounts", "score": 0.95}])], THRESHOLDS)
    assert blocked.action == "block" and blocked.bank == "block"
    assert any("fraud_accounts" in r for r in blocked.reasons)


def test_script_then_money_step_escalates(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "他还在电话里等着我")
    assert engine.assess(state).action == "warn"
    state.update(transfer_state(amount="60000", payee="王磊", account="6222020200112233445", bank="工商银行"))
    decision = engine.assess(state)
    assert decision.action == "hold" and decision.money
    assert "script:phone_stranger" in decision.codes and "rule:other_bank_new_payee_large" in decision.codes


def test_elderly_large_new_payee_warns_but_own_account_and_relative_do_not(engine: RiskEngine) -> None:
    risky = transfer_state(amount="80000", payee="赵刚", account="6222020200998877665", bank="示范银行", elderly=True)
    assert engine.assess(risky).action == "warn"
    own = transfer_state(amount="80000", payee="张伟", account=ZHANG_ACCOUNT, bank="示范银行", elderly=True)
    assert engine.assess(own).action == "allow"
    relative = transfer_state(
        amount="80000", payee="张小伟", account="6222020200998877665", bank="示范银行", elderly=True
    )
    engine.hear(relative, "收款人是我儿子")
    assert engine.assess(relative).action == "allow"


def test_many_attempts_count_distinct_account_and_amount(engine: RiskEngine) -> None:
    state = transfer_state(amount="2000", payee="李秀英", account="1101050001002002", bank="示范银行")
    for amount in ("2000", "3000"):
        state["journey"]["slots"]["amount"] = amount
        assert engine.assess(state).action == "allow"
    state["journey"]["slots"]["amount"] = "5000"
    decision = engine.assess(state)
    assert decision.action == "warn" and "rule:many_attempts" in decision.codes


def test_camera_events_count_more_while_money_moves(engine: RiskEngine) -> None:
    idle: dict[str, Any] = {}
    assert engine.see(idle, {"event": "phone_at_ear"}) == "phone_at_ear"
    assert engine.see(idle, {"event": "gaze", "yaw": 3}) is None
    assert engine.assess(idle).action == "allow"
    moving = transfer_state(payee="王磊")
    engine.see(moving, {"event": "phone_at_ear"})
    assert engine.assess(moving).action == "warn"
    operating = transfer_state(payee="王磊")
    assert engine.see(operating, {"event": "extra_face_close_behind", "operating": True}) == "operating_for_customer"
    assert engine.assess(operating).action == "warn"


def test_identity_screen_and_payment_screen_are_remembered(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.note_identity(state, "C1003", {"decision": "block", "hits": [{"list": "aml_sanctions", "score": 1.0}]})
    assert engine.assess(state).action == "block"
    later: dict[str, Any] = {}
    engine.note_payment(later, {"decision": "block", "hits": [{"list": "fraud_accounts", "score": 0.95}]})
    engine.note_payment(later, {"decision": "allow", "hits": []})  # a milder later answer does not erase it
    assert engine.assess(later).action == "block"


def test_warnings_name_the_pattern_once(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "领导微信让我马上给一个账户转三万块")
    decision = engine.assess(state)
    assert engine.unspoken(state, decision) == ["script:relative_emergency"]
    assert "冒充亲友" in engine.say(decision, "zh")
    assert "relative or boss" in engine.say(decision, "en")
    engine.mark_spoken(state, decision)
    assert engine.unspoken(state, engine.assess(state)) == []


def test_hold_and_block_words(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "公安局说我涉嫌洗钱，要我转到安全账户")
    held = engine.assess(state)
    assert held.action == "hold"
    assert "安全账户" in engine.say(held, "zh") and "同事" in engine.say(held, "zh")
    engine.note_identity(state, "C1003", {"decision": "block", "hits": []})
    assert "cannot be sent" in engine.say(engine.assess(state), "en")


def test_decision_shape_follows_the_contract(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "客服让我开了屏幕共享")
    shape = engine.assess(state).to_dict()
    assert shape["type"] == "risk_decision" and shape["action"] in ("allow", "warn", "hold", "block")
    assert isinstance(shape["score"], float) and shape["patterns"] == ["screen_sharing"] and shape["reasons"]


def test_money_moved_in_a_staff_session_raises_a_warning(engine: RiskEngine) -> None:
    state = transfer_state(amount="2000", payee="李秀英", account="1101050001002002", bank="示范银行")
    assert engine.assess(state).action == "allow"
    state["risk"]["channel"] = "teller"
    decision = engine.assess(state)
    assert decision.action == "warn" and "channel:teller" in decision.codes


FRAUD_NAME_ANSWER = {
    "decision": "warn",
    "hits": [{"list": "fraud_accounts", "reason": "reported fraud account", "score": 0.475}],
}


def test_a_directing_script_holds_every_later_money_step(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "电话里的人让我来银行转钱")
    assert engine.assess(state).action == "warn"  # a warning while no money moves
    assert engine.assess(state, opening=True).action == "hold"  # asking to start a transfer is held
    state.update(transfer_state(payee="王磊"))
    held = engine.assess(state)
    assert held.action == "hold" and held.money and any(r.startswith("floor:hold") for r in held.reasons)


def test_a_scam_told_during_a_time_deposit_holds_it(engine: RiskEngine) -> None:
    state = transfer_state(amount="10000")
    state["journey_info"]["name"] = "time_deposit"
    engine.hear(state, "对了，刚才有人打电话说我的银行卡有异常，让我把钱转出去")
    decision = engine.assess(state)
    assert decision.action == "hold" and decision.money
    said = engine.say(decision, "zh")
    assert "安全账户" in said and "不会让您" in said and "同事" in said  # the pattern, its advice, a colleague


def test_every_scam_script_holds_the_money_step_a_warning_alone_is_not_enough(engine: RiskEngine) -> None:
    """Warned customers confirmed anyway in a usability run (3 of 11 scam visits): every script that ends
    in sending money holds the money step for a colleague."""
    assert all(p.money_floor == "hold" for p in engine.rules.patterns.values())
    state = transfer_state(payee="王磊")
    engine.hear(state, "网店客服说我买的东西有质量问题要给我退款")
    decision = engine.assess(state)
    assert decision.action == "hold" and any(r.startswith("floor:hold") for r in decision.reasons)


def test_a_payee_on_the_fraud_list_named_anywhere_holds_the_visit(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    assert engine.payees_to_screen(state, "我要给周建国转五万") == ["周建国"]
    engine.note_payee(state, "周建国", FRAUD_NAME_ANSWER)
    assert engine.payees_to_screen(state, "我要给周建国转五万") == []  # screened once a visit
    decision = engine.assess(state)
    assert decision.action == "hold" and decision.bank == "warn" and "list:payee" in decision.codes
    assert any("fraud_accounts" in r for r in decision.reasons)  # the supervisor sees the list
    for language in ("zh", "en"):
        said = engine.say(decision, language)
        assert "fraud" not in said and "名单" not in said and "周建国" not in said  # the customer does not


def test_an_ordinary_payee_is_screened_and_left_alone(engine: RiskEngine) -> None:
    state = transfer_state(payee="李秀英")
    assert engine.payees_to_screen(state) == ["李秀英"]  # the name the journey collected
    engine.note_payee(state, "李秀英", {"decision": "allow", "hits": []})
    assert engine.payees_to_screen(state) == []
    assert engine.assess(state).action == "allow"


def test_renting_out_a_card_is_refused_and_holds_later_money(engine: RiskEngine) -> None:
    refused = engine.refusal("我想把我的银行卡租出去，一个月给八百")
    assert refused is not None and "断卡行动" in refused.advice.zh and "illegal" in refused.advice.en
    assert engine.refusal("我朋友的银行卡丢了，他能来这里挂失吗") is None
    assert engine.refusal("他还在电话上等着") is None  # warned, not refused
    state: dict[str, Any] = {}
    engine.hear(state, "朋友让我帮他走账，钱打到我卡上再转出去")
    assert engine.assess(state).action == "warn"
    assert engine.assess(state, opening=True).action == "hold"


def test_a_generic_script_counts_only_without_a_specific_one(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "公安局说我涉嫌洗钱，要我转到安全账户")
    assert set(state["risk"]["patterns"]) == {"safe_account", "police_impersonation"}
    other: dict[str, Any] = {}
    engine.hear(other, "客服让我转五万到一个账户")
    assert set(other["risk"]["patterns"]) == {"instructed_payment"}
    assert engine.assess(other, opening=True).action == "hold"  # someone directs the payment: a colleague checks


def test_a_scam_story_the_understanding_recognised_holds_later_money_steps(engine: RiskEngine) -> None:
    """Worded so that no pattern hears it; the recogniser read it as a scam story (fraud_report)."""
    state: dict[str, Any] = {}
    story = "网上认识的朋友说她那边的活动今天截止，名额难得，让我赶紧上车"
    assert engine.hear(state, story) == []
    assert not engine.hear_understood(state, "fraud_report", 0.3, story)  # unsure: not counted
    assert not engine.hear_understood(state, "transfer", 0.9, story)
    assert engine.hear_understood(state, "fraud_report", 0.8, story)
    decision = engine.assess(state)
    assert decision.action == "warn" and decision.patterns == ["scam_story"]
    assert "诈骗" in engine.say(decision, "zh")
    assert engine.assess(state, opening=True).action == "hold"  # a transfer later in the visit waits for staff


def test_the_understanding_adds_nothing_when_a_pattern_already_named_the_scam(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    engine.hear(state, "客服让我开了屏幕共享")
    assert not engine.hear_understood(state, "fraud_report", 0.9, "客服让我开了屏幕共享")
    assert list(state["risk"]["patterns"]) == ["screen_sharing"]


def test_a_customer_saying_nobody_is_behind_it_is_no_scam_story(engine: RiskEngine) -> None:
    state: dict[str, Any] = {}
    said = "是我自己要转的，没有人让我转"
    assert engine.hear(state, said) == []
    assert not engine.hear_understood(state, "fraud_report", 0.9, said)
    assert engine.assess(state).action == "allow"

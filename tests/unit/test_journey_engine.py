"""The engine's control flow: cancel, back, start over, side questions, resume from serialised state,
conditions, confirmation before money, risk blocks, authorisation, retries with a stable key.

The bank here is `InMemoryBankDouble`, a test double of the journeys' `BankPort` (the integration
tests run the same flows against the real sandbox through the real clients).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from assistant.journeys import (
    AdvanceResult,
    BankNotFound,
    BankUnavailable,
    JourneyEngine,
    JourneyError,
    JourneyInput,
)
from assistant.journeys.loader import check
from assistant.journeys.spec import Flow

pytestmark = pytest.mark.unit

PROFILE = {
    "customer_id": "C1",
    "name": "测试客户",
    "age": 40,
    "risk_tolerance": "C3",
    "risk_assessment_valid": True,
    "marketing_consent": True,
    "accounts": [{"id": "A1", "number": "1101050001001001", "kind": "salary", "status": "active", "balance": "900.00"}],
    "cards": [],
    "bookings": [],
    "applications": [],
    "wealth": [],
}


class InMemoryBankDouble:
    """Test double of BankPort: records calls; screening and failures are set per test."""

    def __init__(self) -> None:
        self.decision = "allow"
        self.fail_transfers = 0
        self.transfers: dict[str, dict[str, Any]] = {}
        self.keys: list[str] = []
        self.auth: dict[str, Any] | None = None
        self.balance = "900.00"  # what `profile` answers for the one account (asked again before authorising)

    async def lookup_customer(self, **kw: str | None) -> dict[str, Any]:
        if kw.get("qr_token") != "QR-OK":
            raise BankNotFound("no such customer", "not_found")
        return {"customer_id": "C1", "name": "测试客户", "language": "zh", "matched_by": "qr_token"}

    async def profile(self, customer_id: str) -> dict[str, Any]:
        return {**PROFILE, "accounts": [{**PROFILE["accounts"][0], "balance": self.balance}]}

    async def bookings(self, customer_id: str) -> list[dict[str, Any]]:
        return []

    async def transactions(self, account_id: str, limit: int = 10, months: int = 0) -> list[dict[str, Any]]:
        return []

    async def check_in(self, booking_code: str, *, idempotency_key: str) -> dict[str, Any]:
        raise BankNotFound("no booking")

    async def queue_ticket(self, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"number": "A001", "waiting_ahead": 0}

    async def risk_screen(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return {"decision": self.decision, "hits": []}

    async def transfer(self, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        self.keys.append(idempotency_key)
        if self.fail_transfers:
            self.fail_transfers -= 1
            raise BankUnavailable("timeout", "unavailable")
        if idempotency_key not in self.transfers:
            big = float(body["amount"]) > 50000
            self.transfers[idempotency_key] = {
                "id": f"T{len(self.transfers) + 1}",
                "status": "requires_authorization" if big else "completed",
                "authorization_id": "AUTH1" if big else None,
                "amount": body["amount"],
            }
        return self.transfers[idempotency_key]

    async def authorization_status(self, authorization_id: str) -> dict[str, Any] | None:
        return self.auth

    async def report_card_loss(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"card_id": card_id, "status": "lost"}

    async def replace_card(self, card_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"ready": "later"}

    async def open_time_deposit(self, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"id": "D1"}

    async def counter_order(self, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"id": "O1", "pickup_code": "123456"}

    async def fx_rates(self) -> dict[str, Any]:
        return {"rates": []}

    async def devices(self, branch_id: str) -> list[dict[str, Any]]:
        return []

    async def device_command(self, device_id: str, body: Mapping[str, Any], *, idempotency_key: str) -> dict[str, Any]:
        return {"status": "completed"}


L = {"zh": "问", "en": "ask"}
PAY_FLOW: dict[str, Any] = {
    "name": "pay",
    "title": {"zh": "付款", "en": "Pay"},
    "pattern": "business",
    "business_type": "transfer",
    "completed": {"zh": "付款完成", "en": "Paid"},
    "slots": {
        "from_account": {"type": "account", "prompt": {"zh": "哪个账户？", "en": "Which account?"}},
        "payee_name": {"type": "text", "prompt": {"zh": "收款人？", "en": "Payee?"}},
        "amount": {"type": "amount", "min": 1, "max": 500000, "prompt": {"zh": "金额？", "en": "Amount?"}},
        "memo": {"type": "text", "when": {"slot": "amount", "gt": 10000}, "prompt": {"zh": "用途？", "en": "Purpose?"}},
    },
    "steps": [
        {
            "id": "identify",
            "kind": "identify",
            "methods": ["qr"],
            "strong": True,
            "prompt": {"zh": "请扫码", "en": "Scan"},
        },
        {"id": "precheck", "kind": "precheck"},
        {"id": "details", "kind": "collect", "slots": ["from_account", "payee_name", "amount", "memo"]},
        {"id": "screen", "kind": "risk_screen", "amount": "amount", "counterparty_name": "payee_name"},
        {
            "id": "confirm",
            "kind": "confirm",
            "title": {"zh": "核对", "en": "Check"},
            "prompt": {
                "zh": "向{slot.payee_name}付{slot.amount}元，确认吗？",
                "en": "Pay {slot.amount} to {slot.payee_name}?",
            },
            "fields": [{"label": {"zh": "金额", "en": "Amount"}, "value": "{slot.amount}"}],
        },
        {
            "id": "execute",
            "kind": "execute",
            "operation": "transfer",
            "save_as": "transfer",
            "args": {
                "from_account_id": "{slot.from_account}",
                "to_name": "{slot.payee_name}",
                "amount": "{slot.amount}",
            },
        },
        {
            "id": "authorise",
            "kind": "authorise",
            "when": {"result": "transfer.status", "eq": "requires_authorization"},
            "authorization_id": "transfer.authorization_id",
            "save_as": "transfer",
            "prompt": {"zh": "等待授权", "en": "Awaiting authorisation"},
        },
    ],
}


def make_flow(raw: dict[str, Any]) -> Flow:
    flow = Flow.model_validate(raw)
    check(flow, f"{flow.name}.yaml")
    return flow


@pytest.fixture
def bank() -> InMemoryBankDouble:
    return InMemoryBankDouble()


@pytest.fixture
def engine(bank: InMemoryBankDouble) -> JourneyEngine:
    return JourneyEngine(bank, flows={"pay": make_flow(PAY_FLOW)})


def roundtrip(result: AdvanceResult) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(result.state, ensure_ascii=False))
    return loaded


async def to_confirm(engine: JourneyEngine, amount: str = "500") -> AdvanceResult:
    r = await engine.start("pay", {"session_id": "S1"})
    r = await engine.advance(
        roundtrip(r), {"action": "event", "event": {"type": "qr_scanned", "data": {"qr_token": "QR-OK"}}}
    )
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "payee_name"}  # the one account: automatic
    r = await engine.advance(roundtrip(r), {"text": "王五"})
    r = await engine.advance(roundtrip(r), {"text": amount})
    return r


async def test_happy_path_and_serialised_resume(bank: InMemoryBankDouble) -> None:
    first = JourneyEngine(bank, flows={"pay": make_flow(PAY_FLOW)})
    r = await to_confirm(first)
    assert r.awaiting == {"kind": "confirm", "step": "confirm"}
    assert "向王五付500.00元" in r.text("zh")
    stored = json.dumps(r.state)  # e.g. in the session row; then the process restarts
    second = JourneyEngine(bank, flows={"pay": make_flow(PAY_FLOW)})
    done = await second.advance(json.loads(stored), JourneyInput(action="yes"))
    assert done.journey.status == "completed" and done.journey.step is None
    assert [c.operation for c in done.calls] == ["transfer"]
    assert "付款完成" in done.text("zh")


async def test_cancel_at_any_step(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"text": "取消"})
    assert r.journey.status == "cancelled"
    assert not bank.transfers
    again = await engine.advance(roundtrip(r), {"text": "确认"})
    assert again.journey.status == "cancelled" and not again.calls


async def test_back_reasks_the_previous_answer(engine: JourneyEngine) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"action": "back"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "amount"}
    assert "amount" not in r.state["slots"]
    r = await engine.advance(roundtrip(r), {"text": "上一步"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "payee_name"}
    r = await engine.advance(roundtrip(r), {"text": "赵六"})
    r = await engine.advance(roundtrip(r), {"text": "800"})
    assert "向赵六付800.00元" in r.text("zh")


async def test_saying_no_at_confirm_goes_back(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"text": "不对"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "amount"}
    assert not bank.transfers


async def test_start_over_keeps_identity(engine: JourneyEngine) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"text": "重新开始"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "payee_name"}
    assert r.state["slots"] == {"from_account": "A1"} and r.state["customer"]["customer_id"] == "C1"
    assert "从头开始" in r.text("zh")


async def test_side_question_then_same_step(engine: JourneyEngine) -> None:
    r = await to_confirm(engine)
    before = r.state
    side = await engine.advance(roundtrip(r), {"action": "side_question", "text": "你们几点关门？"})
    assert side.state == before and side.awaiting == r.awaiting
    assert "向王五付500.00元" in side.text("zh")
    again = await engine.current_prompt(before)
    assert again.state == before and again.cards[0].type == "confirmation" and not again.calls


async def test_unclear_answer_at_confirm_does_not_execute(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"text": "嗯…让我想想"})
    assert r.awaiting == {"kind": "confirm", "step": "confirm"} and not bank.transfers


async def test_conditional_slot_is_asked_only_when_it_applies(engine: JourneyEngine) -> None:
    r = await to_confirm(engine, amount="20000")
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "memo"}
    r = await engine.advance(roundtrip(r), {"text": "学费"})
    assert r.awaiting == {"kind": "confirm", "step": "confirm"}


async def test_invalid_answer_is_reasked_then_gives_up(engine: JourneyEngine) -> None:
    r = await engine.start("pay", {"session_id": "S1"}, event={"type": "qr_scanned", "data": {"qr_token": "QR-OK"}})
    r = await engine.advance(roundtrip(r), {"text": "王五"})
    r = await engine.advance(roundtrip(r), {"text": "很多钱"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "amount"}
    assert r.reply[0].key == "engine.invalid_answer"
    r = await engine.advance(roundtrip(r), {"text": "999999999"})
    r = await engine.advance(roundtrip(r), {"text": "abc"})
    assert r.journey.status == "handed_off" and r.handoff is not None
    assert r.handoff.reason == "slot_not_understood:amount" and r.handoff.summary["slots"]["payee_name"] == "王五"


async def test_correction_after_confirm_needs_a_new_confirmation(
    engine: JourneyEngine, bank: InMemoryBankDouble
) -> None:
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"text": "不对，是300", "slots": {"amount": 300}})
    assert r.awaiting == {"kind": "confirm", "step": "confirm"} and "付300.00元" in r.text("zh")
    assert not bank.transfers
    r = await engine.advance(roundtrip(r), {"text": "确认"})
    assert r.journey.status == "completed"
    (only,) = bank.transfers.values()
    assert only["amount"] == "300.00"


async def test_money_never_moves_without_confirmation(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    r = await to_confirm(engine)
    forged = roundtrip(r)
    forged.update(step="execute", awaiting=None)  # a tampered or buggy state that skips the confirm step
    out = await engine.advance(forged, {"text": "好的"})
    assert out.journey.status == "failed" and not bank.transfers and not out.calls
    assert "未经您确认" in out.text("zh")


async def test_risk_block_stops_the_flow(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.decision = "block"
    r = await to_confirm(engine)
    assert r.journey.status == "blocked" and not bank.transfers
    after = await engine.advance(roundtrip(r), {"action": "yes"})
    assert after.journey.status == "blocked" and not bank.transfers


async def test_risk_hold_hands_off_with_context(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.decision = "hold"
    r = await to_confirm(engine)
    assert r.journey.status == "handed_off" and r.handoff is not None
    assert r.handoff.skill == "risk_review" and r.handoff.priority == "high"
    assert (
        r.handoff.summary["slots"]["payee_name"] == "王五" and r.handoff.summary["risk"]["screen"]["decision"] == "hold"
    )


async def test_risk_warning_needs_acknowledgement(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.decision = "warn"
    r = await to_confirm(engine)
    assert r.awaiting == {"kind": "risk_ack", "step": "screen"} and "安全账户" in r.text("zh")
    side = await engine.current_prompt(r.state)
    assert side.awaiting == r.awaiting and "安全账户" in side.text("zh")
    r = await engine.advance(roundtrip(r), {"text": "不要了"})
    assert r.journey.status == "cancelled" and not bank.transfers


async def test_authorisation_approved_via_staff_event(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.balance = "100000.00"
    r = await to_confirm(engine, amount="60000")
    r = await engine.advance(roundtrip(r), {"text": "学费"})
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    assert r.journey.status == "waiting_authorization" and r.authorization == {"id": "AUTH1", "status": "pending"}
    r = await engine.advance(roundtrip(r), {"text": "好了吗", "action": "reply"})
    assert r.journey.status == "waiting_authorization"
    customer_fake = await engine.advance(roundtrip(r), {"text": "approved", "slots": {"status": "approved"}})
    assert customer_fake.journey.status == "waiting_authorization"  # customer text never approves
    event = {
        "type": "authorization_decided",
        "data": {"id": "AUTH1", "status": "approved", "transfer": {"status": "completed"}},
    }
    r = await engine.advance(roundtrip(r), {"action": "event", "event": event})
    assert r.journey.status == "completed" and r.state["results"]["transfer"]["status"] == "completed"


async def test_authorisation_rejected_from_bank_status(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.balance = "100000.00"
    r = await to_confirm(engine, amount="60000")
    r = await engine.advance(roundtrip(r), {"text": "学费"})
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    bank.auth = {"id": "AUTH1", "status": "rejected"}  # the bank's own view wins over any event
    event = {"type": "authorization_decided", "data": {"id": "AUTH1", "status": "approved"}}
    r = await engine.advance(roundtrip(r), {"action": "event", "event": event})
    assert r.journey.status == "rejected" and "未获授权" in r.text("zh")


async def test_balance_is_checked_again_before_an_authorisation_is_raised(
    engine: JourneyEngine, bank: InMemoryBankDouble
) -> None:
    r = await to_confirm(engine, amount="60000")  # the balance is 900: nobody is asked to authorise this
    r = await engine.advance(roundtrip(r), {"text": "学费"})
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    assert r.journey.status != "waiting_authorization" and r.authorization is None and r.handoff is None
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "amount"}  # asked again
    assert "不足" in r.text("zh") and "900.00" in r.text("zh")
    assert "authorization_facts" not in r.state["results"]


async def test_cancel_while_waiting_for_authorisation(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.balance = "100000.00"
    r = await to_confirm(engine, amount="60000")
    r = await engine.advance(roundtrip(r), {"text": "学费"})
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    r = await engine.advance(roundtrip(r), {"action": "cancel"})
    assert r.journey.status == "cancelled" and r.authorization == {"id": "AUTH1", "status": "abandoned"}


async def test_retry_reuses_the_idempotency_key(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.fail_transfers = 1
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    assert r.awaiting == {"kind": "retry", "step": "execute"} and r.journey.status == "active"
    assert not r.calls[0].ok
    r = await engine.advance(roundtrip(r), {"text": "重试"})
    assert r.journey.status == "completed"
    assert len(bank.keys) == 2 and bank.keys[0] == bank.keys[1] and len(bank.transfers) == 1


async def test_new_request_after_start_over_gets_a_new_key(engine: JourneyEngine, bank: InMemoryBankDouble) -> None:
    bank.fail_transfers = 1
    r = await to_confirm(engine)
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    r = await engine.advance(roundtrip(r), {"action": "restart"})
    r = await engine.advance(roundtrip(r), {"text": "王五"})
    r = await engine.advance(roundtrip(r), {"text": "700"})
    r = await engine.advance(roundtrip(r), {"action": "yes"})
    assert r.journey.status == "completed" and len(set(bank.keys)) == 2


async def test_identification_failures(engine: JourneyEngine) -> None:
    r = await engine.start("pay", {"session_id": "S1"})
    r = await engine.advance(
        roundtrip(r), {"action": "event", "event": {"type": "qr_scanned", "data": {"qr_token": "QR-BAD"}}}
    )
    assert r.reply[0].key == "engine.identify_not_found" and r.awaiting and r.awaiting["kind"] == "identify"
    r = await engine.advance(roundtrip(r), {"text": "我的手机是13911260451"})
    assert r.reply[0].key == "engine.identify_too_weak"  # a phone number is not enough to move money


async def test_known_customer_skips_identification(engine: JourneyEngine) -> None:
    r = await engine.start(
        "pay", {"session_id": "S1", "customer_id": "C1", "identified_by": "id_card"}, slots={"amount": "50"}
    )
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "payee_name"}


async def test_weak_session_identity_is_not_enough_for_money(engine: JourneyEngine) -> None:
    ctx = {"session_id": "S1", "customer_id": "C1", "identified_by": "phone"}
    r = await engine.start("pay", ctx)
    assert r.awaiting is not None and r.awaiting["kind"] == "identify"


async def test_text_is_never_a_boolean_slot_value(bank: InMemoryBankDouble) -> None:
    raw = {**PAY_FLOW, "slots": {**PAY_FLOW["slots"], "delayed": {"type": "bool", "prompt": L}}}
    raw["steps"] = [dict(s) for s in PAY_FLOW["steps"]]
    raw["steps"][2] = {**raw["steps"][2], "slots": ["from_account", "payee_name", "amount", "memo", "delayed"]}
    engine = JourneyEngine(bank, flows={"pay": make_flow(raw)})
    r = await engine.start(
        "pay", {"session_id": "S1", "customer_id": "C1", "identified_by": "qr"}, slots={"delayed": "no"}
    )
    assert "delayed" not in r.state["slots"]
    r = await engine.advance(roundtrip(r), {"text": "王五"})
    r = await engine.advance(roundtrip(r), {"text": "100"})
    assert r.awaiting == {"kind": "slot", "step": "details", "slot": "delayed"}
    r = await engine.advance(roundtrip(r), {"text": "不用了"})
    assert r.state["slots"]["delayed"] is False


async def test_state_from_an_older_flow_is_refused(engine: JourneyEngine) -> None:
    r = await to_confirm(engine)
    old = {**roundtrip(r), "step": "removed_step"}
    with pytest.raises(JourneyError, match="no longer has"):
        await engine.advance(old, {"text": "确认"})


async def test_bad_calls_raise_journey_error(engine: JourneyEngine) -> None:
    with pytest.raises(JourneyError, match="unknown journey"):
        await engine.start("nope", {"session_id": "S1"})
    with pytest.raises(JourneyError, match="invalid journey state"):
        await engine.advance({"journey": "pay"}, {"text": "hi"})


def test_a_bool_slot_takes_its_own_yes_words_but_never_a_negation() -> None:
    from assistant.journeys.spec import Localized, SlotSpec
    from assistant.journeys.steps.interaction import NEGATION

    spec = SlotSpec(type="bool", prompt=Localized(zh="是否现在补办新卡？", en="Replace it now?"), yes_words=["补办"])
    assert spec.yes_words == ["补办"]
    assert NEGATION.search("不补办") and NEGATION.search("no, don't replace it")
    assert not NEGATION.search("要补办")

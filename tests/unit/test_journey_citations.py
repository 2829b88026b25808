"""The engine names the knowledge behind what a reply states: the flow's `cite` when a reply piece
states a number, a step's `cite` whenever that step speaks, and nothing for a reply without facts."""

from __future__ import annotations

from typing import Any, cast

import pytest

from assistant.journeys import JourneyEngine
from assistant.journeys.loader import check, load_flows
from assistant.journeys.ports import BankPort
from assistant.journeys.spec import Flow

pytestmark = pytest.mark.unit

FLOW: dict[str, Any] = {
    "name": "deposit",
    "title": {"zh": "存款", "en": "Deposit"},
    "pattern": "business",
    "business_type": "time_deposit",
    "completed": {"zh": "完成", "en": "Done"},
    "cite": ["doc-minimum"],
    "slots": {
        "name": {"type": "text", "prompt": {"zh": "您的姓名？", "en": "Your name?"}},
        "amount": {"type": "amount", "prompt": {"zh": "存多少？起存金额为50元。", "en": "How much? Minimum 50 yuan."}},
    },
    "steps": [
        {"id": "ask_name", "kind": "collect", "slots": ["name"]},
        {"id": "ask_amount", "kind": "collect", "slots": ["amount"]},
        {
            "id": "confirm",
            "kind": "confirm",
            "cite": ["doc-early-withdrawal"],
            "prompt": {"zh": "请核对后说确认。", "en": "Please check and confirm."},
            "title": {"zh": "确认", "en": "Confirm"},
            "fields": [{"label": {"zh": "金额", "en": "Amount"}, "value": "{slot.amount}"}],
        },
    ],
}


@pytest.fixture
def engine() -> JourneyEngine:
    flow = Flow.model_validate(FLOW)
    check(flow, "deposit.yaml")
    return JourneyEngine(cast(BankPort, object()), flows={"deposit": flow})  # these steps never call the bank


async def test_citations_follow_what_the_reply_states(engine: JourneyEngine) -> None:
    r = await engine.start("deposit", {"session_id": "S1"})
    assert r.text("zh") == "您的姓名？" and r.citations == []  # no fact stated, nothing cited
    r = await engine.advance(r.state, {"text": "王五", "slots": {"name": "王五"}})
    assert "50元" in r.text("zh") and r.citations == ["doc-minimum"]
    r = await engine.advance(r.state, {"text": "100", "slots": {"amount": "100"}})
    assert r.awaiting == {"kind": "confirm", "step": "confirm"}
    assert r.citations == ["doc-early-withdrawal"]  # the step's own cite, though this reply states no number


async def test_reasking_a_step_keeps_its_citations(engine: JourneyEngine) -> None:
    r = await engine.start("deposit", {"session_id": "S1"}, slots={"name": "王五"})
    again = await engine.current_prompt(r.state)
    assert again.citations == r.citations == ["doc-minimum"]


def test_flow_cite_ids_are_validated() -> None:
    bad = {**FLOW, "cite": ["Not An Id!"]}
    with pytest.raises(ValueError, match="cite"):
        Flow.model_validate(bad)


def test_every_shipped_flow_that_states_facts_cites_knowledge() -> None:
    cited = {name for name, flow in load_flows().items() if flow.cite}
    stating = {"transfer", "time_deposit", "pension_account", "acceptance_remote", "card_loss", "foreign_exchange"}
    assert stating <= cited

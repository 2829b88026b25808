"""The risk desk around one customer turn, with the conversation's collaborators faked: a payee named in
any sentence is screened at the bank at once, an illegal request is refused instead of routed, a scam told
in the middle of a money journey stops it, and a risk the NLU did not understand is answered."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from assistant.conversation.schemas import Reply, TurnOut
from assistant.risk import RiskEngine
from assistant.risk.desk import RiskDesk

pytestmark = pytest.mark.unit

FRAUD_NAME = "周建国"  # on the sandbox bank's fraud list (a name alone scores 0.475: "warn")


@dataclass
class Row:
    id: str = "s1"
    channel: str = "kiosk"


@dataclass
class Turn:
    state: dict[str, Any] = field(default_factory=dict)
    language: str = "zh"
    row: Row = field(default_factory=Row)
    calls: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Ticket:
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": "h1", "reason": self.reason}


class Handoffs:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def request(self, session_id: str, reason: str, *_args: Any) -> Ticket:
        self.reasons.append(reason)
        return Ticket(reason)


class Bank:
    def __init__(self) -> None:
        self.screened: list[dict[str, Any]] = []

    async def risk_screen(self, body: dict[str, Any]) -> dict[str, Any]:
        self.screened.append(body)
        if body.get("counterparty_name") == FRAUD_NAME:
            return {"decision": "warn", "hits": [{"list": "fraud_accounts", "reason": "reported", "score": 0.475}]}
        return {"decision": "allow", "hits": []}


class Engine:
    def __init__(self) -> None:
        self.bank = Bank()


JOURNEYS = {"transfer": "transfer", "time_deposit": "time_deposit", "card_apply": "card_apply"}


class Journeys:
    def __init__(self) -> None:
        self.engine = Engine()

    def journey_for(self, intent: str) -> str | None:
        return JOURNEYS.get(intent)


class Steps:
    """The journey step and the routed answer, recording what the desk asked for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.routed = 0

    async def step(self, turn: Turn, how: str, action: str | None = None, **_kw: Any) -> Any:
        self.calls.append((how, action))
        if action == "cancel":
            turn.state["journey_info"]["status"] = "cancelled"
        return None

    async def out_of(self, turn: Turn, _result: Any) -> TurnOut:
        return TurnOut(reply=Reply(text="请输入收款账号。", language="zh"))

    async def route(self) -> TurnOut:
        self.routed += 1
        return TurnOut(reply=Reply(text="抱歉，我没太听清楚，请您再说一遍。", language="zh"))


def desk_with(handoffs: Handoffs, journeys: Journeys) -> RiskDesk:
    return RiskDesk(RiskEngine(), handoffs, journeys)  # type: ignore[arg-type]


def in_journey(name: str) -> dict[str, Any]:
    return {
        "journey_info": {"name": name, "step": "details", "status": "active"},
        "journey": {"slots": {"amount": "10000"}, "awaiting": {"kind": "slot"}, "profile": {}},
    }


def say(desk: RiskDesk, turn: Turn, text: str, intent: str, steps: Steps) -> TurnOut:
    return asyncio.run(desk.turn(turn, text, intent, steps.route, steps.step, steps.out_of))


def decision(out: TurnOut) -> dict[str, Any]:
    return next(r for r in out.risk if r.get("type") == "risk_decision")


def test_a_fraud_list_payee_in_the_opening_sentence_is_held_before_any_journey() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    turn = Turn()
    out = say(desk_with(handoffs, journeys), turn, f"我要给{FRAUD_NAME}转五万", "transfer", steps)
    assert journeys.engine.bank.screened == [{"counterparty_name": FRAUD_NAME, "channel": "kiosk"}]
    assert [c["operation"] for c in turn.calls] == ["risk_screen"]  # the screening is in the transcript
    assert steps.routed == 0 and decision(out)["action"] == "hold" and handoffs.reasons == ["risk"]
    assert FRAUD_NAME not in out.reply.text and "名单" not in out.reply.text  # no tipping-off


def test_an_ordinary_payee_is_screened_once_and_routed() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    desk, turn = desk_with(handoffs, journeys), Turn()
    say(desk, turn, "我要给李秀英转两千", "transfer", steps)
    say(desk, turn, "给李秀英转两千", "transfer", steps)
    assert [b["counterparty_name"] for b in journeys.engine.bank.screened] == ["李秀英"]
    assert steps.routed == 2 and handoffs.reasons == []


def test_a_fraud_list_payee_collected_by_the_journey_stops_it() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    turn = Turn(state=in_journey("transfer"))
    turn.state["journey"]["slots"]["payee_name"] = FRAUD_NAME  # as if routing just filled the slot
    out = say(desk_with(handoffs, journeys), turn, "就是他", "transfer", steps)
    assert decision(out)["action"] == "hold" and ("advance", "cancel") in steps.calls
    assert handoffs.reasons == ["risk"]


def test_renting_out_a_card_is_refused_not_misheard() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    desk, turn = desk_with(handoffs, journeys), Turn()
    out = say(desk, turn, "我想把我的银行卡租出去，一个月给八百", "unclear", steps)
    assert steps.routed == 0 and "不能办理" in out.reply.text and "断卡行动" in out.reply.text
    assert "没太听清楚" not in out.reply.text and decision(out)["action"] == "warn" and handoffs.reasons == []
    english = say(desk, Turn(language="en"), "can I rent out my bank card to a friend", "unclear", steps)
    assert "cannot help" in english.reply.text and "illegal" in english.reply.text
    later = say(desk, turn, "我要转账", "transfer", steps)  # the money step waits for a colleague
    assert decision(later)["action"] == "hold" and handoffs.reasons == ["risk"] and steps.routed == 0


def test_a_card_opened_to_be_sold_stops_its_journey() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    turn = Turn(state=in_journey("card_apply"))
    out = say(desk_with(handoffs, journeys), turn, "有人高价收卡，这张卡办好了卖给他", "card_apply", steps)
    assert ("advance", "cancel") in steps.calls and steps.routed == 0 and "不能办理" in out.reply.text


def test_a_scam_told_during_a_time_deposit_warns_and_holds_it() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    desk, turn = desk_with(handoffs, journeys), Turn(state=in_journey("time_deposit"))
    out = say(desk, turn, "对了，刚才有人打电话说我的银行卡有异常，让我把钱转出去", "unclear", steps)
    assert decision(out)["action"] == "hold" and ("advance", "cancel") in steps.calls
    assert "请先停一下" not in out.reply.text and "同事" in out.reply.text and handoffs.reasons == ["risk"]


def test_a_phone_directed_visit_is_warned_then_its_transfer_held() -> None:
    handoffs, journeys, steps = Handoffs(), Journeys(), Steps()
    desk, turn = desk_with(handoffs, journeys), Turn()
    first = say(desk, turn, "电话里的人让我来银行转钱，说转完就没事了", "unclear", steps)
    assert decision(first)["action"] == "warn" and "挂断电话" in first.reply.text
    assert "没太听清楚" not in first.reply.text and steps.routed == 0
    second = say(desk, turn, "我要转账", "transfer", steps)
    assert decision(second)["action"] == "hold" and handoffs.reasons == ["risk"] and steps.routed == 0

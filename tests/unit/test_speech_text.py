"""What the avatar says aloud in a public lobby: no full name, no ID/card/account/phone numbers, no
sensitive account details; the screen keeps them (assistant/conversation/speech_text.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from assistant.conversation.customer_text import finish_reply
from assistant.conversation.journeys import reply_of
from assistant.conversation.schemas import Reply
from assistant.conversation.speech_text import honorific, spoken
from assistant.journeys.types import AdvanceResult, JourneyInfo, ReplyPiece
from assistant.kiosk.connection import KioskConnection

pytestmark = pytest.mark.unit

ZHANG = {"name": "张伟", "name_en": "Zhang Wei", "gender": "M"}
CHEN = {"name": "陈静", "name_en": "Chen Jing", "gender": "F"}


def test_the_customer_is_addressed_by_surname_and_title() -> None:
    assert honorific(ZHANG, "zh") == "张先生"
    assert honorific(CHEN, "zh") == "陈女士"
    assert honorific(CHEN, "en") == "Ms Chen"
    assert honorific({"name": "Emily Clark", "name_en": "Emily Clark", "gender": "F"}, "en") == "Ms Clark"
    assert honorific({"name": "张伟"}, "zh") is None  # no gender known: no guess
    assert spoken("张伟，您好，已确认您的身份。", "zh", ZHANG) == "张先生，您好，已确认您的身份。"
    assert spoken("Hello Zhang Wei, your identity is confirmed.", "en", ZHANG) == (
        "Hello Mr Zhang, your identity is confirmed."
    )
    assert spoken("张伟，您好，已确认您的身份。", "zh", {"name": "张伟"}) == "您好，已确认您的身份。"
    assert spoken("Hello Emily Clark, welcome.", "en", {"name": "Emily Clark"}) == "Hello, welcome."


def test_numbers_that_identify_the_customer_are_said_as_their_last_four_digits() -> None:
    said = spoken("手机13911260451，卡号6217991001001001018，证件110105198103150319，账户A1001。", "zh")
    assert said == "手机尾号0451，卡号尾号1018，证件尾号0319，账户您的账户。"
    assert spoken("Your mobile 139****0451 is on file.", "en") == "Your mobile ending 0451 is on file."
    # amounts, rates, times, the public hotline stay as they are
    assert (
        spoken("转账20,000.00元，年利率1.35%，10:30，热线955990。", "zh")
        == "转账20,000.00元，年利率1.35%，10:30，热线955990。"
    )


def _result(pieces: list[ReplyPiece]) -> AdvanceResult:
    return AdvanceResult(
        state={}, journey=JourneyInfo(name="welcome_identify", step="precheck", status="active"), reply=pieces
    )


def test_a_pending_loans_missing_documents_stay_on_screen() -> None:
    pieces = [
        ReplyPiece(key="engine.identified", text={"zh": "陈静，您好，已确认您的身份。", "en": "Hello 陈静."}),
        ReplyPiece(  # the message's `speech` variant (messages.yaml), rendered by the journey runtime
            key="precheck.missing_documents",
            text={"zh": "您的个人消费贷款申请还缺收入证明。", "en": "Your loan application is still missing: income."},
            speech={"zh": "您有一项待补充材料的业务，详情请看屏幕。", "en": "The details are on the screen."},
        ),
    ]
    reply = finish_reply(reply_of(_result(pieces), "zh", prefix="好的。"), {"customer": CHEN})
    assert reply.text == "好的。陈静，您好，已确认您的身份。您的个人消费贷款申请还缺收入证明。"  # the screen
    assert reply.speech == "好的。陈女士，您好，已确认您的身份。您有一项待补充材料的业务，详情请看屏幕。"
    assert "收入证明" not in reply.speech and "陈静" not in reply.speech


def test_the_reply_carries_speech_as_an_additive_field() -> None:
    dumped = finish_reply(Reply(text="张伟，您好。"), {"customer": ZHANG}).model_dump(mode="json")
    assert dumped["text"] == "张伟，您好。" and dumped["speech"] == "张先生，您好。"
    assert "_spoken_swaps" not in dumped
    assert Reply(text="hi").model_dump()["speech"] is None  # old clients: nothing else changes


def test_the_kiosk_speaks_the_lobby_safe_rendering() -> None:
    sent: list[dict[str, Any]] = []
    spoken_texts: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    host = SimpleNamespace(
        send=send,
        language="zh",
        camera=SimpleNamespace(screen_update=lambda turn: None),
        _next_reply_id=lambda: "r1",
        _start_speech=lambda reply_id, text, lang: spoken_texts.append(text),
    )
    turn = {"reply": {"text": "张伟，您好。", "speech": "张先生，您好。", "language": "zh"}}
    asyncio.run(KioskConnection.deliver(host, turn))  # type: ignore[arg-type]
    assert spoken_texts == ["张先生，您好。"] and sent[0]["turn"]["reply"]["text"] == "张伟，您好。"
    # a reply built without `speech` (a greeting, an old server) is still masked before it is said
    asyncio.run(KioskConnection.deliver(host, {"reply": {"text": "手机13911260451", "language": "zh"}}))  # type: ignore[arg-type]
    assert spoken_texts[-1] == "手机尾号0451"

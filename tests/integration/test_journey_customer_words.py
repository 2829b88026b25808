"""Journeys as the customer reads and hears them, against the real sandbox bank: a balance shown but not
said, an English visit greeted by title and printed in English, a statement's closing line that fits
what was done, a limit said once, a card fee said before it is charged, a queue position in words."""

from __future__ import annotations

import pytest

from assistant.conversation.customer_text import finish_reply
from assistant.conversation.journeys import reply_of
from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations.bundle import BankClients
from integrations.sandbox.seed import cast_summary
from tests.integration.journey_driver import Driver

pytestmark = pytest.mark.integration

CAST = cast_summary()
ZW, LX, CJ, EC = (CAST[k] for k in ("zhang_wei", "li_xiuying", "chen_jing", "emily_clark"))


@pytest.fixture
def driver(clients: BankClients) -> Driver:
    return Driver(JourneyEngine(ClientsBankPort(clients), extractor=extract_slots))


def said(driver: Driver, language: str = "zh") -> str:
    """What the avatar says for the last advance (the lobby-safe spoken form of the reply)."""
    reply = finish_reply(reply_of(driver.last, language), {"journey": {"profile": {}}})
    return reply.speech or ""


async def test_a_balance_is_shown_but_not_said(driver: Driver) -> None:
    await driver.start("statement")
    await driver.qr(LX["qr_token"])
    r = await driver.send("查余额")
    assert "860000.00" in r.text("zh")  # the screen (grouped as 860,000.00 when presented)
    spoken = said(driver)
    assert "860" not in spoken and "余额已显示在屏幕上" in spoken
    assert "查询打印" not in r.text("zh") and "打印" not in spoken  # nothing was printed


async def test_unfinished_business_is_shown_but_not_said(driver: Driver) -> None:
    await driver.start("welcome_identify")
    r = await driver.card(CJ["id_number"])
    assert "您的个人消费贷款申请还缺收入证明" in r.text("zh")
    spoken = said(driver)
    assert "收入证明" not in spoken and "贷款" not in spoken and "您有一项待补充材料的业务" in spoken


async def test_a_passport_holder_is_greeted_by_title_not_initials(driver: Driver) -> None:
    await driver.start("welcome_identify", language="en")
    r = await driver.card(EC["passport_number"], document="passport")
    assert "Hello Ms Clark, your identity is confirmed." in r.text("en")
    assert "*" not in r.text("en") + r.text("zh")


async def test_an_english_statement_is_printed_in_english(driver: Driver) -> None:
    await driver.start("statement", slots={"what": "statement"}, language="en")
    await driver.qr(ZW["qr_token"])
    r = await driver.send("the last 6 months")
    assert driver.status == "completed"
    lines = driver.calls("device_command")[0].arguments["params"]["lines"]
    assert lines == ["Statement", "Account: account ending 1001", "Period: the last 6 months"]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in r.text("en"))
    assert "Done." not in r.text("en")


async def test_a_limit_is_said_once_when_an_amount_is_over_it(driver: Driver) -> None:
    await driver.start("pension_account")
    await driver.send(action="event", event={"type": "booking_code", "data": {"code": CJ["booking_codes"][0]}})
    r = await driver.send("20000")
    assert driver.awaiting["slot"] == "yearly_amount"
    assert r.text("zh").count("12,000") == 1 and r.text("zh").endswith("您计划每年缴存多少？")
    assert r.text("en").count("12,000") == 1


@pytest.mark.parametrize(("who", "fee"), [(ZW, "补卡工本费5元"), (LX, "免收补卡工本费")])
async def test_the_card_fee_is_said_before_the_replacement_is_confirmed(driver: Driver, who: dict, fee: str) -> None:
    await driver.start("card_loss", text="我的借记卡丢了")
    await driver.card(who["id_number"])
    await driver.send("确认")
    await driver.send("是")
    r = await driver.send("现场领取")
    assert driver.awaiting["kind"] == "confirm"
    assert fee in r.text("zh") and fee in said(driver)
    assert ("5 yuan" if who is ZW else "no card fee") in r.text("en")


async def test_a_queue_ticket_says_the_position_in_words(driver: Driver) -> None:
    await driver.start("queue_ticket")
    await driver.qr(ZW["qr_token"])
    if driver.awaiting.get("slot"):
        await driver.send("个人业务")
    ticket = driver.calls("queue_ticket")[0].result
    text = driver.said()
    assert "前面还有0位" not in text
    expected = "马上就到您了" if ticket["waiting_ahead"] == 0 else f"前面还有{ticket['waiting_ahead']}位"
    assert expected in text

"""The transfer journey's slots hold up (issue "Understanding real customers", point 5): relation words,
corrections at any step, the payee account checked at the bank while collecting, the amount checked
against the balance, and the bank's refusals said in the session's language only. Real sandbox bank,
real clients (in-process ASGI), real NLU slot extractor."""

from __future__ import annotations

import json
import re

import pytest

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations import errors as bank_errors
from integrations import schemas as api
from integrations.bundle import BankClients
from integrations.sandbox import tables as t
from integrations.sandbox.seed import cast_summary
from tests.integration.journey_driver import Driver

pytestmark = pytest.mark.integration

ZW_ID = cast_summary()["zhang_wei"]["id_number"]  # 张伟, one account A1001 with 36,800 yuan
ZW_PIN = cast_summary()["zhang_wei"]["accounts"][0]["pin"]
LI_ACCOUNT, LI_CARD, CHEN_ACCOUNT = "1101050001002002", "6217991001002002015", "1101050001004004"
UNKNOWN_OWN = "1101050001009999"  # in this bank's number range, held by nobody
OTHER_BANK = "6222020200998877665"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def driver(clients: BankClients) -> Driver:
    return Driver(JourneyEngine(ClientsBankPort(clients), extractor=extract_slots))


async def begin(driver: Driver, said: str = "我要转账", language: str = "zh") -> None:
    """Start the transfer the way the conversation does (slots extracted from the first words), then identify."""
    await driver.start("transfer", slots=extract_slots(said), language=language)
    await driver.card(ZW_ID)


def slots(driver: Driver) -> dict[str, object]:
    return dict(json.loads(driver.state)["slots"])


def confirmation(driver: Driver, language: str = "zh") -> dict[str, str]:
    card = next(c for c in driver.last.cards if c.type == "confirmation")
    return {f["label"][language]: f["value"][language] for f in card.data["fields"]}


# --- 1. relation words are not names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "relation", "label"),
    [
        ("给我妈转一千", "mother", "母亲"),
        ("帮我女儿打三万块学费过去", "daughter", "女儿"),
        ("给我儿子转两千", "son", "儿子"),
    ],
)
async def test_a_relation_is_kept_apart_and_the_name_is_asked(
    driver: Driver, said: str, relation: str, label: str
) -> None:
    await begin(driver, said)
    assert driver.awaiting.get("slot") == "payee_name"
    assert slots(driver)["payee_relation"] == relation and "payee_name" not in slots(driver)
    assert label in driver.last.text("zh") and "我" + label[-1] not in str(slots(driver))


async def test_relation_then_real_name_reaches_the_confirmation(driver: Driver) -> None:
    await begin(driver, "给我妈转一千")
    await driver.send("李秀英")
    await driver.send(LI_ACCOUNT)
    await driver.send("不用")
    assert driver.awaiting["kind"] == "confirm"
    shown = confirmation(driver)
    assert shown["收款人"] == "李秀英" and shown["与您的关系"] == "母亲" and "我妈" not in json.dumps(shown)
    await driver.send("确认")
    await driver.verify(ZW_PIN)
    assert driver.status == "completed"
    assert driver.calls("transfer")[0].arguments["to_name"] == "李秀英"


async def test_a_real_name_still_fills_the_payee(driver: Driver) -> None:
    await begin(driver, "给刘洋转一千")
    assert slots(driver)["payee_name"] == "刘洋" and driver.awaiting["slot"] == "payee_account"


@pytest.mark.parametrize("said", ["她不会骗我的，我们聊了半年了", "不知道啊", "I don't know her full name"])
async def test_a_sentence_is_not_taken_as_the_payee_name(driver: Driver, said: str) -> None:
    """From a third independent usability run: a victim's protest became the payee's name on the transfer."""
    await begin(driver, "我要转账两万")
    assert driver.awaiting.get("slot") == "payee_name"
    await driver.send(said)
    assert driver.awaiting.get("slot") == "payee_name" and "payee_name" not in slots(driver)
    assert "收款人的姓名" in driver.last.text("zh")
    await driver.send("Lily Wang")
    assert slots(driver)["payee_name"] == "Lily Wang"


# --- 2. corrections at any step ----------------------------------------------------------------------


async def test_a_name_correction_while_the_bank_is_asked_is_not_taken_as_the_bank(driver: Driver) -> None:
    await begin(driver)
    await driver.send("收款人刘阳")
    await driver.send(OTHER_BANK)
    assert driver.awaiting["slot"] == "payee_bank"
    await driver.send("不对，收款人叫刘洋")
    assert slots(driver)["payee_name"] == "刘洋" and "payee_bank" not in slots(driver)
    assert driver.awaiting["slot"] == "payee_bank" and "已更正" in driver.last.text("zh")
    for said in ("招商银行", "一千元", "不用"):
        await driver.send(said)
    assert confirmation(driver)["收款人"] == "刘洋"


async def test_an_account_correction_at_the_amount_step_is_checked_again(driver: Driver) -> None:
    await begin(driver)
    await driver.send("收款人陈静")
    await driver.send(OTHER_BANK)
    await driver.send("招商银行")
    assert driver.awaiting["slot"] == "amount"
    await driver.send(f"账号不对，是{CHEN_ACCOUNT}")
    assert slots(driver)["payee_account"] == CHEN_ACCOUNT
    assert driver.awaiting["slot"] == "amount"  # the amount is still what is asked
    assert [c.arguments["account_number"] for c in driver.calls("lookup_payee")] == [OTHER_BANK, CHEN_ACCOUNT]
    await driver.send("三千元")
    await driver.send("不用")
    assert confirmation(driver)["收款账号"] == CHEN_ACCOUNT


async def test_a_name_correction_at_the_confirmation_shows_the_new_name(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人刘阳", OTHER_BANK, "招商银行", "八百元", "不用"):
        await driver.send(said)
    assert driver.awaiting["kind"] == "confirm"
    await driver.send("名字错了，是刘洋", action="no")  # the conversation reads 不对/错了 as a "no"
    assert driver.awaiting["kind"] == "confirm"
    assert confirmation(driver)["收款人"] == "刘洋" and "刘洋" in driver.last.text("zh")
    await driver.send("确认")
    await driver.verify(ZW_PIN)
    assert driver.status == "completed" and driver.calls("transfer")[0].arguments["to_name"] == "刘洋"


async def test_a_name_correction_at_the_confirmation_is_verified_at_the_bank(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人李秀英", LI_ACCOUNT, "五百元", "不用"):
        await driver.send(said)
    await driver.send("不对，收款人叫刘洋")
    assert driver.awaiting == {"kind": "slot", "step": "details", "slot": "payee_name"}
    assert "*秀英" in driver.last.text("zh") and not driver.calls("transfer")


# --- 3. the payee account checked at the bank while collecting --------------------------------------


async def test_an_unknown_account_is_said_at_once_and_asked_again(driver: Driver) -> None:
    await begin(driver)
    await driver.send("收款人李秀英")
    await driver.send(UNKNOWN_OWN)
    assert driver.awaiting["slot"] == "payee_account" and "payee_account" not in slots(driver)
    said = driver.last.text("zh")
    assert "没有查到" in said and not re.search(r"[A-Za-z]", said)
    await driver.send(LI_ACCOUNT)
    assert driver.awaiting["slot"] == "amount"  # this bank's account: the bank is not asked
    assert slots(driver)["payee_bank"] == "示范银行"


async def test_a_name_that_is_not_the_holders_is_said_masked_and_asked_again(driver: Driver) -> None:
    await begin(driver)
    await driver.send("收款人王芳")
    await driver.send(LI_ACCOUNT)
    assert driver.awaiting["slot"] == "payee_name"
    assert "*秀英" in driver.last.text("zh") and "李秀英" not in driver.last.text("zh")
    await driver.send("李秀英")
    assert driver.awaiting["slot"] == "amount"


async def test_a_payee_card_number_is_resolved_to_this_bank(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人李秀英", LI_CARD, "两百元", "不用", "确认"):
        await driver.send(said)
    await driver.verify(ZW_PIN)
    assert driver.status == "completed"
    (call,) = driver.calls("transfer")
    assert call.arguments["to_bank"] == "示范银行" and call.result["same_bank"]


async def test_saying_the_bank_anyway_does_no_harm(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人李秀英", LI_ACCOUNT, "示范银行"):
        await driver.send(said)
    assert driver.awaiting["slot"] == "amount" and "没有听清" not in driver.last.text("zh")


async def test_another_banks_account_still_asks_the_bank(driver: Driver) -> None:
    await begin(driver)
    await driver.send("收款人刘洋")
    await driver.send(OTHER_BANK)
    assert driver.awaiting["slot"] == "payee_bank"


# --- 4. the amount checked against the balance ------------------------------------------------------


async def test_an_amount_above_the_balance_is_refused_at_the_amount_step(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人李秀英", LI_ACCOUNT, "八万元"):
        await driver.send(said)
    assert driver.awaiting["slot"] == "amount" and "amount" not in slots(driver)
    assert "36,800.00" in driver.last.text("zh") and "余额" in driver.last.text("zh")
    await driver.send("两千元")
    assert driver.awaiting["slot"] == "delayed"
    assert not driver.calls("risk_screen") and not driver.calls("transfer")


async def test_an_amount_given_up_front_above_the_balance_never_reaches_authorisation(driver: Driver) -> None:
    await begin(driver, "给李秀英转十万")
    await driver.send(LI_ACCOUNT)
    assert driver.awaiting["slot"] == "amount" and "不足以转出" in driver.last.text("zh")
    await driver.send("不转了", action="cancel")
    assert driver.status == "cancelled" and not driver.calls("transfer")


async def test_an_amount_corrected_above_the_balance_at_the_confirmation_is_asked_again(driver: Driver) -> None:
    await begin(driver)
    for said in ("收款人李秀英", LI_ACCOUNT, "两千元", "不用"):
        await driver.send(said)
    await driver.send("不对，是六万")
    assert driver.awaiting["slot"] == "amount" and not driver.calls("transfer")


async def test_the_bank_refuses_to_authorise_a_transfer_it_cannot_pay(clients: BankClients) -> None:
    request = api.TransferRequest(
        from_account_id="A1001", to_account_number=LI_ACCOUNT, to_name="李秀英", amount="80000.00"
    )
    with pytest.raises(bank_errors.Rejected) as refused:
        await clients.transactions.transfer(request, idempotency_key="over-balance-0001")
    assert refused.value.code == "insufficient_funds"


# --- 5. refusals in one language ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_a_bank_refusal_is_said_in_the_sessions_language_only(
    driver: Driver, clients: BankClients, language: str
) -> None:
    await begin(driver, "I want to make a transfer" if language == "en" else "我要转账", language=language)
    for said in ("收款人李秀英", LI_ACCOUNT, "两千元", "不用"):
        await driver.send(said)
    assert driver.awaiting["kind"] == "confirm"
    app = clients.sandbox_app
    assert app is not None
    with app.state.sandbox.session() as s:  # the money left the account after the check
        s.get(t.Account, "A1001").balance_fen = 100
    await driver.send("确认")
    await driver.verify(ZW_PIN)
    assert driver.status == "rejected"
    said = driver.last.text(language)
    assert ("余额不足" in said) if language == "zh" else ("not enough money" in said)
    assert not HAN.search(said) if language == "en" else not re.search(r"[A-Za-z]", said)


async def test_an_unknown_account_in_english_is_said_in_english(driver: Driver) -> None:
    await begin(driver, "I want to make a transfer", language="en")
    await driver.send("The payee is Li Xiuying")
    await driver.send(UNKNOWN_OWN)
    said = driver.last.text("en")
    assert "no such account" in said and not HAN.search(said)


# --- the bank's payee lookup through the real client ------------------------------------------------


async def test_lookup_payee_through_the_client(clients: BankClients) -> None:
    own = await clients.transactions.lookup_payee(LI_ACCOUNT, "李秀英")
    assert own.same_bank and own.bank == "示范银行" and own.kind == "account" and own.name_matches is True
    assert own.holder_name_masked == "*秀英" and LI_ACCOUNT not in own.account_number
    english = await clients.transactions.lookup_payee(LI_ACCOUNT, "xiuying li")
    assert english.name_matches is True
    wrong = await clients.transactions.lookup_payee(LI_CARD, "王芳")
    assert wrong.kind == "card" and wrong.name_matches is False
    nameless = await clients.transactions.lookup_payee(CHEN_ACCOUNT)
    assert nameless.name_matches is None and nameless.holder_name_masked == "*静"
    other = await clients.transactions.lookup_payee(OTHER_BANK, "刘洋")
    assert not other.same_bank and other.name_matches is None and other.holder_name_masked is None
    with pytest.raises(bank_errors.NotFound) as missing:
        await clients.transactions.lookup_payee(UNKNOWN_OWN)
    assert missing.value.code == "payee_account_not_found"


async def test_an_english_confirmation_names_this_bank_in_english(driver: Driver) -> None:
    await begin(driver, "I want to make a transfer", language="en")
    for said in ("The payee is Li Xiuying", LI_ACCOUNT, "300 yuan", "no"):
        await driver.send(said)
    shown = confirmation(driver, "en")
    assert shown["Payee bank"] == "Demo Bank (same bank)"
    assert not any(HAN.search(v) for k, v in shown.items() if k != "Payee")

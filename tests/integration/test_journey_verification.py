"""Verifying the customer before money moves, through the real clients against the sandbox bank: the face
match and the PIN on the kiosk's pad, right, wrong (tries left in plain words), locked after the bank's
number of tries (nothing moves, a person is offered), and the PIN kept out of everything the journey keeps."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations.bundle import BankClients
from integrations.sandbox.seed import cast_summary
from tests.integration.journey_driver import Driver, camera_still

pytestmark = pytest.mark.integration

ZW = cast_summary()["zhang_wei"]  # one account, A1001
ZW_PIN = ZW["accounts"][0]["pin"]
WRONG = ["111111", "222222", "333333"]
CHEN_ACCOUNT = "1101050001004004"


@pytest.fixture
def port(clients: BankClients) -> ClientsBankPort:
    return ClientsBankPort(clients)


@pytest.fixture
def driver(port: ClientsBankPort) -> Driver:
    return Driver(JourneyEngine(port, extractor=extract_slots))


async def balance(port: ClientsBankPort) -> Decimal:
    profile = await port.profile(ZW["customer_id"])
    return Decimal(profile["accounts"][0]["balance"])


async def confirmed_transfer(driver: Driver, amount: int = 1000) -> None:
    slots = {"amount": amount, "payee_name": "陈静", "payee_account": CHEN_ACCOUNT}
    await driver.start("transfer", slots=slots)
    await driver.qr(ZW["qr_token"])
    await driver.send("不用")
    await driver.send("确认")


async def test_face_then_pin_right_moves_the_money(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port)
    await confirmed_transfer(driver)
    assert driver.awaiting == {"kind": "verify", "step": "verify", "method": "face"}
    assert [c.type for c in driver.last.cards] == ["face_capture"] and "摄像头" in driver.last.text("zh")
    await driver.face()
    assert driver.awaiting["method"] == "pin" and "人脸识别通过" in driver.last.text("zh")
    pad = next(c for c in driver.last.cards if c.type == "pin_pad")
    assert pad.data == {"digits": 6, "account": {"zh": "账户（尾号1001）", "en": "account ending 1001"}}
    assert "密码键盘" in driver.last.text("zh") and "PIN pad" in driver.last.text("en")
    assert not driver.calls("transfer")
    await driver.pin(ZW_PIN)
    assert driver.status == "completed" and "密码验证通过" in driver.said()
    assert await balance(port) == before - Decimal("1000.00")
    (check,) = driver.calls("verify_pin")
    assert check.ok and check.arguments == {"account_id": "A1001", "customer_id": ZW["customer_id"]}


async def test_a_wrong_pin_is_asked_again_with_the_tries_left(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port)
    await confirmed_transfer(driver)
    await driver.face()
    await driver.pin(WRONG[0])
    assert driver.awaiting["method"] == "pin" and driver.status == "active"
    assert "密码不正确，还可以再试2次" in driver.last.text("zh")
    assert "2 more tries" in driver.last.text("en")
    assert any(c.type == "pin_pad" for c in driver.last.cards)  # the pad again
    await driver.pin(WRONG[1])
    assert "还可以再试1次" in driver.last.text("zh")
    assert await balance(port) == before and not driver.calls("transfer")
    await driver.pin(ZW_PIN)  # right on the last try: on it goes, and the bank's count starts again
    assert driver.status == "completed"
    assert await balance(port) == before - Decimal("1000.00")


async def test_three_wrong_pins_lock_it_stop_the_money_and_offer_a_person(
    driver: Driver, port: ClientsBankPort
) -> None:
    before = await balance(port)
    await confirmed_transfer(driver)
    await driver.face()
    for pin in WRONG:
        await driver.pin(pin)
    assert driver.status == "blocked"
    said = driver.last.text("zh")
    assert "锁定" in said and "资金未变动" in said and "转接工作人员" in said
    assert "human" in {s["key"] for s in driver.last.suggestions}
    assert not driver.calls("transfer") and await balance(port) == before
    assert [c.error.split(":")[1].strip() for c in driver.calls("verify_pin")] == [
        "wrong_pin",
        "wrong_pin",
        "pin_locked",
    ]
    # the lock is the bank's: a new visit the same day is refused at once, even with the right PIN
    again = Driver(driver.engine, session_id="sess-later")
    await confirmed_transfer(again)
    await again.face()
    await again.pin(ZW_PIN)
    assert again.status == "blocked" and "锁定" in again.last.text("zh")
    assert not again.calls("transfer") and await balance(port) == before


async def test_a_face_that_does_not_match_is_retried_then_locks(
    driver: Driver, clients: BankClients, port: ClientsBankPort
) -> None:
    await clients.sandbox.script_face_outcomes(ZW["customer_id"], ["mismatch", "match"])
    await confirmed_transfer(driver)
    await driver.face()
    assert driver.awaiting["method"] == "face" and "还可以再试2次" in driver.last.text("zh")
    await driver.face()
    assert driver.awaiting["method"] == "pin"  # the second still matched
    before = await balance(port)
    await clients.sandbox.script_face_outcomes(ZW["customer_id"], ["mismatch"] * 3)
    later = Driver(driver.engine, session_id="sess-face-locked")
    await confirmed_transfer(later)
    for _ in range(3):
        await later.face()
    assert later.status == "blocked" and "人脸识别多次未通过" in later.last.text("zh")
    assert not later.calls("verify_pin") and not later.calls("transfer")  # no PIN is even asked for
    assert await balance(port) == before


async def test_a_picture_that_is_no_photo_costs_no_try(driver: Driver) -> None:
    await confirmed_transfer(driver)
    await driver.face("bm90IGEgcGhvdG8gYXQgYWxs")
    assert driver.awaiting["method"] == "face" and "没有拍到清晰的面部" in driver.last.text("zh")
    await driver.face()
    assert driver.awaiting["method"] == "pin"


async def test_a_pin_said_aloud_or_incomplete_is_never_sent_to_the_bank(driver: Driver) -> None:
    await confirmed_transfer(driver)
    await driver.face()
    await driver.send(ZW_PIN)  # spoken or typed into the conversation: no secret any more
    assert "请不要说出密码" in driver.last.text("zh") and driver.awaiting["method"] == "pin"
    await driver.pin("12345")
    assert "密码格式不正确" in driver.last.text("zh")
    assert not driver.calls("verify_pin")
    await driver.pin(ZW_PIN)
    assert driver.status == "completed"


async def test_a_changed_request_needs_the_customer_again(driver: Driver) -> None:
    await confirmed_transfer(driver)
    await driver.verify(ZW_PIN)
    assert driver.status == "completed"
    second = Driver(driver.engine, session_id="sess-second")
    await confirmed_transfer(second, amount=500)
    await second.face()
    await second.send("返回")  # back to the confirmation, then the amount changed
    await second.send("不对，金额是六百元", action="no")
    assert second.awaiting["kind"] == "confirm"
    await second.send("确认")
    assert second.awaiting == {"kind": "verify", "step": "verify", "method": "face"}  # asked again, from the face
    await second.verify(ZW_PIN)
    assert second.status == "completed" and second.calls("transfer")[0].arguments["amount"] == "600.00"


async def test_money_never_moves_unverified_even_from_a_tampered_state(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port)
    await confirmed_transfer(driver)
    state = json.loads(driver.state)
    state["step"], state["awaiting"] = "execute", None  # skip the verify step
    driver.state = json.dumps(state)
    await driver.send("继续")
    assert driver.status == "failed" and "未完成身份核验" in driver.last.text("zh")
    assert not driver.calls("transfer") and await balance(port) == before


async def test_a_time_deposit_asks_the_pin_only(driver: Driver) -> None:
    await driver.start("time_deposit", slots={"amount": 1000})
    await driver.qr(ZW["qr_token"])
    await driver.send("三个月")
    await driver.send("确认")
    assert driver.awaiting == {"kind": "verify", "step": "verify", "method": "pin"}
    await driver.pin(ZW_PIN)
    assert driver.status == "completed" and driver.calls("open_time_deposit")


async def test_the_pin_and_the_still_are_kept_nowhere_in_the_journey(driver: Driver) -> None:
    await confirmed_transfer(driver)
    await driver.face()
    await driver.pin(WRONG[0])
    await driver.pin(ZW_PIN)
    assert driver.status == "completed"
    kept = json.dumps([r.model_dump(mode="json") for r in driver.results], ensure_ascii=False)
    for secret in (ZW_PIN, WRONG[0], camera_still()[:64]):
        assert secret not in kept  # not in any state, reply, card, suggestion or recorded bank call
    assert json.loads(driver.state)["results"]["verify"]["passed"] == ["face", "pin"]

"""Every shipped journey run to the end against the real sandbox bank through the real clients
(in-process ASGI) and the journeys' bank adapter: happy paths, blocks, authorisation, idempotency."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations import schemas as api
from integrations.bundle import BankClients
from integrations.sandbox.seed import cast_summary
from tests.integration.journey_driver import Driver

pytestmark = pytest.mark.integration

CAST = cast_summary()
ZW, LX, WQ, CJ, EC = (CAST[k] for k in ("zhang_wei", "li_xiuying", "wang_qiang", "chen_jing", "emily_clark"))
FRAUD = CAST["fraud_payee"]
ZW_PIN = ZW["accounts"][0]["pin"]


@pytest.fixture
def port(clients: BankClients) -> ClientsBankPort:
    return ClientsBankPort(clients)


@pytest.fixture
def driver(port: ClientsBankPort) -> Driver:
    return Driver(JourneyEngine(port, extractor=extract_slots))


async def balance(port: ClientsBankPort, customer_id: str, account_id: str) -> Decimal:
    profile = await port.profile(customer_id)
    return next(Decimal(a["balance"]) for a in profile["accounts"] if a["id"] == account_id)


async def test_transfer_small_same_bank(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port, ZW["customer_id"], "A1001")
    r = await driver.start("transfer", slots={"amount": 2000})
    assert r.awaiting and r.awaiting["kind"] == "identify"
    await driver.qr(ZW["qr_token"])
    assert driver.awaiting["slot"] == "payee_name"  # one account: chosen automatically; amount pre-filled
    await driver.send("陈静")
    await driver.send("1101 0500 0100 4004")
    await driver.send("本行")
    await driver.send("不用")
    assert driver.awaiting["kind"] == "confirm"
    card = next(c for c in driver.last.cards if c.type == "confirmation")
    values = [f["value"]["zh"] for f in card.data["fields"]]
    assert "陈静" in values and "2000.00元" in values and any(v.startswith("免费") for v in values)
    assert not driver.calls("transfer")
    await driver.send("确认")
    assert driver.awaiting == {"kind": "verify", "step": "verify", "method": "face"}
    assert not driver.calls("transfer")  # confirmed is not enough: face and PIN first
    await driver.verify(ZW_PIN)
    assert driver.status == "completed"
    assert [c.operation for c in driver.calls("verify_face") + driver.calls("verify_pin")] == [
        "verify_face",
        "verify_pin",
    ]
    (call,) = driver.calls("transfer")
    assert call.arguments["amount"] == "2000.00" and call.idempotency_key
    assert call.result["status"] == "completed"
    assert await balance(port, ZW["customer_id"], "A1001") == before - Decimal("2000.00")
    assert driver.calls("device_command")[0].result["status"] == "completed"


async def test_transfer_to_fraud_account_is_blocked(driver: Driver, port: ClientsBankPort) -> None:
    await driver.start("transfer")
    await driver.qr(ZW["qr_token"])
    await driver.send(slots={"payee_name": FRAUD["name"], "payee_account": FRAUD["account_number"], "amount": 500})
    await driver.send(FRAUD["bank"])
    await driver.send("否")
    assert driver.status == "blocked"
    assert driver.calls("risk_screen")[0].result["decision"] == "block"
    assert not driver.calls("transfer")


async def test_listed_customer_is_blocked(driver: Driver) -> None:
    await driver.start("transfer", slots={"payee_name": "赵六", "payee_account": "6222000011112222", "amount": 100})
    await driver.card(WQ["id_number"])
    await driver.send("示范银行")
    await driver.send("no")
    assert driver.status == "blocked"
    assert not driver.calls("transfer")
    assert "风险" in driver.last.text("zh")


async def _large_transfer_to_authorisation(driver: Driver) -> str:
    await driver.start("transfer", slots={"amount": 60000, "payee_name": "李明", "payee_account": "6222000011113333"})
    await driver.card(LX["id_number"])
    await driver.send("建设银行")
    await driver.send("否")
    if driver.awaiting.get("kind") == "risk_ack":  # elderly customer, large amount: a fraud warning first
        await driver.send("是的，继续")
    assert driver.awaiting["kind"] == "confirm"
    await driver.send("确认")
    await driver.verify(LX["accounts"][0]["pin"])
    assert driver.status == "waiting_authorization"
    assert driver.last.authorization and driver.last.authorization["status"] == "pending"
    return str(driver.last.authorization["id"])


async def test_large_transfer_waits_for_authorisation_then_approved(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port, LX["customer_id"], "A1002")
    auth_id = await _large_transfer_to_authorisation(driver)
    await driver.send("好了吗")
    assert driver.status == "waiting_authorization"
    # The process restarts while the teller decides: a new engine and new clients continue from the stored state.
    driver.engine = JourneyEngine(ClientsBankPort(BankClients.over(port.clients.http)), extractor=extract_slots)
    assert await balance(port, LX["customer_id"], "A1002") == before
    decided = await port.decide_authorization(auth_id, True, "teller-07", idempotency_key="auth-approve-1")
    await driver.send(action="event", event={"type": "authorization_decided", "data": decided})
    assert driver.status == "completed"
    assert await balance(port, LX["customer_id"], "A1002") == before - Decimal("60000.00")


async def test_large_transfer_rejected_stops(driver: Driver, port: ClientsBankPort) -> None:
    before = await balance(port, LX["customer_id"], "A1002")
    auth_id = await _large_transfer_to_authorisation(driver)
    decided = await port.decide_authorization(auth_id, False, "expert-02", idempotency_key="auth-reject-1")
    await driver.send(action="event", event={"type": "authorization_decided", "data": decided})
    assert driver.status == "rejected"
    assert "未获授权" in driver.last.text("zh")
    assert await balance(port, LX["customer_id"], "A1002") == before


async def test_retried_execute_reuses_the_idempotency_key(
    driver: Driver, clients: BankClients, port: ClientsBankPort
) -> None:
    before = await balance(port, ZW["customer_id"], "A1001")
    await driver.start("transfer", slots={"amount": 1000, "payee_name": "陈静", "payee_account": "1101050001004004"})
    await driver.qr(ZW["qr_token"])
    await driver.send("示范银行")
    await driver.send("否")
    # The bank carries the transfer out but the answer is lost: the client sees 503s and gives up.
    await clients.sandbox.set_faults([api.Fault(path_prefix="/v1/transfers", error_rate=1.0, after_processing=True)])
    await driver.send("确认")
    await driver.verify(ZW_PIN)
    assert driver.awaiting["kind"] == "retry"
    assert driver.status == "active"
    await clients.sandbox.clear_faults()
    await driver.send("重试")
    assert driver.status == "completed"
    keys = {c.idempotency_key for c in driver.calls("transfer")}
    assert len(driver.calls("transfer")) == 2 and len(keys) == 1
    assert await balance(port, ZW["customer_id"], "A1001") == before - Decimal("1000.00")


async def test_card_loss_and_replacement_at_kiosk(driver: Driver, port: ClientsBankPort) -> None:
    await driver.start("card_loss")
    await driver.card(ZW["id_number"])
    assert driver.awaiting["slot"] == "card"  # a debit and a credit card: ask which
    await driver.send("尾号1018的卡")
    assert driver.awaiting["kind"] == "confirm"
    await driver.send("确认")
    (loss,) = driver.calls("report_card_loss")
    assert loss.arguments["card_id"] == "K1001" and loss.result and loss.result["status"] == "lost", loss
    await driver.send("是")
    await driver.send("现场领取")
    card = next(c for c in driver.last.cards if c.type == "confirmation")
    assert any(f["value"]["zh"].startswith("5元") for f in card.data["fields"])
    await driver.send("确认")
    assert driver.status == "completed"
    replacement = driver.calls("replace_card")[0].result
    assert replacement["ready"] == "now"
    assert any(c.arguments["command"] == "dispense_card" for c in driver.calls("device_command"))


async def test_the_kind_of_card_named_picks_the_card(driver: Driver) -> None:
    await driver.start("card_loss", text="我的储蓄卡丢了")
    await driver.card(ZW["id_number"])  # a debit and a credit card: the debit one was named
    assert driver.awaiting["kind"] == "confirm"
    assert "借记卡（尾号1018）" in driver.last.text("zh")


async def test_a_named_card_already_lost_is_not_swapped_for_another(driver: Driver, port: ClientsBankPort) -> None:
    """The debit card is already lost; "储蓄卡丢了" must not report the only active card, the credit card."""
    await port.report_card_loss("K1001", {"kind": "formal", "id_verified": True}, idempotency_key="lost-before")
    await driver.start("card_loss", text="储蓄卡丢了，想补一张")
    await driver.card(ZW["id_number"])
    assert driver.status == "failed" and not driver.calls("report_card_loss")
    said = driver.last.text("zh")
    assert "借记卡（尾号1018）已挂失" in said and "信用卡" not in said


async def test_a_temporary_block_asked_for_at_the_confirmation(driver: Driver) -> None:
    """ "先临时挂失，万一找着了呢" at the confirmation: the report becomes temporary, no replacement is
    offered, and the 5-day expiry is a follow-up of the visit."""
    await driver.start("card_loss")
    await driver.card(ZW["id_number"])
    await driver.send("尾号1018的卡")
    assert driver.awaiting["kind"] == "confirm"
    await driver.send("先临时挂失吧，万一找着了呢")
    assert "临时挂失" in driver.last.text("zh")
    await driver.send("确认")
    (loss,) = driver.calls("report_card_loss")
    assert loss.arguments["body"]["kind"] == "temporary"
    assert driver.status == "completed" and not driver.calls("replace_card")
    assert "5天" in driver.last.text("zh")


async def test_a_temporary_block_asked_for_in_the_opening_words(driver: Driver) -> None:
    await driver.start("card_loss", text="那你帮我挂失吧，临时挂失就行")
    await driver.card(ZW["id_number"])
    await driver.send("尾号1018的卡")
    assert driver.last.text("zh").startswith("将为您临时挂失")
    await driver.send("确认")
    (loss,) = driver.calls("report_card_loss")
    assert loss.arguments["body"]["kind"] == "temporary"


async def test_a_qr_reader_that_names_the_field_token_still_identifies(driver: Driver) -> None:
    await driver.start("statement")
    await driver.send(action="event", event={"type": "qr_scanned", "data": {"token": ZW["qr_token"]}})
    assert json.loads(driver.state)["customer"]["customer_id"] == ZW["customer_id"]


async def test_time_deposit_with_recommendation(driver: Driver) -> None:
    await driver.start("time_deposit", slots={"amount": 10000})
    await driver.qr(ZW["qr_token"])
    await driver.send("一年")
    assert "1.35%" in str(driver.last.cards[-1].data)
    await driver.send("确认")
    assert driver.awaiting["method"] == "pin"  # a time deposit needs the PIN only
    await driver.verify(ZW_PIN)
    assert driver.status == "completed"
    deposit = driver.calls("open_time_deposit")[0].result
    assert deposit["term_months"] == 12 and deposit["principal"] == "10000.00"
    referrals = driver.last.referrals
    assert referrals and referrals[0]["customer_id"] == ZW["customer_id"]


async def test_booking_check_in_leads_with_the_booking(driver: Driver) -> None:
    await driver.start("booking_check_in")
    r = await driver.send(action="event", event={"type": "booking_code", "data": {"code": CJ["booking_codes"][0]}})
    text = r.text("zh")
    assert "您预约了今天10:30的个人养老金账户开户，已为您签到" in text
    assert "您的个人消费贷款申请还缺收入证明" in text
    assert driver.status == "completed"
    assert not driver.calls("queue_ticket")


async def test_walk_in_check_in_takes_a_ticket(driver: Driver) -> None:
    await driver.start("booking_check_in")
    await driver.qr(ZW["qr_token"])
    assert driver.status == "completed"
    assert driver.calls("queue_ticket")[0].ok


async def test_online_booking_branch_handling(driver: Driver) -> None:
    await driver.start("booking_branch")
    await driver.send(f"我的预约码是{CJ['booking_codes'][0]}")
    assert driver.awaiting["slot"] == "contact_phone"
    await driver.send("15021089876")
    card = next(c for c in driver.last.cards if c.type == "confirmation")
    assert "个人养老金账户开户" in str(card.data)
    await driver.send("确认")
    assert driver.status == "completed"


async def test_statement_balance_and_print(driver: Driver, port: ClientsBankPort) -> None:
    await driver.start("statement")
    await driver.qr(ZW["qr_token"])
    r = await driver.send("查余额")
    assert driver.status == "completed"
    assert "余额为36800.00元" in r.text("zh")
    other = Driver(driver.engine, "sess-2")
    await other.start("statement")
    await other.qr(ZW["qr_token"])
    await other.send("打印流水")
    assert other.awaiting["slot"] == "period"  # a statement has a period
    await other.send("近三个月的")
    assert other.status == "completed"
    fetched = other.calls("transactions")[0]
    assert fetched.ok and fetched.arguments["months"] == "3"
    printed = other.calls("device_command")[0].arguments
    assert "近3个月" in str(printed)
    assert "近3个月的交易流水正在打印" in other.last.text("zh")


async def test_statement_period_said_in_the_opening_is_not_asked_again(driver: Driver) -> None:
    # the conversation passes the business it understood (statement_printing) and the opening words
    await driver.start("statement", slots={"what": "statement"}, text="帮我打印一下最近半年的流水")
    await driver.qr(ZW["qr_token"])
    assert driver.status == "completed"
    assert driver.calls("transactions")[0].arguments["months"] == "6"


async def test_the_kind_of_ticket_said_with_the_request_is_not_asked_again(driver: Driver) -> None:
    await driver.start("queue_ticket", text="我是来办公司业务的，帮我取个号")
    assert driver.status == "completed"
    assert driver.calls("queue_ticket")[0].arguments["business_type"] == "corporate"


async def test_a_statement_that_needs_the_banks_stamp_is_sent_to_the_counter(driver: Driver) -> None:
    """From a third independent usability run: "they need a stamp on it" was printed unstamped and called done."""
    await driver.start("statement", slots={"what": "statement"}, text="办签证用，要近半年的流水，得盖银行章")
    await driver.qr(ZW["qr_token"])
    assert driver.status == "completed"
    assert "需要盖章的流水请到柜台办理" in driver.said()
    assert "stamped statement is issued at the counter" in driver.last.text("en")


async def test_statement_latest_transactions_are_ten(driver: Driver) -> None:
    await driver.start("statement", slots={"what": "statement"})
    await driver.qr(ZW["qr_token"])
    await driver.send("最近十笔就行")
    assert driver.status == "completed"
    assert driver.calls("transactions")[0].arguments == {"account_id": ZW["accounts"][0]["id"], "limit": 10}


async def test_wealth_purchase_suitable_is_handed_to_specialist(driver: Driver) -> None:
    await driver.start("wealth_purchase")
    await driver.qr(ZW["qr_token"])  # C3
    await driver.send("我要买示范债券精选两万")  # both slots from one utterance, through the NLU
    assert driver.awaiting["kind"] == "confirm"
    said = driver.last.text("zh")
    assert "R3" in said and "不保证本金和收益" in said
    await driver.send("确认")
    assert driver.status == "handed_off"
    assert driver.last.handoff is not None and driver.last.handoff.skill == "wealth"
    assert driver.last.handoff.summary["slots"]["product"] == "示范债券精选"


async def test_wealth_purchase_below_minimum_is_reasked(driver: Driver) -> None:
    await driver.start("wealth_purchase")
    await driver.qr(ZW["qr_token"])
    await driver.send("示范安享90天理财 五千元")
    assert driver.awaiting["slot"] == "amount"
    assert "起购金额为10,000元" in driver.last.text("zh")
    await driver.send("一万")
    assert driver.awaiting["kind"] == "confirm"


async def test_wealth_purchase_unsuitable_is_blocked(driver: Driver) -> None:
    await driver.start("wealth_purchase", slots={"amount": 5000})
    await driver.card(LX["id_number"])  # C1
    await driver.send("示范债券精选")
    assert driver.status == "blocked"
    assert "R3" in driver.last.text("zh") and "C1" in driver.last.text("zh")


async def test_foreign_exchange_for_passport_holder(driver: Driver) -> None:
    await driver.start("foreign_exchange", language="en")
    await driver.card(EC["passport_number"], document="passport")
    await driver.send("buy")
    await driver.send("USD")
    await driver.send("1000")
    card = next(c for c in driver.last.cards if c.type == "confirmation")
    assert "7.1320" in str(card.data)
    await driver.send("confirm")
    assert driver.status == "completed"
    assert driver.calls("queue_ticket")[0].arguments["business_type"] == "foreign_exchange"
    assert "ticket" in driver.last.text("en")


async def test_pension_account_with_booking(driver: Driver) -> None:
    await driver.start("pension_account")
    r = await driver.send(action="event", event={"type": "booking_code", "data": {"code": CJ["booking_codes"][0]}})
    assert "已为您签到" in r.text("zh")
    assert driver.awaiting["slot"] == "yearly_amount"  # the one debit card is chosen automatically
    await driver.send("20000")
    assert driver.awaiting["slot"] == "yearly_amount"  # above the 12,000 cap: re-asked
    await driver.send("12000")
    await driver.send("确认")
    assert driver.status == "completed"
    assert not driver.calls("queue_ticket")  # the check-in already gave a ticket


async def test_statement_without_accounts_says_so(driver: Driver) -> None:
    await driver.start("statement", language="en")
    await driver.card(EC["passport_number"], document="passport")  # a foreign customer with no account yet
    assert driver.status == "failed"
    assert "could not find an account" in driver.last.text("en")


async def test_account_opening_goes_to_remote_verification(driver: Driver) -> None:
    await driver.start("account_opening", language="en")
    await driver.card(EC["passport_number"], document="passport")
    await driver.send("savings")
    await driver.send("13301234567")
    await driver.send("confirm")
    assert driver.status == "handed_off"
    assert driver.last.handoff is not None and driver.last.handoff.skill == "remote_verification"


async def test_scan_to_identify_counter_delivery(driver: Driver) -> None:
    await driver.start("scan_counter")
    await driver.qr(ZW["qr_token"])
    await driver.send("取款")
    await driver.send("60000")
    assert driver.awaiting["slot"] == "amount"
    await driver.send("3000")
    await driver.send("确认")
    assert driver.status == "completed"
    order = driver.calls("counter_order")[0].result
    assert order["pickup_code"] in driver.said()


async def test_self_service_remote_verification(driver: Driver) -> None:
    await driver.start("self_service_remote")
    await driver.card(ZW["id_number"])
    await driver.send("13800138000")
    await driver.send("确认")
    assert driver.status == "handed_off"
    assert driver.last.handoff is not None and driver.last.handoff.summary["slots"]["new_phone"] == "13800138000"


async def test_branch_acceptance_remote_service(driver: Driver) -> None:
    await driver.start("acceptance_remote", slots=extract_slots("我想贷款十万"))
    r = await driver.card(CJ["id_number"])
    assert "您的个人消费贷款申请还缺收入证明" in r.text("zh")
    assert driver.awaiting["slot"] == "loan_term"  # the amount came with the first utterance
    await driver.send("三年")
    await driver.send("装修")
    await driver.send("确认")
    assert driver.status == "handed_off"
    assert driver.last.handoff is not None and driver.last.handoff.skill == "loans"
    assert driver.last.follow_ups and driver.last.follow_ups[0]["action"] == "customer_manager_callback"

"""The real bank clients against the sandbox bank, in-process over ASGI and over real HTTP (uvicorn
on a loopback port): identification, idempotency, concurrency, limits, faults and the breaker."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from integrations import schemas as api
from integrations.bundle import BankClients
from integrations.clients import new_idempotency_key
from integrations.config import BankOptions
from integrations.errors import BankUnavailable, InvalidRequest, NeedsAuthorization, NotFound, Rejected
from integrations.http import BankHttp
from integrations.sandbox import tables
from integrations.sandbox.app import create_sandbox_app
from integrations.sandbox.seed import cast_summary

pytestmark = pytest.mark.integration

OPTIONS = BankOptions(
    connect_timeout_s=1.0,
    read_timeout_s=2.0,
    max_attempts=3,
    backoff_initial_s=0.01,
    backoff_max_s=0.05,
    breaker_threshold=4,
    breaker_reset_s=0.5,
)
CAST = cast_summary()
ZW, LX, CJ = CAST["zhang_wei"], CAST["li_xiuying"], CAST["chen_jing"]


@pytest.fixture(scope="module")
def sandbox_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_sandbox_app(tmp_path_factory.mktemp("sandbox") / "sandbox.db")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(sandbox_app: FastAPI) -> Iterator[str]:
    """The same sandbox served by uvicorn on a free loopback port, in a thread."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            sandbox_app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


Factory = Callable[[BankOptions], BankClients]


@pytest.fixture(params=["asgi", "http"])
async def make_bank(request: pytest.FixtureRequest, sandbox_app: FastAPI, server_url: str) -> AsyncIterator[Factory]:
    """Builds clients over ASGI or real HTTP to the (reset) sandbox; closes them afterwards."""
    made: list[BankClients] = []

    def make(options: BankOptions) -> BankClients:
        if request.param == "asgi":
            http = BankHttp("http://sandbox.test", options, transport=httpx.ASGITransport(app=sandbox_app))
        else:
            http = BankHttp(server_url, options)
        made.append(BankClients.over(http))
        return made[-1]

    await make(OPTIONS).sandbox.reset()
    yield make
    await made[0].sandbox.clear_faults()
    for clients in made:
        await clients.aclose()


@pytest.fixture
def bank(make_bank: Factory) -> BankClients:
    return make_bank(OPTIONS)


def transfer(amount: str, to: str = LX["accounts"][0]["number"], **kw: object) -> api.TransferRequest:
    return api.TransferRequest(
        from_account_id=ZW["accounts"][0]["id"], to_account_number=to, to_name="收款人", amount=Decimal(amount), **kw
    )  # type: ignore[arg-type]


async def balance(bank: BankClients, customer_id: str) -> Decimal:
    return (await bank.customers.accounts(customer_id))[0].balance


async def test_health_and_lookup_by_every_identifier(bank: BankClients):
    assert (await bank.health())["ok"] is True
    for key, person in CAST.items():
        if person["customer_id"] is None:
            continue
        found = {
            (await bank.customers.lookup("phone", person["phone"])).customer_id,
            (await bank.customers.lookup("qr_token", person["qr_token"])).customer_id,
            (await bank.customers.lookup("id_number", person["id_number"] or person["passport_number"])).customer_id,
        }
        assert found == {person["customer_id"]}, key
    assert (await bank.customers.lookup("booking_code", CJ["booking_codes"][0])).customer_id == CJ["customer_id"]
    with pytest.raises(NotFound):
        await bank.customers.lookup("phone", "13000000000")


async def test_profile_shows_needs_and_unfinished_business(bank: BankClients):
    chen = await bank.customers.profile(CJ["customer_id"])
    assert chen.applications[0].missing_documents == ["income_certificate"]
    assert any("收入证明" in line for line in chen.in_flight)
    assert chen.bookings[0].business_type == "pension_account_opening"
    li = await bank.customers.profile(LX["customer_id"])
    assert li.is_elderly and li.risk_tolerance == "C1" and "slow_speech" in li.accessibility
    assert sum(d.principal for d in li.deposits) == Decimal("400000.00")
    emily = await bank.customers.profile(CAST["emily_clark"]["customer_id"])
    assert emily.language == "en" and emily.id_type == "passport" and emily.accounts == []


async def test_same_transfer_twice_with_one_key_makes_one_transaction(bank: BankClients):
    key = new_idempotency_key()
    first = await bank.transactions.transfer(transfer("123.45"), idempotency_key=key)
    second = await bank.transactions.transfer(transfer("123.45"), idempotency_key=key)
    assert first == second and first.status == "completed"
    statement = await bank.customers.transactions(ZW["accounts"][0]["id"])
    assert [t.amount for t in statement if t.amount == Decimal("123.45")] == [Decimal("123.45")]
    assert await balance(bank, ZW["customer_id"]) == Decimal(ZW["accounts"][0]["balance"]) - Decimal("123.45")
    with pytest.raises(InvalidRequest) as err:
        await bank.transactions.transfer(transfer("999.00"), idempotency_key=key)
    assert err.value.code == "idempotency_key_reused"


async def test_concurrent_repeats_of_one_key_act_once(bank: BankClients):
    key = new_idempotency_key()
    results = await asyncio.gather(
        *(bank.transactions.transfer(transfer("77.00"), idempotency_key=key) for _ in range(10))
    )
    assert len({r.id for r in results}) == 1
    assert await balance(bank, ZW["customer_id"]) == Decimal(ZW["accounts"][0]["balance"]) - 77


async def test_a_write_without_a_key_is_refused(bank: BankClients):
    with pytest.raises(InvalidRequest) as err:
        await bank.http.request("transactions", "POST", "/v1/transfers", json=transfer("1").model_dump(mode="json"))
    assert err.value.status == 400 and err.value.code == "idempotency_key_required"


async def test_fifty_concurrent_transfers_never_overdraw(bank: BankClients):
    start = Decimal(ZW["accounts"][0]["balance"])  # 36,800 yuan: room for 36 transfers of 1,000
    results = await asyncio.gather(
        *(bank.transactions.transfer(transfer("1000.00"), idempotency_key=new_idempotency_key()) for _ in range(50)),
        return_exceptions=True,
    )
    done = [r for r in results if isinstance(r, api.Transfer)]
    refused = [r for r in results if isinstance(r, Rejected)]
    assert len(done) + len(refused) == 50, [r for r in results if not isinstance(r, api.Transfer | Rejected)]
    assert len(done) == int(start // 1000)
    assert {r.code for r in refused} == {"insufficient_funds"}
    final = await balance(bank, ZW["customer_id"])
    assert final == start - 1000 * len(done) and final >= 0
    assert min(t.balance_after for t in done if t.balance_after is not None) >= 0


async def test_fault_surfaces_as_typed_error_after_the_configured_retries(bank: BankClients):
    await bank.sandbox.set_faults([api.Fault(path_prefix="/v1/customers", error_rate=1.0, error_status=503)])
    with pytest.raises(BankUnavailable) as err:
        await bank.customers.profile(ZW["customer_id"])
    assert err.value.status == 503
    assert (await bank.sandbox.faults()).hits == {"/v1/customers": OPTIONS.max_attempts}
    assert await bank.devices.devices("BJ001")  # other paths are unaffected


async def test_timeout_fault_surfaces_as_unavailable(make_bank: Factory):
    impatient = make_bank(OPTIONS.model_copy(update={"connect_timeout_s": 0.2, "read_timeout_s": 0.3}))
    await impatient.sandbox.set_faults([api.Fault(path_prefix="/v1/queue", timeout=True, hang_s=5)])
    with pytest.raises(BankUnavailable) as err:
        await impatient.booking.queue("BJ001")
    assert err.value.code == "timeout"
    assert (await impatient.sandbox.faults()).hits == {"/v1/queue": OPTIONS.max_attempts}


async def test_breaker_opens_then_recovers(bank: BankClients):
    await bank.sandbox.set_faults([api.Fault(path_prefix="/v1/risk", error_rate=1.0)])
    screen = api.ScreenRequest(customer_id=ZW["customer_id"])
    for _ in range(OPTIONS.breaker_threshold):  # a POST without a key: one try each
        with pytest.raises(BankUnavailable):
            await bank.risk.screen(screen)
    assert await bank.http.breaker_state("risk") == "opened"
    with pytest.raises(BankUnavailable) as err:
        await bank.risk.screen(screen)
    assert err.value.circuit_open
    assert (await bank.sandbox.faults()).hits["/v1/risk"] == OPTIONS.breaker_threshold  # refused locally
    await bank.sandbox.clear_faults()
    await asyncio.sleep(OPTIONS.breaker_reset_s + 0.1)
    assert (await bank.risk.screen(screen)).decision == "allow"
    assert await bank.http.breaker_state("risk") == "closed"


async def test_with_the_shipped_breaker_a_returned_bank_is_used_again_within_seconds(make_bank: Factory):
    """An outage must not outlive the bank by long: the shipped breaker probes again after a few seconds
    (it waited 30 s, refusing calls that would already have succeeded)."""
    shipped = BankOptions()
    assert shipped.breaker_reset_s <= 5.0
    bank = make_bank(shipped.model_copy(update={"backoff_initial_s": 0.01, "backoff_max_s": 0.05}))
    await bank.sandbox.set_faults([api.Fault(path_prefix="/v1/risk", error_rate=1.0)])
    screen = api.ScreenRequest(customer_id=ZW["customer_id"])
    for _ in range(shipped.breaker_threshold):
        with pytest.raises(BankUnavailable):
            await bank.risk.screen(screen)
    assert await bank.http.breaker_state("risk") == "opened"
    await bank.sandbox.clear_faults()
    back = time.monotonic()
    while True:
        try:
            assert (await bank.risk.screen(screen)).decision == "allow"
            break
        except BankUnavailable as exc:
            assert exc.circuit_open
            assert time.monotonic() - back < shipped.breaker_reset_s + 2, "still refusing long after the bank came back"
            await asyncio.sleep(0.25)
    assert time.monotonic() - back <= shipped.breaker_reset_s + 1


async def test_lost_answer_then_retry_with_the_key_acts_once(bank: BankClients):
    key = new_idempotency_key()
    await bank.sandbox.set_faults([api.Fault(path_prefix="/v1/transfers", error_rate=1.0, after_processing=True)])
    with pytest.raises(BankUnavailable):
        await bank.transactions.transfer(transfer("50.00"), idempotency_key=key)
    await bank.sandbox.clear_faults()
    done = await bank.transactions.transfer(transfer("50.00"), idempotency_key=key)
    assert done.status == "completed"
    assert await balance(bank, ZW["customer_id"]) == Decimal(ZW["accounts"][0]["balance"]) - 50


async def test_large_transfer_needs_authorization(bank: BankClients):
    big = api.TransferRequest(
        from_account_id=LX["accounts"][0]["id"],
        to_account_number=ZW["accounts"][0]["number"],
        to_name="张伟",
        amount=Decimal("60000.00"),
    )
    with pytest.raises(NeedsAuthorization) as pending:
        await bank.transactions.transfer(big, idempotency_key=new_idempotency_key())
    assert await balance(bank, LX["customer_id"]) == Decimal(LX["accounts"][0]["balance"])  # nothing moved yet
    decided = await bank.transactions.decide_authorization(
        pending.value.authorization_id, approve=True, approver="teller-01", idempotency_key=new_idempotency_key()
    )
    assert decided.status == "approved" and decided.transfer.status == "completed"
    assert await balance(bank, LX["customer_id"]) == Decimal(LX["accounts"][0]["balance"]) - 60000
    with pytest.raises(Rejected) as closed:
        await bank.transactions.decide_authorization(
            pending.value.authorization_id, approve=False, approver="x", idempotency_key=new_idempotency_key()
        )
    assert closed.value.code == "authorization_closed"
    with pytest.raises(NeedsAuthorization) as second:
        await bank.transactions.transfer(big, idempotency_key=new_idempotency_key())
    rejected = await bank.transactions.decide_authorization(
        second.value.authorization_id, approve=False, approver="expert-07", idempotency_key=new_idempotency_key()
    )
    assert rejected.transfer.status == "rejected"
    assert await balance(bank, LX["customer_id"]) == Decimal(LX["accounts"][0]["balance"]) - 60000


async def test_limits_and_fees(bank: BankClients):
    with pytest.raises(Rejected) as err:
        await bank.transactions.transfer(transfer("500000.01"), idempotency_key=new_idempotency_key())
    assert err.value.code == "single_limit_exceeded"
    with pytest.raises(Rejected) as err:
        await bank.transactions.transfer(transfer("10", to="1234567890123"), idempotency_key=new_idempotency_key())
    assert err.value.code == "payee_account_not_found"
    counter = await bank.transactions.transfer(
        transfer("20000.00", to="6222000011112222", to_bank="远洋商业银行", channel="counter"),
        idempotency_key=new_idempotency_key(),
    )
    assert counter.fee == Decimal("4.00") and counter.route == "ibps_realtime" and not counter.same_bank


async def test_daily_total_limit(bank: BankClients, sandbox_app: FastAPI):
    with sandbox_app.state.sandbox.session() as s:  # arrange: give li_xiuying enough for two maximum transfers
        s.get(tables.Account, LX["accounts"][0]["id"]).balance_fen = 2_000_000_00
    big = api.TransferRequest(
        from_account_id=LX["accounts"][0]["id"],
        to_account_number=ZW["accounts"][0]["number"],
        to_name="张伟",
        amount=Decimal("500000.00"),
    )
    for _ in range(2):  # 1,000,000 in a day is allowed
        with pytest.raises(NeedsAuthorization) as pending:
            await bank.transactions.transfer(big, idempotency_key=new_idempotency_key())
        await bank.transactions.decide_authorization(
            pending.value.authorization_id, approve=True, approver="t", idempotency_key=new_idempotency_key()
        )
    small = big.model_copy(update={"amount": Decimal("1.00")})
    with pytest.raises(Rejected) as err:
        await bank.transactions.transfer(small, idempotency_key=new_idempotency_key())
    assert err.value.code == "daily_limit_exceeded"


async def test_risk_screening_over_the_lists(bank: BankClients):
    wang = await bank.risk.screen(api.ScreenRequest(customer_id=CAST["wang_qiang"]["customer_id"]))
    assert wang.decision == "block" and {"aml_sanctions", "anti_fraud"} <= {h.list for h in wang.hits}
    payee = await bank.risk.screen(
        api.ScreenRequest(
            customer_id=ZW["customer_id"],
            counterparty_account=CAST["fraud_payee"]["account_number"],
            counterparty_name=CAST["fraud_payee"]["name"],
            amount=Decimal("20000"),
        )
    )
    assert payee.decision in ("block", "hold") and "fraud_accounts" in {h.list for h in payee.hits}
    elderly = await bank.risk.screen(
        api.ScreenRequest(
            customer_id=LX["customer_id"], counterparty_account="6222000011112222", amount=Decimal("80000")
        )
    )
    assert elderly.decision == "warn"
    # the same customer's time deposit goes to nobody else: not a third-party risk (a usability run was warned)
    deposit = await bank.risk.screen(api.ScreenRequest(customer_id=LX["customer_id"], amount=Decimal("80000")))
    assert deposit.decision == "allow"
    plain = await bank.risk.screen(
        api.ScreenRequest(
            customer_id=ZW["customer_id"], counterparty_account=LX["accounts"][0]["number"], amount=Decimal("500")
        )
    )
    assert plain == api.ScreenResult(decision="allow", hits=[])
    event = await bank.risk.report_event(
        api.RiskEventRequest(kind="scam_warning_given", customer_id=LX["customer_id"], severity="warn"),
        idempotency_key=new_idempotency_key(),
    )
    assert event.kind == "scam_warning_given"


async def test_card_loss_and_replacement(bank: BankClients):
    card = ZW["cards"][0]["id"]
    temporary = await bank.transactions.report_card_loss(
        card, api.LossReportRequest(kind="temporary"), idempotency_key=new_idempotency_key()
    )
    assert temporary.status == "temporarily_lost" and temporary.temporary_until is not None
    with pytest.raises(Rejected) as err:
        await bank.transactions.replace_card(card, api.ReplacementRequest(), idempotency_key=new_idempotency_key())
    assert err.value.code == "formal_loss_report_required"
    with pytest.raises(Rejected):
        await bank.transactions.report_card_loss(
            card, api.LossReportRequest(kind="formal"), idempotency_key=new_idempotency_key()
        )
    await bank.transactions.report_card_loss(
        card, api.LossReportRequest(kind="formal", id_verified=True), idempotency_key=new_idempotency_key()
    )
    new = await bank.transactions.replace_card(card, api.ReplacementRequest(), idempotency_key=new_idempotency_key())
    assert new.fee == Decimal("5.00") and new.ready == "now" and new.new_card.number != ZW["cards"][0]["number"]
    li_card = LX["cards"][0]["id"]
    await bank.transactions.report_card_loss(
        li_card, api.LossReportRequest(kind="formal", id_verified=True), idempotency_key=new_idempotency_key()
    )
    waived = await bank.transactions.replace_card(
        li_card, api.ReplacementRequest(delivery="mail"), idempotency_key=new_idempotency_key()
    )
    assert waived.fee == Decimal("0.00") and waived.fee_waived_reason and waived.ready == "later"


async def test_deposits_counter_orders_and_fx(bank: BankClients):
    deposit = await bank.transactions.open_time_deposit(
        api.TimeDepositRequest(
            customer_id=ZW["customer_id"], account_id=ZW["accounts"][0]["id"], term_months=12, amount=Decimal("1000")
        ),
        idempotency_key=new_idempotency_key(),
    )
    assert deposit.rate == Decimal("1.35")
    with pytest.raises(Rejected):
        await bank.transactions.open_time_deposit(
            api.TimeDepositRequest(
                customer_id=ZW["customer_id"], account_id=ZW["accounts"][0]["id"], term_months=3, amount=Decimal("10")
            ),
            idempotency_key=new_idempotency_key(),
        )
    with pytest.raises(Rejected) as err:
        await bank.transactions.counter_order(
            api.CounterOrderRequest(
                customer_id=LX["customer_id"],
                account_id=LX["accounts"][0]["id"],
                kind="withdrawal",
                amount=Decimal("50000"),
            ),
            idempotency_key=new_idempotency_key(),
        )
    assert err.value.code == "large_cash_needs_booking"
    order = await bank.transactions.counter_order(
        api.CounterOrderRequest(
            customer_id=LX["customer_id"], account_id=LX["accounts"][0]["id"], kind="withdrawal", amount=Decimal("2000")
        ),
        idempotency_key=new_idempotency_key(),
    )
    assert order.status == "prepared" and len(order.pickup_code) == 6
    assert {r.currency for r in (await bank.transactions.fx_rates()).rates} == {"USD", "EUR", "JPY", "HKD", "GBP"}


async def test_booking_check_in_and_queue(bank: BankClients):
    key = new_idempotency_key()
    checked = await bank.booking.check_in(CJ["booking_codes"][0], idempotency_key=key)
    assert checked.booking.status == "checked_in" and checked.ticket.number.startswith("A")
    assert (await bank.booking.check_in(CJ["booking_codes"][0], idempotency_key=key)) == checked
    with pytest.raises(Rejected):
        await bank.booking.check_in(CJ["booking_codes"][0], idempotency_key=new_idempotency_key())
    ticket = await bank.booking.take_ticket(
        api.TicketRequest(business_type="deposit", priority=True), idempotency_key=new_idempotency_key()
    )
    assert ticket.category == "priority" and ticket.number.startswith("V")
    queue = await bank.booking.queue("BJ001")
    assert {c.category for c in queue.categories} == {"personal", "corporate", "wealth", "priority"}


async def test_a_counter_calls_a_ticket_once(bank: BankClients):
    def waiting(queue: api.QueueStatus) -> int:
        return next(c.waiting for c in queue.categories if c.category == "personal")

    ticket = await bank.booking.take_ticket(
        api.TicketRequest(business_type="deposit"), idempotency_key=new_idempotency_key()
    )
    before = waiting(await bank.booking.queue("BJ001"))
    key = new_idempotency_key()
    called = await bank.booking.call_ticket("BJ001", ticket.number, "2", idempotency_key=key)
    assert (called.id, called.status, called.counter) == (ticket.id, "called", "2") and called.called_at
    assert await bank.booking.call_ticket("BJ001", ticket.number, "2", idempotency_key=key) == called
    assert waiting(await bank.booking.queue("BJ001")) == before - 1
    with pytest.raises(Rejected) as refused:
        await bank.booking.call_ticket("BJ001", ticket.number, "4", idempotency_key=new_idempotency_key())
    assert refused.value.code == "ticket_already_called"
    with pytest.raises(NotFound):
        await bank.booking.call_ticket("BJ001", "A999", "2", idempotency_key=new_idempotency_key())
    assert waiting(await bank.booking.queue("BJ001")) == before - 1


async def test_a_ticket_call_whose_answer_was_lost_is_retried_once_in_effect(bank: BankClients):
    ticket = await bank.booking.take_ticket(
        api.TicketRequest(business_type="deposit"), idempotency_key=new_idempotency_key()
    )
    before = (await bank.booking.queue("BJ001")).categories
    prefix, lost = f"/v1/queue/tickets/{ticket.number}/call", new_idempotency_key()
    await bank.sandbox.set_faults(
        [api.Fault(path_prefix=prefix, error_rate=1.0, error_status=503, after_processing=True)]
    )
    with pytest.raises(BankUnavailable):
        await bank.booking.call_ticket("BJ001", ticket.number, "1", idempotency_key=lost)
    assert (await bank.sandbox.faults()).hits == {prefix: OPTIONS.max_attempts}
    await bank.sandbox.clear_faults()
    called = await bank.booking.call_ticket("BJ001", ticket.number, "1", idempotency_key=lost)
    assert called.status == "called"
    after = {c.category: c.waiting for c in (await bank.booking.queue("BJ001")).categories}
    assert after["personal"] == next(c.waiting for c in before if c.category == "personal") - 1


async def test_devices_and_jobs(bank: BankClients):
    devices = await bank.devices.devices("BJ001")
    assert {d.kind for d in devices} == {
        "receipt_printer",
        "card_dispenser",
        "product_locker",
        "id_card_reader",
        "qr_scanner",
    }
    job = await bank.devices.command(
        "LCK-BJ001-1", "open_locker", {"pickup_code": "583920"}, idempotency_key=new_idempotency_key()
    )
    assert job.status == "completed" and (await bank.devices.job(job.id)) == job
    broken = await bank.devices.command("DSP-SH001-1", "dispense_card", {}, idempotency_key=new_idempotency_key())
    assert broken.status == "failed" and "offline" in broken.result["reason"]
    with pytest.raises(InvalidRequest):
        await bank.devices.command("PRN-BJ001-1", "open_locker", {}, idempotency_key=new_idempotency_key())


def test_openapi_documents_the_api(sandbox_app: FastAPI, tmp_path: Path):
    paths = set(sandbox_app.openapi()["paths"])
    assert {
        "/v1/customers/lookup",
        "/v1/transfers",
        "/v1/risk/screen",
        "/v1/devices/{device_id}/commands",
        "/sandbox/v1/reset",
        "/sandbox/v1/faults",
    } <= paths

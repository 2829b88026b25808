"""Journeys drive MQTT devices through the bank port, and degrade visibly when a device fails or is silent:
another device of the kind, else a pickup code on screen and on the visit's record. Real mosquitto, the
simulated devices of BJ001, the in-process sandbox bank for everything that is not a device."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import ClientsBankPort
from assistant.nlu.slots import extract_slots
from integrations.bundle import BankClients
from integrations.devices.broker import BrokerConfig
from integrations.devices.link import DeviceLink
from integrations.devices.options import DeviceOptions
from integrations.devices.simulator import BranchSimulator
from integrations.devices.wiring import attach_mqtt_devices, device_overview
from integrations.sandbox.seed import cast_summary
from tests.integration.devices_mqtt import BRANCH, LocalMosquitto, broker_config, device_url, need_mosquitto, row, until
from tests.integration.journey_driver import Driver

pytestmark = pytest.mark.integration
ZW = cast_summary()["zhang_wei"]


@pytest.fixture
async def branch(tmp_path: Path) -> AsyncIterator[tuple[BranchSimulator, BrokerConfig]]:
    need_mosquitto()
    config = broker_config(tmp_path / "mqtt")
    with LocalMosquitto(config).running():
        sim = BranchSimulator(device_url(config), [d for d in config.devices if d.branch == BRANCH], heartbeat_s=0.5)
        await sim.start()
        yield sim, config
        await sim.stop()


@pytest.fixture
async def link(clients: BankClients, branch: tuple[BranchSimulator, BrokerConfig]) -> AsyncIterator[DeviceLink]:
    sim, config = branch
    attached = await attach_mqtt_devices(clients, config.service_url, DeviceOptions(command_timeout_s=2.0))
    assert attached is not None and attached.connected
    await until(lambda: all(row(attached, d).get("usable") for d in sim.devices), "every device of BJ001 online")
    yield attached
    await attached.aclose()


@pytest.fixture
def driver(clients: BankClients, link: DeviceLink) -> Driver:
    return Driver(JourneyEngine(ClientsBankPort(clients), extractor=extract_slots))


async def card_loss_with_card_at_kiosk(driver: Driver) -> None:
    await driver.start("card_loss")
    await driver.card(ZW["id_number"])
    await driver.send("尾号1018的卡")
    await driver.send("确认")
    await driver.send("是")
    await driver.send("现场领取")
    await driver.send("确认")
    assert driver.status == "completed"


def receipt_commands(driver: Driver) -> list[tuple[str, bool]]:
    return [
        (c.arguments["device_id"], c.ok)
        for c in driver.calls("device_command")
        if c.arguments["command"] == "print_receipt"
    ]


async def test_jammed_printer_during_a_card_loss_visit_ends_with_a_pickup_code(
    driver: Driver, branch: tuple[BranchSimulator, BrokerConfig], link: DeviceLink
) -> None:
    sim, _ = branch
    await sim["PRN-BJ001-2"].request("offline")  # the branch's second printer has lost power
    await until(lambda: row(link, "PRN-BJ001-2")["state"] == "offline", "the second printer's will")
    await sim["PRN-BJ001-1"].request("jam-next")  # looks fine, jams on the next job

    await card_loss_with_card_at_kiosk(driver)

    assert sim["DSP-BJ001-1"].executed == 1  # the new card came out of the MQTT dispenser
    assert receipt_commands(driver) == [("PRN-BJ001-1", True)]  # it answered: failed, jammed
    held = driver.last.state["results"]["receipt"]
    assert held["status"] == "held" and held["attempts"] == [
        {"device": "PRN-BJ001-1", "status": "failed", "reason": "device jammed"}
    ]
    code = held["pickup_code"]
    assert len(code) == 6 and code.isdigit()
    said = driver.last.text("zh")
    assert "打印机暂不可用" in said and f"取件码 {code}" in said
    assert any(c.data.get("pickup_code") == code for c in driver.last.cards)
    (pickup,) = [f for f in driver.last.state["follow_ups"] if f["action"] == "device_pickup"]
    assert pickup["pickup_code"] == code and pickup["command"] == "print_receipt"
    assert pickup["customer_id"] == ZW["customer_id"] and pickup["branch_id"] == BRANCH
    order = await bank_of(driver).orders.get(held["order_id"])  # a real order at the bank, code checked there
    assert pickup["order_id"] == order.id and order.status == "reserved" and order.kind == "document"
    assert sim["PRN-BJ001-1"].executed == 0
    await until(lambda: row(link, "PRN-BJ001-1")["state"] == "jammed", "the jam on the console picture")
    overview = {r["device"]: r for r in await device_overview(link_client(driver), BRANCH)}
    assert overview["PRN-BJ001-1"]["faults"] == ["paper jam"] and overview["PRN-BJ001-2"]["online"] is False


def bank_of(driver: Driver) -> BankClients:
    port = driver.engine.bank
    assert isinstance(port, ClientsBankPort)
    return port.clients


def link_client(driver: Driver):  # the bank port's device client, as a console would be handed it
    return bank_of(driver).devices


async def test_a_failed_printer_is_followed_by_another(
    driver: Driver, branch: tuple[BranchSimulator, BrokerConfig], link: DeviceLink
) -> None:
    sim, _ = branch
    await sim["PRN-BJ001-1"].request("jam-next")
    await card_loss_with_card_at_kiosk(driver)
    assert receipt_commands(driver) == [("PRN-BJ001-1", True), ("PRN-BJ001-2", True)]
    done = driver.last.state["results"]["receipt"]
    assert done["status"] == "completed" and done["device_id"] == "PRN-BJ001-2"
    assert sim["PRN-BJ001-2"].executed == 1 and "另一台设备" in driver.last.text("zh")
    assert not [f for f in driver.last.state["follow_ups"] if f["action"] == "device_pickup"]


async def test_a_silent_dispenser_gives_a_pickup_code_and_never_a_late_card(
    driver: Driver, branch: tuple[BranchSimulator, BrokerConfig], link: DeviceLink
) -> None:
    sim, _ = branch
    await sim["DSP-BJ001-1"].request("silent")  # connected, status says online, answers nothing
    await card_loss_with_card_at_kiosk(driver)
    (attempt,) = [c for c in driver.calls("device_command") if c.arguments["command"] == "dispense_card"]
    assert not attempt.ok and "device_timeout" in (attempt.error or "")
    held = driver.last.state["results"]["dispense"]
    assert held["status"] == "held" and held["attempts"][0]["status"] == "no_answer"
    assert f"取件码 {held['pickup_code']}" in driver.last.text("zh")
    await sim["DSP-BJ001-1"].request("wake")
    assert sim["DSP-BJ001-1"].executed == 0 and sim["DSP-BJ001-1"].model.stock == 20
    assert driver.last.state["results"]["receipt"]["status"] == "completed"  # the receipt still printed


async def test_without_a_broker_setting_devices_stay_the_sandbox_ones(clients: BankClients) -> None:
    before = clients.devices
    assert await attach_mqtt_devices(clients, "", DeviceOptions()) is None
    assert clients.devices is before
    overview = {r["device"]: r for r in await device_overview(clients.devices, BRANCH)}
    assert overview["PRN-BJ001-1"]["state"] == "online" and overview["DSP-BJ001-1"]["stock"] == 20


async def test_a_visit_retried_on_a_second_replica_hands_out_one_card(
    driver: Driver, clients: BankClients, branch: tuple[BranchSimulator, BrokerConfig], link: DeviceLink
) -> None:
    """Replica A finishes the visit but its answer is lost; the kiosk's retry lands on replica B (its own
    broker connection) with the state from before. Same step, same command ids: one card, one receipt."""
    sim, config = branch
    replica_b = BankClients.over(clients.http, clients.sandbox_app)  # the same bank, its own device link
    link_b = await attach_mqtt_devices(replica_b, config.service_url, DeviceOptions(command_timeout_s=2.0))
    assert link_b is not None
    try:
        await until(lambda: all(row(link_b, d).get("usable") for d in sim.devices), "replica b's picture")
        await driver.start("card_loss")
        for step in (None, "尾号1018的卡", "确认", "是", "现场领取"):
            await (driver.card(ZW["id_number"]) if step is None else driver.send(step))
        before_last_turn = driver.state
        await driver.send("确认")
        on_b = Driver(JourneyEngine(ClientsBankPort(replica_b), extractor=extract_slots))
        on_b.state = before_last_turn
        await on_b.send("确认")

        assert driver.status == on_b.status == "completed"
        for result in ("dispense", "receipt"):
            assert driver.last.state["results"][result]["status"] == "completed"
            assert on_b.last.state["results"][result]["status"] == "completed"
        await until(lambda: sim["DSP-BJ001-1"].repeats == 1, "the dispenser hearing the retry")
        assert sim["DSP-BJ001-1"].executed == 1 and sim["DSP-BJ001-1"].model.stock == 19
        assert sim["PRN-BJ001-1"].executed == 1 and sim["PRN-BJ001-1"].repeats == 1
    finally:
        await link_b.aclose()

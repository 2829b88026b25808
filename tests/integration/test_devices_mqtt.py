"""Branch devices over a real mosquitto: commands and acknowledgements, retained status across a broker
restart, last wills, per-device accounts, and no duplicate execution across two replicas.

Each test starts its own mosquitto (Debian's binary) on a free port with a generated config, and the
simulated devices of BJ001 connect to it with their own accounts, exactly as `lobby devices simulate` does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import aiomqtt
import pytest

from integrations.devices import topics
from integrations.devices.broker import BrokerConfig
from integrations.devices.client import MqttDevicesClient
from integrations.devices.link import BrokerTarget, DeviceLink, DeviceTimeout
from integrations.devices.messages import Ack, Command, DeviceStatus, utcnow
from integrations.devices.simulator import BranchSimulator
from integrations.errors import BankUnavailable
from tests.integration.devices_mqtt import (
    BRANCH,
    LocalMosquitto,
    broker_config,
    device_url,
    need_mosquitto,
    replica,
    row,
    until,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def config(tmp_path: Path) -> BrokerConfig:
    need_mosquitto()
    return broker_config(tmp_path / "mqtt")


@pytest.fixture
def broker(config: BrokerConfig) -> LocalMosquitto:
    server = LocalMosquitto(config)
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


@pytest.fixture
async def sim(broker: LocalMosquitto, config: BrokerConfig) -> AsyncIterator[BranchSimulator]:
    devices = BranchSimulator(device_url(config), [d for d in config.devices if d.branch == BRANCH], heartbeat_s=0.5)
    await devices.start()
    yield devices
    await devices.stop()


@pytest.fixture
async def link(broker: LocalMosquitto, config: BrokerConfig) -> AsyncIterator[DeviceLink]:
    one = await replica(config, "replica-a")
    yield one
    await one.aclose()


async def test_a_command_is_executed_and_acknowledged(sim: BranchSimulator, link: DeviceLink) -> None:
    await until(lambda: row(link, "PRN-BJ001-1").get("usable"), "the printer's retained status")
    ack = await link.send(BRANCH, "PRN-BJ001-1", "print_receipt", {"lines": ["挂失凭条", "K1001"]}, command_id="c-1")
    assert (ack.id, ack.device, ack.status, ack.duplicate) == ("c-1", "PRN-BJ001-1", "completed", False)
    assert ack.result == {"printed_lines": 2, "paper_left": 199}
    assert sim["PRN-BJ001-1"].executed == 1 and sim["PRN-BJ001-2"].executed == 0
    await until(lambda: row(link, "PRN-BJ001-1")["paper"] == 199, "the new paper level in the picture")

    refused = await link.send(BRANCH, "PRN-BJ001-1", "dispense_card", {}, command_id="c-2")
    assert refused.status == "rejected" and "cannot dispense_card" in refused.result["reason"]


async def test_the_bank_client_shape_over_mqtt(sim: BranchSimulator, link: DeviceLink) -> None:
    """The journeys' `DevicesApi` over MQTT: devices in the bank API's shape, a command as a DeviceJob."""
    client = MqttDevicesClient(link)
    await until(lambda: len(link.picture.snapshot(BRANCH)) == 5, "all five devices of BJ001")
    devices = {d.id: d for d in await client.devices(BRANCH)}
    assert devices["DSP-BJ001-1"].kind == "card_dispenser" and devices["DSP-BJ001-1"].stock == 20
    job = await client.command("DSP-BJ001-1", "dispense_card", {"card_id": "K9"}, idempotency_key="jrn-1")
    assert job.status == "completed" and job.result["stock_left"] == 19
    assert (await client.job(job.id)) == job

    await sim["DSP-BJ001-1"].request("silent")
    link.command_timeout_s = 0.5
    with pytest.raises(BankUnavailable) as lost:
        await client.command("DSP-BJ001-1", "dispense_card", {}, idempotency_key="jrn-2")
    assert lost.value.code == "device_timeout"
    assert sim["DSP-BJ001-1"].executed == 1


async def test_commands_are_not_duplicated_across_two_replicas(
    sim: BranchSimulator, link: DeviceLink, config: BrokerConfig
) -> None:
    """Two replicas send the same command id (a retried journey step after a failover): the dispenser
    hands out one card, and both replicas learn the one outcome."""
    other = await replica(config, "replica-b")
    try:
        await until(lambda: row(other, "DSP-BJ001-1").get("usable"), "replica b's picture")
        first, second = await asyncio.gather(
            link.send(BRANCH, "DSP-BJ001-1", "dispense_card", {"card_id": "K7"}, command_id="jrn-abc"),
            other.send(BRANCH, "DSP-BJ001-1", "dispense_card", {"card_id": "K7"}, command_id="jrn-abc"),
        )
        assert first.status == second.status == "completed"
        assert first.result["stock_left"] == second.result["stock_left"] == 19
        await until(lambda: sim["DSP-BJ001-1"].repeats == 1, "the dispenser hearing the second copy")
        assert sim["DSP-BJ001-1"].executed == 1 and sim["DSP-BJ001-1"].model.stock == 19

        again = await other.send(BRANCH, "DSP-BJ001-1", "dispense_card", {"card_id": "K8"}, command_id="jrn-def")
        assert again.result["stock_left"] == 18 and sim["DSP-BJ001-1"].executed == 2
    finally:
        await other.aclose()


async def test_status_is_retained_across_a_broker_restart(
    sim: BranchSimulator, link: DeviceLink, broker: LocalMosquitto, config: BrokerConfig
) -> None:
    printer = sim["PRN-BJ001-1"]
    await printer.request("jam")
    await until(lambda: row(link, "PRN-BJ001-1").get("state") == "jammed", "the jam in the picture")
    await sim.stop(say_offline=False)  # clean disconnects: no will, the jam stays the last word
    await link.aclose()
    broker.restart()

    fresh = await replica(config, "replica-after-restart")
    try:
        jammed = await until(lambda: row(fresh, "PRN-BJ001-1"), "the retained status after the restart")
        assert jammed["state"] == "jammed" and jammed["faults"] == ["paper jam"] and not jammed["usable"]
        assert row(fresh, "DSP-BJ001-1")["stock"] == 20
        assert {r["device"] for r in fresh.picture.snapshot(BRANCH)} == set(sim.devices)
    finally:
        await fresh.aclose()


async def test_last_will_marks_a_lost_device_offline(
    sim: BranchSimulator, link: DeviceLink, config: BrokerConfig
) -> None:
    await until(lambda: row(link, "DSP-BJ001-1").get("usable"), "the dispenser online")
    await sim["DSP-BJ001-1"].request("offline")  # the socket drops without a DISCONNECT: a power cut
    lost = await until(lambda: row(link, "DSP-BJ001-1").get("state") == "offline" and row(link, "DSP-BJ001-1"), "will")
    assert lost["reason"] == "connection lost" and not lost["online"] and not lost["usable"]
    devices = {d.id: d.status for d in await MqttDevicesClient(link).devices(BRANCH)}
    assert devices["DSP-BJ001-1"] == "offline" and devices["PRN-BJ001-1"] == "online"

    late = await replica(config, "replica-late")  # a replica that starts now learns it from the retained will
    try:
        assert (await until(lambda: row(late, "DSP-BJ001-1"), "retained will"))["state"] == "offline"
    finally:
        await late.aclose()

    await sim["DSP-BJ001-1"].request("online")
    await until(lambda: row(link, "DSP-BJ001-1").get("usable"), "the dispenser back online")


async def test_a_command_past_its_deadline_is_refused_not_executed(sim: BranchSimulator, link: DeviceLink) -> None:
    """A device that hears a command late does nothing: the journey has already given a pickup code."""
    await until(lambda: row(link, "DSP-BJ001-1").get("usable"), "the dispenser online")
    await sim["DSP-BJ001-1"].request("silent")
    with pytest.raises(DeviceTimeout):
        await link.send(BRANCH, "DSP-BJ001-1", "dispense_card", {}, command_id="late-1", timeout_s=0.3)
    await sim["DSP-BJ001-1"].request("wake")

    stale = Command(id="late-2", command="dispense_card", expires_at=utcnow() - dt.timedelta(seconds=1))
    async with link.target.client("test-observer") as raw:  # the service account: sends commands, reads acks
        await raw.subscribe(topics.topic(BRANCH, "DSP-BJ001-1", "ack"), qos=1)
        await raw.publish(topics.topic(BRANCH, "DSP-BJ001-1", "cmd"), stale.encode(), qos=1)
        async for message in raw.messages:
            ack = Ack.model_validate_json(bytes(message.payload))  # type: ignore[arg-type]
            if ack.id == "late-2":
                break
    assert ack.status == "expired" and ack.result == {"reason": "deadline passed"}
    assert sim["DSP-BJ001-1"].executed == 0 and sim["DSP-BJ001-1"].model.stock == 20


async def test_each_device_has_its_own_account(sim: BranchSimulator, link: DeviceLink, config: BrokerConfig) -> None:
    printer = next(d for d in config.devices if d.device == "PRN-BJ001-1")
    wrong = BrokerTarget(config.host, config.port, printer.device, "not-its-password", tls=False)
    with pytest.raises(aiomqtt.MqttError):
        async with wrong.client("intruder"):
            pass

    own = BrokerTarget(config.host, config.port, printer.device, printer.password, tls=False)
    forged = DeviceStatus(device="DSP-BJ001-1", branch=BRANCH, kind="card_dispenser", state="jammed")
    async with own.client("PRN-BJ001-1-forger") as client:
        await client.publish(topics.topic(BRANCH, "DSP-BJ001-1", "status"), forged.encode(), qos=1, retain=True)
        marker = DeviceStatus(device="PRN-BJ001-1", branch=BRANCH, kind="receipt_printer", state="online", faults=["m"])
        await client.publish(topics.topic(BRANCH, "PRN-BJ001-1", "status"), marker.encode(), qos=1, retain=True)
    # telemetry never touches faults, so the marker stays visible until the printer's next status
    await until(lambda: row(link, "PRN-BJ001-1").get("faults") == ["m"], "the printer's own status (after the forgery)")
    assert row(link, "DSP-BJ001-1")["state"] == "online"  # the ACL dropped the printer's write to the dispenser

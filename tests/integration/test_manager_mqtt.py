"""The manager's console with devices over MQTT (real mosquitto, `lobby devices simulate` as its own process): a
printer jamming at the device reaches the manager's staff socket as a `branch_changed` push (the device picture's
listener), the overview shows it with when it was last heard and a critical alert, and a dispenser the manager
takes out of service is what the journeys then see as offline."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from integrations.devices.broker import BrokerConfig
from integrations.devices.options import DeviceOptions
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH
from tests.integration.devices_mqtt import simulated_branch
from tests.integration.manager_helpers import overview, staff

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def branch(tmp_path: Path) -> Iterator[tuple[BrokerConfig, subprocess.Popen[str]]]:
    with simulated_branch(tmp_path / "mqtt") as running:
        yield running


@pytest.fixture
def app(tmp_path: Path, branch: tuple[BrokerConfig, Any]) -> Iterator[TestClient]:
    config, _ = branch
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        var_dir=tmp_path / "var",
        models_dir=Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        mqtt_url=config.service_url,
        devices=DeviceOptions(command_timeout_s=3.0),
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    """Poll a condition with a generous bound (never a timing assertion)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def devices(app: TestClient) -> dict[str, dict[str, Any]]:
    return {d["device"]: d for d in overview(app)["devices"]}


def test_a_jam_at_the_device_is_pushed_to_the_manager_and_holds_reach_the_journeys(
    app: TestClient, branch: tuple[BrokerConfig, subprocess.Popen[str]]
) -> None:
    _, simulator = branch
    wait_for(lambda: sum(d["usable"] for d in devices(app).values()) == 5, "the five devices of BJ001")
    with app.websocket_connect("/api/v1/staff/ws", headers=staff(app, "manager1")) as ws:
        assert ws.receive_json()["type"] == "hello"
        assert simulator.stdin is not None
        simulator.stdin.write("jam PRN-BJ001-1\n")
        simulator.stdin.flush()
        while (message := ws.receive_json())["type"] != "branch_changed" or "devices" not in message["parts"]:
            pass
    assert message["branch"] == "BJ001"
    wait_for(lambda: devices(app)["PRN-BJ001-1"]["state"] == "jammed", "the jam in the overview")
    body = overview(app)
    printer = next(d for d in body["devices"] if d["device"] == "PRN-BJ001-1")
    assert printer["faults"] and printer["last_seen"] and not printer["usable"]
    alert = next(a for a in body["alerts"] if a["subject"] == "PRN-BJ001-1")
    assert alert["kind"] == "device_fault" and alert["level"] == "critical"

    response = app.post(
        "/api/v1/manager/devices/DSP-BJ001-1/service", json={"reason": "restock"}, headers=staff(app, "manager1")
    )
    assert response.status_code == 200, response.text
    assert devices(app)["DSP-BJ001-1"]["state"] == "out-of-service"
    listed = asyncio.run(app.app.state.bank.devices.devices("BJ001"))  # type: ignore[attr-defined]
    assert next(d for d in listed if d.id == "DSP-BJ001-1").status == "offline"  # what a journey reads

"""The whole app with `LOBBY_MQTT_URL` set: a kiosk visit over the HTTP API reports a lost card, the new card
comes out of the MQTT dispenser, the jammed printer's receipt ends as a pickup code on the screen and on the
visit's record. Real mosquitto, `lobby devices simulate` as its own process, the app's own device link."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.manager.holds import unwrapped
from integrations.devices.broker import BrokerConfig
from integrations.devices.client import MqttDevicesClient
from integrations.devices.options import DeviceOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH
from tests.integration.devices_mqtt import simulated_branch

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ZHANG_WEI_ID = "110105198103150319"  # debit card ...1018


@pytest.fixture
def branch(tmp_path: Path) -> Iterator[tuple[BrokerConfig, subprocess.Popen[str]]]:
    with simulated_branch(tmp_path / "mqtt") as running:
        yield running


@pytest.fixture
def app(tmp_path: Path, built_knowledge: Path, branch: tuple[BrokerConfig, Any]) -> Iterator[TestClient]:
    config, _ = branch
    var_dir = tmp_path / "var"
    shutil.copytree(built_knowledge, var_dir / "kb")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        var_dir=var_dir,
        models_dir=models_dir,
        auth=TEST_AUTH,
        mqtt_url=config.service_url,
        devices=DeviceOptions(command_timeout_s=3.0),
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        token = client.app.state.demo_kiosk_token  # type: ignore[attr-defined]
        client.headers.update({"Authorization": f"Bearer {token}"})
        yield client


def picture(client: TestClient) -> dict[str, dict[str, Any]]:
    devices = unwrapped(client.app.state.bank.devices)  # type: ignore[attr-defined]  # under the manager's holds
    assert isinstance(devices, MqttDevicesClient)  # LOBBY_MQTT_URL put the MQTT path behind the bank clients
    for _ in range(5):  # read from the test's thread while the app's loop may add a device: retry
        try:
            return {r["device"]: r for r in devices.link.picture.snapshot("BJ001")}
        except RuntimeError:
            continue
    return {}


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_card_loss_visit_with_a_jammed_printer_ends_with_a_pickup_code(
    app: TestClient, branch: tuple[BrokerConfig, subprocess.Popen[str]]
) -> None:
    _, simulator = branch
    wait_for(lambda: len([r for r in picture(app).values() if r["usable"]]) == 5, "the five devices of BJ001")
    assert simulator.stdin is not None
    simulator.stdin.write("offline PRN-BJ001-2\njam-next PRN-BJ001-1\n")
    simulator.stdin.flush()
    wait_for(lambda: picture(app)["PRN-BJ001-2"]["state"] == "offline", "the second printer's last will")

    created = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"})
    assert created.status_code == 201, created.text
    sid, outs = created.json()["session_id"], []
    card = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    for step in [card, "我的卡丢了", "尾号1018", "确认", "补办", "现场领取", "确认"]:
        if isinstance(step, dict):
            response = app.post(f"/api/v1/sessions/{sid}/events", json=step)
        else:
            response = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": step})
        assert response.status_code == 200, response.text
        outs.append(response.json())
    last = outs[-1]
    assert last["journey"]["status"] == "completed", [o["reply"]["text"] for o in outs]

    view = app.get(f"/api/v1/sessions/{sid}").json()
    (pickup,) = [f for f in view["follow_ups"] if f["action"] == "device_pickup"]
    assert pickup["command"] == "print_receipt" and pickup["branch_id"] == "BJ001"
    code = pickup["pickup_code"]
    assert f"取件码 {code}" in last["reply"]["text"]
    wait_for(lambda: picture(app)["PRN-BJ001-1"]["state"] == "jammed", "the jam in the picture")
    wait_for(lambda: picture(app)["DSP-BJ001-1"]["stock"] == 19, "the card dispensed over MQTT")

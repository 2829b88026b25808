"""`lobby devices broker-config`, `simulate` and `status` as an operator runs them: a generated config that
Debian's mosquitto starts on, a simulator process whose devices take requests on standard input, and the
last wills of every device when that process dies without a word (SIGKILL)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from integrations.devices.broker import BrokerConfig, free_port
from integrations.devices.link import DeviceLink
from tests.integration.devices_mqtt import LocalMosquitto, need_mosquitto, row, until

pytestmark = pytest.mark.integration
FLEET = {"PRN-BJ001-1", "PRN-BJ001-2", "TKT-BJ001-1", "DSP-BJ001-1", "LCK-BJ001-1"}


@pytest.fixture
def written(tmp_path: Path) -> Iterator[tuple[Path, int, dict]]:
    need_mosquitto()
    port, out = free_port(), tmp_path / "mqtt"
    result = CliRunner().invoke(
        app, ["devices", "broker-config", "--branch", "BJ001", "--port", str(port), "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    yield out, port, json.loads(result.stdout)


@pytest.fixture
def broker(written: tuple[Path, int, dict]) -> Iterator[BrokerConfig]:
    out, port, _ = written
    creds = json.loads((out / "credentials.json").read_text())
    config = BrokerConfig(out, "127.0.0.1", port, creds["service"]["password"], ())
    with LocalMosquitto(config).running():
        yield config


@pytest.fixture
def simulator(written: tuple[Path, int, dict], broker: BrokerConfig) -> Iterator[subprocess.Popen[str]]:
    out, _, _ = written
    command = [sys.executable, "-m", "assistant.cli", "devices", "simulate", "--branch", "BJ001"]
    command += ["--credentials", str(out / "credentials.json"), "--heartbeat-s", "0.5", "--work-s", "0"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)


@pytest.fixture
async def watcher(broker: BrokerConfig) -> AsyncIterator[DeviceLink]:
    link = DeviceLink(broker.service_url, client_id="console")
    await link.start()
    yield link
    await link.aclose()


def test_broker_config_has_an_account_and_acl_per_device(written: tuple[Path, int, dict]) -> None:
    out, port, summary = written
    assert set(summary["devices"]) == FLEET and f"{port}" in summary["mqtt_url_env"]
    users = {line.split(":", 1)[0] for line in (out / "passwd").read_text().splitlines()}
    assert users == FLEET | {"lobby-assistant"}
    assert all(":$7$101$" in line for line in (out / "passwd").read_text().splitlines())
    acl = (out / "acl").read_text()
    assert "user PRN-BJ001-1\ntopic write lobby/v1/BJ001/PRN-BJ001-1/status" in acl
    assert "topic read lobby/v1/BJ001/PRN-BJ001-1/cmd" in acl
    assert oct((out / "credentials.json").stat().st_mode & 0o777) == "0o600"


async def test_simulated_branch_takes_requests_and_leaves_wills_when_killed(
    simulator: subprocess.Popen[str], watcher: DeviceLink
) -> None:
    await until(lambda: {r["device"] for r in watcher.picture.snapshot("BJ001") if r["usable"]} == FLEET, "the fleet")
    assert simulator.stdin is not None and simulator.stdout is not None
    simulator.stdin.write("jam PRN-BJ001-1\npaper-out TKT-BJ001-1\n")
    simulator.stdin.flush()
    await until(lambda: row(watcher, "PRN-BJ001-1")["state"] == "jammed", "the jam")
    await until(lambda: row(watcher, "TKT-BJ001-1")["state"] == "paper-out", "the empty ticket machine")
    assert row(watcher, "TKT-BJ001-1")["paper"] == 0

    env = {**os.environ, "LOBBY_MQTT_URL": watcher_url(watcher)}
    status = [sys.executable, "-m", "assistant.cli", "devices", "status", "--branch", "BJ001", "--json"]
    listed = await asyncio.to_thread(subprocess.run, status, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    picture = {r["device"]: r for r in json.loads(listed.stdout)}
    assert picture["PRN-BJ001-1"]["faults"] == ["paper jam"] and picture["DSP-BJ001-1"]["stock"] == 20

    ack = await watcher.send("BJ001", "DSP-BJ001-1", "dispense_card", {"card_id": "K1"}, command_id="cli-1")
    assert ack.status == "completed" and ack.result["stock_left"] == 19

    simulator.send_signal(signal.SIGKILL)  # every device's connection drops at once, no DISCONNECT
    simulator.wait(10)
    await until(
        lambda: all(row(watcher, d)["state"] == "offline" for d in FLEET), "every device's last will", timeout_s=30
    )
    assert {row(watcher, d)["reason"] for d in FLEET} == {"connection lost"}


def watcher_url(link: DeviceLink) -> str:
    t = link.target
    return f"mqtt://{t.username}:{t.password}@{t.host}:{t.port}"

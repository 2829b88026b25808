"""Shared pieces of the MQTT device tests: a real mosquitto on a free port with a generated config (one
account per device, ACLs, persistence), the simulated devices of branch BJ001 and replicas' links.
Tests wait for conditions with `until` (a generous bound, never a timing assertion)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from integrations.devices.broker import BrokerConfig, LocalMosquitto, fleet_accounts, free_port, mosquitto_binary
from integrations.devices.broker import write_config as write_broker_config
from integrations.devices.link import DeviceLink

BRANCH = "BJ001"


def need_mosquitto() -> None:
    if mosquitto_binary() is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto); cannot test devices over MQTT")


def broker_config(folder: Path) -> BrokerConfig:
    return write_broker_config(folder, fleet_accounts([BRANCH, "SH001"]), port=free_port())


def device_url(config: BrokerConfig) -> str:
    """Devices connect with their own accounts (the simulator puts each one's name and password in)."""
    return f"mqtt://{config.host}:{config.port}"


async def until(check: Callable[[], Any], what: str, timeout_s: float = 15.0) -> Any:
    """Poll until `check()` is truthy (awaiting it when it returns an awaitable); fail naming `what`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        value = check()
        if isinstance(value, Awaitable):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


def row(link: DeviceLink, device: str) -> dict[str, Any]:
    return next((r for r in link.picture.snapshot() if r["device"] == device), {})


async def replica(config: BrokerConfig, name: str, timeout_s: float = 3.0) -> DeviceLink:
    link = DeviceLink(config.service_url, client_id=name, command_timeout_s=timeout_s, silent_after_s=30)
    await link.start()
    assert link.connected, f"{name} could not connect to mosquitto"
    return link


__all__ = ["BRANCH", "LocalMosquitto", "broker_config", "device_url", "need_mosquitto", "replica", "row", "until"]


@contextmanager
def simulated_branch(folder: Path) -> Iterator[tuple[BrokerConfig, subprocess.Popen[str]]]:
    """A private mosquitto and `lobby devices simulate --branch BJ001` connected to it (stdin open, so a
    test can type `jam PRN-BJ001-1`)."""
    need_mosquitto()
    config = broker_config(folder)
    with LocalMosquitto(config).running():
        command = [sys.executable, "-m", "assistant.cli", "devices", "simulate", "--branch", "BJ001"]
        command += ["--credentials", str(config.credentials), "--heartbeat-s", "0.5", "--work-s", "0"]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        try:
            yield config, process
        finally:
            process.terminate()
            process.wait(20)

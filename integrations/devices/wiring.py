"""Puts the MQTT device path behind the bank clients' `devices` when a broker is configured, and gives a
console the live device picture whichever path is in use."""

from __future__ import annotations

import logging
from typing import Any

from integrations.bundle import BankClients
from integrations.clients.branch import DevicesApi
from integrations.devices.client import MqttDevicesClient
from integrations.devices.link import DeviceLink
from integrations.devices.options import DeviceOptions
from integrations.errors import BankError

log = logging.getLogger("lobby.devices")


async def attach_mqtt_devices(
    bank: BankClients, mqtt_url: str, options: DeviceOptions, *, client_id: str | None = None
) -> DeviceLink | None:
    """With `mqtt_url` set, connect a `DeviceLink` and make `bank.devices` speak MQTT; the caller closes the
    link. With it empty, nothing changes (the sandbox's HTTP device routes) and None is returned."""
    if not mqtt_url.strip():
        return None
    link = DeviceLink(
        mqtt_url,
        branches=options.branches or None,
        client_id=client_id,
        command_timeout_s=options.command_timeout_s,
        silent_after_s=options.silent_after_s,
    )
    await link.start(options.connect_wait_s)
    if not link.connected:
        log.warning("device broker not reachable yet; devices degrade to pickup codes until it is")
    bank.devices = MqttDevicesClient(link)
    return link


async def device_overview(devices: DevicesApi, branch: str | None = None) -> list[dict[str, Any]]:
    """The live picture of a branch's devices for a console: state, paper, stock, faults, last seen.

    Over MQTT it is the picture kept from the broker; over the sandbox's HTTP routes it is the bank's list,
    with what HTTP cannot know (last seen, silence) left empty. A bank that does not answer gives [] and a
    warning, never an exception: a console keeps showing the rest."""
    if isinstance(devices, MqttDevicesClient):
        return devices.link.picture.snapshot(branch)
    try:
        listed = await devices.devices(branch)
    except BankError as exc:
        log.warning("device list unavailable: %s", exc)
        return []
    return [
        {
            "device": d.id,
            "branch": d.branch_id,
            "kind": d.kind,
            "state": d.status,
            "online": d.status != "offline",
            "silent": None,
            "usable": d.status in ("online", "paper-low") and (d.kind != "card_dispenser" or bool(d.stock)),
            "paper": None,
            "stock": d.stock,
            "faults": [d.status] if d.status == "jammed" else [],
            "reason": None,
            "jobs_done": None,
            "last_seen": None,
            "status_at": None,
        }
        for d in listed
    ]


async def device_link_health(link: DeviceLink) -> dict[str, Any]:
    """A readiness check: connected to the broker, and how many devices it sees."""
    return {"ok": link.connected, "mode": "mqtt", "devices": len(link.picture.snapshot())}

"""The MQTT topic scheme of branch devices, in one place (docs/devices.md explains it for integrators).

One subtree per branch and device, so a broker ACL can give each device exactly its own topics:

    lobby/v1/{branch}/{device}/status      device -> all   QoS 1, retained; also the device's last will
    lobby/v1/{branch}/{device}/telemetry   device -> all   QoS 0, not retained (counters; losing one is harmless)
    lobby/v1/{branch}/{device}/cmd         Lobby -> device QoS 1, not retained (a command with an id and a deadline)
    lobby/v1/{branch}/{device}/ack         device -> Lobby QoS 1, not retained (the outcome of one command id)

Why a version segment: a device fleet outlives one release of Lobby; a `v2` scheme can run beside `v1`.
Why branch before device: an operator subscribes to one branch with one wildcard (`lobby/v1/BJ001/#`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ROOT = "lobby/v1"
Channel = Literal["status", "telemetry", "cmd", "ack"]
CHANNELS: tuple[Channel, ...] = ("status", "telemetry", "cmd", "ack")
# QoS per channel: at-least-once where a loss would be wrong (a command, its outcome, the status a console
# shows); telemetry is periodic, the next sample replaces a lost one.
QOS: dict[Channel, int] = {"status": 1, "telemetry": 0, "cmd": 1, "ack": 1}
RETAINED: dict[Channel, bool] = {"status": True, "telemetry": False, "cmd": False, "ack": False}

# Ids become topic levels: no wildcards, separators or `$`, so one id can never name another's topics.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{what} {value!r} must be letters, digits, '_', '.' or '-' (at most 64)")
    return value


def topic(branch: str, device: str, channel: Channel) -> str:
    return f"{ROOT}/{check_id(branch, 'branch')}/{check_id(device, 'device')}/{channel}"


def branch_filter(branch: str | None, channel: Channel) -> str:
    """A subscription for one channel of every device of a branch (or of every branch when None)."""
    return f"{ROOT}/{check_id(branch, 'branch') if branch else '+'}/+/{channel}"


@dataclass(frozen=True)
class Address:
    branch: str
    device: str
    channel: Channel


def parse(name: str) -> Address | None:
    """The branch, device and channel of a topic of this scheme; None for anything else."""
    parts = name.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != ROOT:
        return None
    branch, device, channel = parts[2], parts[3], parts[4]
    if channel not in CHANNELS or not _ID.match(branch) or not _ID.match(device):
        return None
    return Address(branch, device, channel)

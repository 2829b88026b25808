"""The JSON bodies on the device topics (see `topics.py` for where each goes).

Every command carries an id and a deadline. The id makes delivery idempotent end to end: MQTT QoS 1 is
at-least-once, a replica may resend after a failover, so a device executes an id once and answers a repeat
with the outcome it already has (`duplicate: true`). The deadline makes a timeout final: a device that hears a
command after its `expires_at` answers `expired` and does nothing, so a customer who was sent to the counter
is never also handed a card by a slow dispenser.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AckStatus = Literal["completed", "failed", "expired", "rejected"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")

    def encode(self) -> bytes:
        return self.model_dump_json().encode()


class DeviceStatus(_Body):
    """Retained on `.../status`: the last thing a device said about itself (or its last will)."""

    device: str
    branch: str
    kind: str
    state: str
    paper: int | None = None
    stock: int | None = None
    faults: list[str] = Field(default_factory=list)
    reason: str | None = None
    ts: dt.datetime = Field(default_factory=utcnow)


class Telemetry(_Body):
    device: str
    jobs_done: int = 0
    paper: int | None = None
    stock: int | None = None
    uptime_s: float = 0.0
    ts: dt.datetime = Field(default_factory=utcnow)


class Command(_Body):
    id: str = Field(min_length=1, max_length=128)
    command: str
    params: dict[str, Any] = Field(default_factory=dict)
    issued_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    origin: str = Field("", description="The client id of the replica that sent it (for logs only).")


class Ack(_Body):
    id: str
    device: str
    status: AckStatus
    result: dict[str, Any] = Field(default_factory=dict)
    duplicate: bool = False
    ts: dt.datetime = Field(default_factory=utcnow)

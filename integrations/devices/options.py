"""Options of the MQTT device path; composed into `assistant.config.Settings` as `devices`
(env: `LOBBY_DEVICES__COMMAND_TIMEOUT_S`, `LOBBY_DEVICES__SILENT_AFTER_S`, `LOBBY_DEVICES__BRANCHES`).
The broker itself is `LOBBY_MQTT_URL`; with it empty the sandbox bank's device routes are used."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DeviceOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_timeout_s: float = Field(
        8.0, gt=0, le=120, description="How long a journey waits for a device's acknowledgement before it moves on."
    )
    silent_after_s: float = Field(
        30.0, gt=0, description="A device not heard for this long (no telemetry) is passed over as silent."
    )
    connect_wait_s: float = Field(5.0, ge=0, description="How long start-up waits for the first broker connection.")
    branches: list[str] = Field(
        default_factory=list, description="Branches whose devices this replica follows; empty = every branch."
    )

"""Devices a branch manager took out of service, and the bank-client wrapper that makes the journeys honour it.

Why in Lobby and not at the device: neither the sandbox bank's device routes nor the MQTT device protocol take
an "out of service" command from Lobby (a device goes out of service on its own panel). What the manager needs is
that no journey sends the device work any more, and that the console shows it: `HeldDevices` wraps the bank
clients' `devices`, shows a held device as `offline` in the list the journeys read (so they pick another device
or fall back to a pickup code, as for any broken device) and refuses commands to it.

Holds are kept in the store (`device_holds`, the same SQLite / PostgreSQL database as sessions), so they outlive
a restart and every replica reads the same ones: a replica loads them at start, applies the `device_hold` events
of the `branch` bus channel at once, and reloads them on each pass of the branch watcher (so a missed event
is repaired within `watch_s`). Each replica keeps a copy in memory because journeys ask for every device
command; without a database (unit use) the copy is all there is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import DeviceHoldRow
from integrations import schemas as api
from integrations.clients.branch import Command, DevicesApi
from integrations.errors import BankUnavailable


@dataclass(frozen=True)
class Hold:
    device: str
    by: str
    reason: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"device": self.device, "by": self.by, "reason": self.reason, "at": self.at.isoformat()}


class DeviceHolds:
    """Which devices are out of service, by whom and why: the store's holds and this replica's copy of them."""

    def __init__(self, db: Database | None = None) -> None:
        self._db = db
        self._held: dict[str, Hold] = {}

    def load(self) -> dict[str, Hold]:
        """Replace the copy with the store's holds (at start, and on each watcher pass)."""
        if self._db is None:
            return dict(self._held)
        with self._db.session() as s:
            rows = s.scalars(select(DeviceHoldRow)).all()
            self._held = {r.device: Hold(r.device, r.held_by, r.reason, as_utc(r.at)) for r in rows}
        return dict(self._held)

    def hold(self, device: str, by: str, reason: str, at: dt.datetime | None = None) -> Hold:
        found = self._held[device] = Hold(device, by, reason, at or dt.datetime.now(dt.UTC))
        return found

    def release(self, device: str) -> Hold | None:
        return self._held.pop(device, None)

    def get(self, device: str) -> Hold | None:
        return self._held.get(device)

    def __contains__(self, device: object) -> bool:
        return device in self._held

    def apply(self, message: dict[str, Any]) -> None:
        """A `device_hold` event from any replica (this one included: applying it twice changes nothing)."""
        device = str(message.get("device") or "")
        if not device:
            return
        if message.get("in_service"):
            self.release(device)
            return
        at = message.get("at")
        when = dt.datetime.fromisoformat(at) if isinstance(at, str) else None
        self.hold(device, str(message.get("by") or ""), str(message.get("reason") or ""), when)

    def store(self, message: dict[str, Any]) -> None:
        """Write a `device_hold` change to the store, then to this copy (the replica that made it calls this;
        the others only `apply` the event)."""
        self.apply(message)
        device = str(message.get("device") or "")
        if self._db is None or not device:
            return
        with self._db.session() as s:
            s.execute(delete(DeviceHoldRow).where(DeviceHoldRow.device == device))
            hold = self._held.get(device)
            if hold is not None and not message.get("in_service"):
                s.add(
                    DeviceHoldRow(
                        device=device,
                        branch_id=str(message.get("branch") or "") or None,
                        held_by=hold.by[:64],
                        reason=hold.reason[:200],
                        at=hold.at,
                    )
                )


class HeldDevices:
    """The bank clients' `DevicesApi` with the manager's holds applied; everything else goes to `inner`."""

    def __init__(self, inner: DevicesApi, holds: DeviceHolds) -> None:
        self.inner = inner
        self.holds = holds
        self.backend = getattr(inner, "backend", "devices")

    async def devices(self, branch_id: str | None = None) -> list[api.Device]:
        listed = await self.inner.devices(branch_id)
        return [d.model_copy(update={"status": "offline"}) if d.id in self.holds else d for d in listed]

    async def command(
        self, device_id: str, command: Command, params: dict[str, Any], *, idempotency_key: str
    ) -> api.DeviceJob:
        if device_id in self.holds:
            raise BankUnavailable(self.backend, f"device {device_id} is out of service", code="out_of_service")
        return await self.inner.command(device_id, command, params, idempotency_key=idempotency_key)

    async def job(self, job_id: str) -> api.DeviceJob:
        return await self.inner.job(job_id)

    def __getattr__(self, name: str) -> Any:  # e.g. MqttDevicesClient.link for the live picture
        return getattr(self.inner, name)


def unwrapped(devices: Any) -> Any:
    """The bank's own device client under any `HeldDevices` (the device picture needs the real one)."""
    while isinstance(devices, HeldDevices):
        devices = devices.inner
    return devices

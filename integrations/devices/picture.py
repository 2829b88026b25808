"""The live device picture of one replica: every device's last status, consumables, faults and when it was
last heard, kept from the retained status and the telemetry on the broker.

Why kept here rather than asked for: a console and the journeys both need the whole branch at once, and
MQTT already pushes every change; a retained status means a replica that starts (or reconnects) gets the
full picture from the broker at once. `snapshot()` is what a branch manager's console shows.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from integrations import schemas as api
from integrations.devices.kinds import catalogue
from integrations.devices.messages import DeviceStatus, Telemetry, utcnow

log = logging.getLogger("lobby.devices.picture")


@dataclass
class DeviceEntry:
    device: str
    branch: str
    kind: str = "unknown"
    state: str = "offline"
    paper: int | None = None
    stock: int | None = None
    faults: list[str] = field(default_factory=list)
    reason: str | None = None
    status_at: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    jobs_done: int = 0


class DevicePicture:
    """A device that says it works but has not been heard for `silent_after_s` counts as silent: journeys
    pass it over and a console flags it, before any command has to time out on it."""

    def __init__(self, silent_after_s: float = 30.0) -> None:
        self.silent_after_s = silent_after_s
        self._entries: dict[str, DeviceEntry] = {}
        # called with a device's row when its state or faults change (not on telemetry): the seam a live
        # console uses to push a device fault the moment it is known
        self.listeners: list[Callable[[dict[str, Any]], None]] = []

    def _entry(self, branch: str, device: str) -> DeviceEntry:
        entry = self._entries.get(device)
        if entry is None or entry.branch != branch:
            entry = self._entries[device] = DeviceEntry(device=device, branch=branch)
        return entry

    def on_status(self, branch: str, status: DeviceStatus, *, live: bool) -> None:
        """`live` is false for a retained copy replayed on subscribe: it tells the state, not that the
        device is there now (its status time is then the last time it was heard)."""
        entry = self._entry(branch, status.device)
        changed = (entry.state, entry.faults) != (status.state, list(status.faults))
        entry.kind, entry.state, entry.reason = status.kind, status.state, status.reason
        entry.paper, entry.stock, entry.faults = status.paper, status.stock, list(status.faults)
        entry.status_at = status.ts
        if live and status.state != "offline":  # an `offline` may be the will: said by the broker, not the device
            entry.last_seen = utcnow()
        elif entry.last_seen is None or status.ts > entry.last_seen:
            entry.last_seen = status.ts
        if changed:
            self._tell(entry.device)

    def _tell(self, device: str) -> None:
        rows = [r for r in self.snapshot() if r["device"] == device]
        for listener in list(self.listeners):
            try:
                listener(rows[0])
            except Exception:  # a console's bug must not stop the device picture
                log.exception("device picture listener failed")

    def on_telemetry(self, branch: str, sample: Telemetry) -> None:
        entry = self._entry(branch, sample.device)
        entry.paper = sample.paper if sample.paper is not None else entry.paper
        entry.stock = sample.stock if sample.stock is not None else entry.stock
        entry.jobs_done = sample.jobs_done
        entry.last_seen = utcnow()

    def seen(self, branch: str, device: str) -> None:
        self._entry(branch, device).last_seen = utcnow()

    def branch_of(self, device: str) -> str | None:
        entry = self._entries.get(device)
        return entry.branch if entry else None

    def silent(self, entry: DeviceEntry, now: dt.datetime | None = None) -> bool:
        if entry.state == "offline" or entry.last_seen is None:
            return entry.state != "offline"
        return ((now or utcnow()) - entry.last_seen).total_seconds() > self.silent_after_s

    def usable(self, entry: DeviceEntry) -> bool:
        return catalogue().accepts(entry.state) and not self.silent(entry)

    def snapshot(self, branch: str | None = None) -> list[dict[str, Any]]:
        """Every device (of one branch, or all) as JSON-ready data: state, paper, stock, faults, last seen,
        whether it is online, silent and usable for a command now. Sorted by branch and device."""
        now = utcnow()
        rows = []
        for e in sorted(self._entries.values(), key=lambda e: (e.branch, e.device)):
            if branch is not None and e.branch != branch:
                continue
            silent = self.silent(e, now)
            rows.append(
                {
                    "device": e.device,
                    "branch": e.branch,
                    "kind": e.kind,
                    "state": e.state,
                    "online": e.state != "offline" and not silent,
                    "silent": silent,
                    "usable": catalogue().accepts(e.state) and not silent,
                    "paper": e.paper,
                    "stock": e.stock,
                    "faults": list(e.faults),
                    "reason": e.reason,
                    "jobs_done": e.jobs_done,
                    "last_seen": e.last_seen.isoformat() if e.last_seen else None,
                    "status_at": e.status_at.isoformat() if e.status_at else None,
                }
            )
        return rows

    def as_bank_devices(self, branch: str | None = None) -> list[api.Device]:
        """The bank API's older device shape, so the journeys' existing `devices` call reads MQTT devices;
        a silent device shows as offline there."""
        out = []
        for row in self.snapshot(branch):
            status = catalogue().legacy(row["state"]) if not row["silent"] else "offline"
            device = api.Device(
                id=row["device"], branch_id=row["branch"], kind=row["kind"], status=status, stock=row["stock"]
            )
            out.append(device)
        return out

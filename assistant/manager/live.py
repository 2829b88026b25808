"""The live side of the manager's console: the `branch` bus channel and what feeds it.

Why a watcher rather than hooks in the conversation: a visit changes in many places (turns, events, endings,
idle sweeps, other replicas) and those modules belong to the conversation; one cheap query every `watch_s`
seconds (the newest session change per branch) and the device list tell the same thing without touching them.
Over MQTT a device change is pushed at once through the device picture's `listeners`. Handoff changes already
go out on the `handoffs` channel, which every staff socket receives.

Messages on `branch` (every manager and supervisor socket gets them):
`branch_changed {branch, parts}` (sessions / devices / actions changed: fetch the overview again),
`device_hold {device, by, reason, at, in_service}` (also applied to this replica's `DeviceHolds`, which keeps
the holds in the store so that they survive a restart).
Instructions to one colleague go to `staff:{username}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from typing import Any

from sqlalchemy import func, select

from assistant.events import EventBus
from assistant.events.bus import Subscription
from assistant.logging import get_logger
from assistant.manager.holds import DeviceHolds, HeldDevices, unwrapped
from assistant.manager.rules import alert_rules
from assistant.store.db import Database
from assistant.store.tables import SessionRow
from integrations.bundle import BankClients
from integrations.devices.client import MqttDevicesClient
from integrations.devices.wiring import device_overview

log = get_logger("lobby.manager")
BRANCH_CHANNEL = "branch"


def staff_channel(username: str) -> str:
    """The channel of one colleague's staff sockets (the manager's instructions)."""
    return f"staff:{username}"


def session_marks(db: Database) -> dict[str, tuple[Any, ...]]:
    """Per branch, what changes whenever a visit does: the newest change and the number of active visits."""
    query = (
        select(SessionRow.branch_id, func.max(SessionRow.updated_at), func.count())
        .where(SessionRow.status == "active")
        .group_by(SessionRow.branch_id)
    )
    latest = select(SessionRow.branch_id, func.max(SessionRow.updated_at)).group_by(SessionRow.branch_id)
    with db.session() as s:
        active = {b: (str(m), n) for b, m, n in s.execute(query)}
        touched = {b: str(m) for b, m in s.execute(latest)}
    return {str(b): (touched.get(b), *active.get(b, (None, 0))) for b in set(active) | set(touched) if b}


def device_marks(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    marks: dict[str, list[Any]] = {}
    for r in rows:
        marks.setdefault(str(r["branch"]), []).append((r["device"], r["state"], tuple(r["faults"]), r["silent"]))
    return {b: tuple(sorted(v)) for b, v in marks.items()}


class BranchLive:
    """Applies device holds from every replica, and publishes `branch_changed` when a branch's visits or
    devices change."""

    def __init__(self, db: Database, events: EventBus, bank: BankClients, watch_s: float | None = None) -> None:
        self.db = db
        self.events = events
        self.bank = bank
        self.watch_s = watch_s or alert_rules().watch_s
        self.holds = DeviceHolds(db)
        self._tasks: list[asyncio.Task[None]] = []
        self._sub: Subscription | None = None
        self._marks: dict[str, dict[str, tuple[Any, ...]]] = {}  # per part, per branch: the last pass
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            await asyncio.to_thread(self.holds.load)  # the holds made before this replica started
        except Exception as exc:  # the store is away: the watcher loads them on its next pass
            log.warning("device_holds_load_failed", error=str(exc))
        if not isinstance(self.bank.devices, HeldDevices):
            self.bank.devices = HeldDevices(self.bank.devices, self.holds)  # journeys pass held devices over
        inner = unwrapped(self.bank.devices)
        if isinstance(inner, MqttDevicesClient):
            inner.link.picture.listeners.append(self._device_changed)
        self._sub = await self.events.subscribe(BRANCH_CHANNEL)
        self._tasks = [
            asyncio.create_task(self._listen(self._sub), name="manager-holds"),
            asyncio.create_task(self._watch_forever(), name="manager-watch"),
        ]

    async def stop(self) -> None:
        inner = unwrapped(self.bank.devices)
        if isinstance(inner, MqttDevicesClient) and self._device_changed in inner.link.picture.listeners:
            inner.link.picture.listeners.remove(self._device_changed)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sub is not None:
            await self.events.unsubscribe(self._sub)

    async def changed(self, branch: str, *parts: str) -> None:
        await self.events.publish(BRANCH_CHANNEL, {"type": "branch_changed", "branch": branch, "parts": list(parts)})

    async def set_hold(self, device: str, branch: str, by: str, reason: str, in_service: bool) -> dict[str, Any]:
        """Take a device out of service (or back) on every replica, then tell the consoles."""
        message = {
            "type": "device_hold",
            "device": device,
            "branch": branch,
            "by": by,
            "reason": reason,
            "in_service": in_service,
            "at": dt.datetime.now(dt.UTC).isoformat(),
        }
        await asyncio.to_thread(self.holds.store, message)  # kept in the store; the bus tells the other replicas
        await self.events.publish(BRANCH_CHANNEL, message)
        await self.changed(branch, "devices")
        return message

    def _device_changed(self, row: dict[str, Any]) -> None:
        """A device picture listener (called from the MQTT link's task): push the change at once."""
        if self._loop is not None:
            self._loop.create_task(self.changed(str(row.get("branch") or ""), "devices"))

    async def _listen(self, sub: Subscription) -> None:
        async for message in sub:
            if message.get("type") == "device_hold":
                self.holds.apply(message)

    async def _watch_forever(self) -> None:
        while True:
            try:
                await self.watch_once()
            except Exception as exc:  # a database or bank hiccup must not stop the watcher
                log.warning("branch_watch_failed", error=str(exc))
            await asyncio.sleep(self.watch_s)

    async def watch_once(self) -> list[tuple[str, str]]:
        """Compare this pass with the last; publish `branch_changed` for what moved. Returns (branch, part)."""
        await asyncio.to_thread(self.holds.load)  # repairs a missed `device_hold` event
        sessions = await asyncio.to_thread(session_marks, self.db)
        devices = device_marks(await device_overview(unwrapped(self.bank.devices), None))
        moved: list[tuple[str, str]] = []
        for part, marks in (("sessions", sessions), ("devices", devices)):
            before = self._marks.get(part)
            if before is not None:  # the first pass only learns where things stand
                moved += [(b, part) for b in set(marks) | set(before) if marks.get(b) != before.get(b)]
            self._marks[part] = marks
        for branch in sorted({b for b, _ in moved}):
            await self.changed(branch, *sorted({p for b, p in moved if b == branch}))
        return moved

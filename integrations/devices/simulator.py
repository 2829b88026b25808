"""Simulated branch devices that speak the real protocol: each connects to the broker with its own account,
leaves a last will (retained `offline`), publishes a retained status and periodic telemetry, and executes
the commands on its topic once per command id (`behaviour.DeviceModel` decides what happens).

Operators (and tests) ask them to fail: `jam`, `jam-next` (the next job jams), `paper-out`, `refill`,
`out-of-service`, `in-service`, `clear`, and three that act on the connection: `offline` (the connection
drops like a power cut, so the broker publishes the last will), `online` (back again), `silent` (stays
connected but answers nothing, like a hung firmware) and `wake`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import OrderedDict
from collections.abc import Iterable

import aiomqtt
from pydantic import ValidationError

from integrations.devices import topics
from integrations.devices.behaviour import REQUESTS, DeviceModel
from integrations.devices.broker import DeviceAccount
from integrations.devices.link import BrokerTarget
from integrations.devices.messages import Ack, Command, DeviceStatus, Telemetry, utcnow

log = logging.getLogger("lobby.devices.simulator")
CONNECTION_REQUESTS = ("offline", "online", "silent", "wake")
REMEMBERED_IDS = 2000  # outcomes kept for repeats of a command id (bounded memory)


class SimulatedDevice:
    def __init__(
        self, url: str, account: DeviceAccount, *, heartbeat_s: float = 5.0, work_s: float = 0.0, keepalive: int = 10
    ) -> None:
        base = BrokerTarget.from_url(url)
        self.target = BrokerTarget(base.host, base.port, account.device, account.password, base.tls)
        self.model = DeviceModel(account.device, account.branch, account.kind)
        self.heartbeat_s, self.work_s, self.keepalive = heartbeat_s, work_s, keepalive
        self.silent = False
        self.executed = 0  # commands carried out (repeats of an id not counted): what the tests check
        self.repeats = 0  # commands whose id was already done: answered from memory, not carried out again
        self._done: OrderedDict[str, Ack] = OrderedDict()
        self._online = asyncio.Event()
        self._online.set()
        self._connected = asyncio.Event()
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0

    @property
    def device(self) -> str:
        return self.model.device

    def _topic(self, channel: topics.Channel) -> str:
        return topics.topic(self.model.branch, self.model.device, channel)

    def status(self, state: str | None = None, reason: str | None = None) -> DeviceStatus:
        m = self.model
        return DeviceStatus(
            device=m.device,
            branch=m.branch,
            kind=m.kind_name,
            state=state or m.state,
            paper=m.paper,
            stock=m.stock,
            faults=list(m.faults),
            reason=reason,
        )

    async def start(self, wait_s: float = 10.0) -> None:
        self._started = asyncio.get_running_loop().time()
        self._task = asyncio.create_task(self._run(), name=f"sim-{self.device}")
        await self.wait_connected(wait_s)

    async def wait_connected(self, wait_s: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), wait_s)

    async def stop(self, *, say_offline: bool = True) -> None:
        """A clean stop: `offline` is said (retained) unless `say_offline` is false, and the clean
        DISCONNECT means the broker does not publish the will."""
        if say_offline and self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._publish_status(self.status("offline", "switched off"))
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def request(self, action: str) -> None:
        if action in REQUESTS:
            self.model.request(action)
            await self._publish_status()
        elif action == "offline":
            self._online.clear()
            self._drop_connection()
        elif action == "online":
            self._online.set()
            await self.wait_connected()
        elif action in ("silent", "wake"):
            self.silent = action == "silent"
        else:
            raise ValueError(f"unknown request {action!r}; one of {', '.join(REQUESTS + CONNECTION_REQUESTS)}")

    def _drop_connection(self) -> None:
        """Close the socket under the MQTT client without a DISCONNECT: to the broker this is a device that
        lost power, so it publishes the device's last will."""
        client = self._client
        sock = client._client.socket() if client is not None else None  # no public way to cut the power
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    async def _run(self) -> None:
        will = aiomqtt.Will(
            self._topic("status"),
            self.status("offline", "connection lost").encode(),
            qos=topics.QOS["status"],
            retain=True,
        )
        while True:
            await self._online.wait()
            try:
                async with self.target.client(self.device, will=will, keepalive=self.keepalive) as client:
                    await client.subscribe(self._topic("cmd"), qos=topics.QOS["cmd"])
                    self._client = client
                    await self._publish_status()
                    self._connected.set()
                    beat = asyncio.create_task(self._heartbeat(client))
                    try:
                        async for message in client.messages:
                            await self._on_command(bytes(message.payload))
                    finally:
                        beat.cancel()
            except aiomqtt.MqttError as exc:
                log.info("%s disconnected: %s", self.device, exc)
            finally:
                self._connected.clear()
                self._client = None
            await asyncio.sleep(0.2)

    async def _heartbeat(self, client: aiomqtt.Client) -> None:
        while True:
            if not self.silent:
                sample = Telemetry(
                    device=self.device,
                    jobs_done=self.model.jobs_done,
                    paper=self.model.paper,
                    stock=self.model.stock,
                    uptime_s=asyncio.get_running_loop().time() - self._started,
                )
                with contextlib.suppress(aiomqtt.MqttError):
                    await client.publish(self._topic("telemetry"), sample.encode(), qos=topics.QOS["telemetry"])
            await asyncio.sleep(self.heartbeat_s)

    async def _publish_status(self, status: DeviceStatus | None = None) -> None:
        client = self._client
        if client is not None:
            body = (status or self.status()).encode()
            await client.publish(self._topic("status"), body, qos=topics.QOS["status"], retain=True)

    async def _on_command(self, payload: bytes) -> None:
        if self.silent:
            return
        try:
            command = Command.model_validate_json(payload)
        except ValidationError:
            log.warning("%s ignored a malformed command", self.device)
            return
        known = self._done.get(command.id)
        if known is not None:
            self.repeats += 1
            await self._ack(known.model_copy(update={"duplicate": True, "ts": utcnow()}))
            return
        before = self.status()
        if utcnow() > command.expires_at:
            ack = Ack(id=command.id, device=self.device, status="expired", result={"reason": "deadline passed"})
        else:
            if self.work_s:
                await asyncio.sleep(self.work_s)
            status, result = self.model.execute(command.command, command.params)
            self.executed += status == "completed"
            ack = Ack(id=command.id, device=self.device, status=status, result=result)
        self._done[command.id] = ack
        while len(self._done) > REMEMBERED_IDS:
            self._done.popitem(last=False)
        await self._ack(ack)
        after = self.status()
        if _visible(after) != _visible(before):
            await self._publish_status(after)

    async def _ack(self, ack: Ack) -> None:
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.publish(self._topic("ack"), ack.encode(), qos=topics.QOS["ack"])


def _visible(status: DeviceStatus) -> tuple[object, ...]:
    return status.state, status.paper, status.stock, status.faults


class BranchSimulator:
    """Every simulated device of a set of accounts, started and stopped together."""

    def __init__(
        self, url: str, accounts: Iterable[DeviceAccount], *, heartbeat_s: float = 5.0, work_s: float = 0.0
    ) -> None:
        self.devices = {a.device: SimulatedDevice(url, a, heartbeat_s=heartbeat_s, work_s=work_s) for a in accounts}

    def __getitem__(self, device: str) -> SimulatedDevice:
        return self.devices[device]

    async def start(self, wait_s: float = 30.0) -> None:
        await asyncio.gather(*(d.start(wait_s) for d in self.devices.values()))

    async def stop(self, *, say_offline: bool = True) -> None:
        await asyncio.gather(*(d.stop(say_offline=say_offline) for d in self.devices.values()))

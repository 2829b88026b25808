"""One replica's MQTT connection to the branch devices: it sends commands and waits for their acknowledgement,
and keeps the live device picture from the retained status and telemetry.

Why every replica reads every acknowledgement (a plain subscription, not a `$share/...` one): the replica that
sent a command is the one waiting for its outcome, and a shared subscription would hand the ack to any one
replica. Duplicates are stopped where they would do harm, at the device: a command id is executed once and a
repeat (QoS 1 redelivery, a second replica retrying the same journey step) gets the first outcome back.

The connection reconnects by itself with a capped back-off; a command sent while it is down waits for it
only within the command's own timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt
from prometheus_client import Counter, Histogram
from pydantic import ValidationError

from integrations.devices import topics
from integrations.devices.messages import Ack, Command, DeviceStatus, Telemetry, utcnow
from integrations.devices.picture import DevicePicture

log = logging.getLogger("lobby.devices.link")
DEVICE_COMMANDS = Counter(
    "lobby_device_commands_total", "Device commands sent over MQTT, by outcome", ["command", "outcome"]
)
DEVICE_ROUND_TRIP = Histogram(
    "lobby_device_command_seconds",
    "Device command round trip over MQTT (publish to acknowledgement)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DEVICE_LINK_RECONNECTS = Counter("lobby_device_link_reconnects_total", "MQTT device link connections re-established")


class DeviceTimeout(Exception):
    """No acknowledgement before the command's deadline: the device may be silent, or the broker away."""


@dataclass(frozen=True)
class BrokerTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    @classmethod
    def from_url(cls, url: str) -> BrokerTarget:
        """`mqtt://user:password@host:1883` (or `mqtts://...:8883` for TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"an MQTT URL looks like mqtt://user:password@host:1883, not {url!r}")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )

    def client(self, identifier: str, *, will: aiomqtt.Will | None = None, keepalive: int = 15) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=identifier,
            will=will,
            keepalive=keepalive,
            tls_context=ssl.create_default_context() if self.tls else None,
            timeout=10,
            # a command or an ack is one small packet: without this, Nagle's algorithm holds it until the
            # broker's delayed ACK (~40 ms on Linux), which was most of a command's round trip
            socket_options=((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),),
        )


class DeviceLink:
    def __init__(
        self,
        url: str,
        *,
        branches: list[str] | None = None,
        client_id: str | None = None,
        command_timeout_s: float = 8.0,
        silent_after_s: float = 30.0,
    ) -> None:
        self.target = BrokerTarget.from_url(url)
        self.branches = branches or [None]  # type: ignore[list-item]  # None = every branch
        self.client_id = client_id or f"lobby-{secrets.token_hex(4)}"
        self.command_timeout_s = command_timeout_s
        self.picture = DevicePicture(silent_after_s)
        self._client: aiomqtt.Client | None = None
        self._connected = asyncio.Event()
        self._pending: dict[str, list[asyncio.Future[Ack]]] = {}
        self._task: asyncio.Task[None] | None = None
        self.acks_seen = 0

    async def start(self, wait_s: float = 10.0) -> None:
        """Connect in the background; wait up to `wait_s` for the first connection (a broker that is away
        at start-up is not fatal: commands fail over to a pickup code until it is back)."""
        self._task = asyncio.create_task(self._run(), name=f"device-link-{self.client_id}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), wait_s)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def send(
        self,
        branch: str,
        device: str,
        command: str,
        params: dict[str, Any],
        *,
        command_id: str,
        timeout_s: float | None = None,
    ) -> Ack:
        """Publish a command (QoS 1) and wait for its acknowledgement; `DeviceTimeout` past the deadline,
        after which the device will refuse it as expired."""
        timeout = timeout_s or self.command_timeout_s
        deadline = asyncio.get_running_loop().time() + timeout
        body = Command(
            id=command_id,
            command=command,
            params=params,
            expires_at=utcnow() + dt.timedelta(seconds=timeout),
            origin=self.client_id,
        )
        waiter: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(command_id, []).append(waiter)
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout_at(deadline):
                await self._connected.wait()
                client = self._client
                if client is None:
                    raise aiomqtt.MqttError("not connected")
                await client.publish(topics.topic(branch, device, "cmd"), body.encode(), qos=topics.QOS["cmd"])
                ack = await waiter
        except TimeoutError:
            DEVICE_COMMANDS.labels(command, "timeout").inc()
            raise DeviceTimeout(f"{device}: no acknowledgement of {command} within {timeout:.1f} s") from None
        except aiomqtt.MqttError as exc:
            DEVICE_COMMANDS.labels(command, "broker_unavailable").inc()
            raise DeviceTimeout(f"{device}: broker unavailable ({exc})") from exc
        finally:
            waiters = self._pending.get(command_id, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._pending.pop(command_id, None)
        DEVICE_COMMANDS.labels(command, ack.status).inc()
        DEVICE_ROUND_TRIP.observe(asyncio.get_running_loop().time() - started)
        return ack

    async def _run(self) -> None:
        backoff, connections = 0.2, 0
        while True:
            try:
                async with self.target.client(self.client_id) as client:
                    for branch in self.branches:
                        for channel in ("status", "telemetry", "ack"):
                            await client.subscribe(topics.branch_filter(branch, channel), qos=topics.QOS[channel])
                    self._client = client
                    self._connected.set()
                    backoff, connections = 0.2, connections + 1
                    if connections > 1:
                        DEVICE_LINK_RECONNECTS.inc()
                    log.info("device link %s connected to %s:%s", self.client_id, self.target.host, self.target.port)
                    async for message in client.messages:
                        self._on_message(message.topic.value, bytes(message.payload), bool(message.retain))
            except aiomqtt.MqttError as exc:
                log.warning("device link %s lost the broker: %s", self.client_id, exc)
            finally:
                self._connected.clear()
                self._client = None
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    def _on_message(self, name: str, payload: bytes, retained: bool) -> None:
        address = topics.parse(name)
        if address is None or not payload:
            return
        try:
            if address.channel == "status":
                self.picture.on_status(address.branch, DeviceStatus.model_validate_json(payload), live=not retained)
            elif address.channel == "telemetry":
                self.picture.on_telemetry(address.branch, Telemetry.model_validate_json(payload))
            elif address.channel == "ack":
                self._on_ack(address.branch, Ack.model_validate_json(payload))
        except ValidationError as exc:
            log.warning("ignored a malformed %s message from %s: %s", address.channel, address.device, exc)

    def _on_ack(self, branch: str, ack: Ack) -> None:
        self.acks_seen += 1
        self.picture.seen(branch, ack.device)
        for waiter in self._pending.get(ack.id, []):
            if not waiter.done():
                waiter.set_result(ack)

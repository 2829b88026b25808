"""Redis pub/sub backend of the event bus, for many replicas behind a load balancer.

One Redis connection listens for every channel this process subscribes to and fans messages out to
local subscriptions, so a thousand kiosks on one replica cost one connection, not a thousand.

Why the care around failures: Redis is shared infrastructure that restarts, fails over and drops idle
connections. A blip must not break a kiosk (subscribing and publishing never raise for a lost
connection), and must not silently end cross-replica delivery until someone restarts the process. So a
listener task owns the subscription connection: when it is lost the bus is *degraded* (messages still
reach this replica's own subscribers, as if it ran alone), and the listener reconnects with jittered
exponential back-off and subscribes again to every channel that has local subscribers.

Channels on the wire are `{namespace}:{channel}`: Redis pub/sub ignores the database number, so two
deployments sharing one server would otherwise deliver events into each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import defaultdict
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from assistant.events.bus import BUS_CONNECTED, BUS_RECONNECTS, DEFAULT_NAMESPACE, Message, Subscription
from assistant.logging import get_logger

log = get_logger("lobby.events")

LIVENESS_CHANNEL = "_bus"  # always subscribed, so the listener reads (and notices a loss) with no other channel
READ_WAIT_S = 1.0
PING_WAIT_S = 1.0
FAILURES = (RedisError, OSError, TimeoutError)


def wire_channel(namespace: str, channel: str) -> str:
    """The Redis channel that carries `channel` for the deployment named `namespace`."""
    return f"{namespace}:{channel}"


class RedisBus:
    def __init__(
        self,
        url: str,
        namespace: str = DEFAULT_NAMESPACE,
        *,
        backoff_initial_s: float = 0.2,
        backoff_max_s: float = 5.0,
    ) -> None:
        self.namespace = namespace
        self._prefix = f"{namespace}:"
        common: dict[str, Any] = {
            "decode_responses": True,
            "socket_connect_timeout": 2,
            "client_name": f"lobby-bus:{namespace}",  # operators (and tests) can find the bus's connections
        }
        # Publishing retries once (a pooled connection may be stale after a blip), then gives up fast:
        # a kiosk turn must not wait out an outage. The listener never retries inside redis-py; it
        # reconnects itself, so every loss is seen, counted and followed by a full resubscription.
        self._redis = aioredis.from_url(url, socket_timeout=5, retry=Retry(NoBackoff(), 1), **common)
        self._listen_redis = aioredis.from_url(url, retry=Retry(NoBackoff(), 0), health_check_interval=15, **common)
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._pubsub: PubSub | None = None  # set while subscribed
        self._lock = asyncio.Lock()
        self._listener: asyncio.Task[None] | None = None
        self._reset = asyncio.Event()  # a publish failed: drop the subscription connection and reconnect
        self._ever_connected = False
        self._tried = asyncio.Event()  # the first connection attempt is over (either way)
        self.down = False  # a loss is confirmed: deliver locally until the listener is subscribed again
        self.reconnects = 0
        self.last_error: str | None = None

    @property
    def connected(self) -> bool:
        return self._pubsub is not None

    def _wire(self, channel: str) -> str:
        return wire_channel(self.namespace, channel)

    # -- the interface -----------------------------------------------------------------------------

    async def publish(self, channel: str, message: Message) -> None:
        data = json.dumps(message, ensure_ascii=False)  # raises for what could not cross a process boundary
        self._ensure_listener()
        if not self.down:
            try:
                await self._redis.publish(self._wire(channel), data)
                return
            except FAILURES as exc:
                self._lost(exc)
                self._reset.set()
        self._deliver(channel, data)  # degraded: this replica's own subscribers still hear it

    async def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(channel)
        async with self._lock:
            new = channel not in self._subs
            self._subs[channel].add(sub)
            if new and self._pubsub is not None:
                try:
                    await self._pubsub.subscribe(self._wire(channel))
                except FAILURES as exc:  # the listener resubscribes every channel once it reconnects
                    self._lost(exc)
                    self._reset.set()
        self._ensure_listener()
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        async with self._lock:
            subs = self._subs.get(subscription.channel)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subs[subscription.channel]
                    if self._pubsub is not None:
                        with contextlib.suppress(*FAILURES):  # a lost connection forgets it anyway
                            await self._pubsub.unsubscribe(self._wire(subscription.channel))
        subscription.close()

    async def ping(self) -> dict[str, Any]:
        """For `/readyz`: always ok (a replica without Redis still serves its own kiosks), with `state`
        `degraded` while messages do not cross replicas."""
        self._ensure_listener()
        with contextlib.suppress(TimeoutError):  # a probe right at start-up should not see "degraded"
            await asyncio.wait_for(self._tried.wait(), PING_WAIT_S)
        if self.connected:
            try:
                await asyncio.wait_for(self._redis.ping(), PING_WAIT_S)
            except FAILURES as exc:
                self._lost(exc)
                self._reset.set()
        report: dict[str, Any] = {
            "ok": True,
            "backend": "redis",
            "state": "ok" if self.connected and not self.down else "degraded",
            "connected": self.connected and not self.down,
            "namespace": self.namespace,
            "reconnects": self.reconnects,
        }
        if report["state"] == "degraded":
            report["detail"] = "messages reach this replica only; reconnecting to Redis"
            report["error"] = self.last_error
        return report

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        for subs in list(self._subs.values()):
            for sub in subs:
                sub.close()
        self._subs.clear()
        BUS_CONNECTED.set(0)
        await self._redis.aclose()
        await self._listen_redis.aclose()

    # -- the listener ------------------------------------------------------------------------------

    def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="redis-bus-listener")

    async def _listen(self) -> None:
        """Subscribe, read until the connection fails, back off, repeat: for as long as the bus is open."""
        delay = self._backoff[0]
        while True:
            pubsub = self._listen_redis.pubsub(ignore_subscribe_messages=True)
            try:
                await self._connect(pubsub)
                delay = self._backoff[0]
                while not self._reset.is_set():
                    item = await pubsub.get_message(timeout=READ_WAIT_S)
                    if item is not None and item.get("type") == "message":
                        self._on_message(item)
                raise ConnectionError(self.last_error or "reset after a failed publish")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # anything else from redis-py is a lost connection too: reconnect
                self._lost(exc)
            finally:
                self._tried.set()
                self._pubsub = None
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret
            delay = min(delay * 2, self._backoff[1])

    async def _connect(self, pubsub: PubSub) -> None:
        async with self._lock:  # no channel can be added between the snapshot and going live
            self._reset.clear()
            await pubsub.subscribe(self._wire(LIVENESS_CHANNEL), *(self._wire(c) for c in self._subs))
            self._pubsub = pubsub
            self.down = False
        BUS_CONNECTED.set(1)
        self._tried.set()
        if self._ever_connected:
            self.reconnects += 1
            BUS_RECONNECTS.inc()
            log.info("event_bus_reconnected", namespace=self.namespace, channels=len(self._subs))
        self._ever_connected = True

    def _lost(self, exc: BaseException) -> None:
        if not self.down:
            log.warning("event_bus_degraded", namespace=self.namespace, error=f"{type(exc).__name__}: {exc}")
        self.down = True
        self.last_error = f"{type(exc).__name__}: {exc}"
        BUS_CONNECTED.set(0)

    def _on_message(self, item: dict[str, Any]) -> None:
        channel = str(item.get("channel") or "")
        if channel.startswith(self._prefix):
            self._deliver(channel[len(self._prefix) :], item.get("data"))

    def _deliver(self, channel: str, data: Any) -> None:
        subs = self._subs.get(channel)
        if not subs:
            return
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            return
        for sub in list(subs):
            sub.deliver(message)

"""The event bus interface and its in-process implementation.

Subscribers get a bounded queue: a subscriber that stops reading loses the oldest messages (counted in
`dropped`) instead of growing memory without limit, which matters for a kiosk that went away.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any, Protocol

from prometheus_client import Counter, Gauge

Message = dict[str, Any]
DEFAULT_QUEUE_SIZE = 256
DEFAULT_NAMESPACE = "lobby"

# One bus per process: the gauge says whether messages reach the other replicas right now (an in-process
# bus has no others, so it always does); the counter says how often a lost Redis subscription came back.
BUS_CONNECTED = Gauge("lobby_event_bus_connected", "1 while the event bus reaches every replica, 0 while degraded")
BUS_RECONNECTS = Counter("lobby_event_bus_reconnects_total", "Redis subscriptions re-established after a loss")


class Subscription:
    """Messages of one channel for one subscriber; iterate it, close it when done."""

    def __init__(self, channel: str, maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self.channel = channel
        self.dropped = 0
        self._queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize)
        self._closed = False

    def deliver(self, message: Message) -> None:
        if self._closed:
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(message)

    async def get(self, wait_s: float | None = None) -> Message | None:
        """The next message, or None once closed (or when `wait_s` seconds pass)."""
        try:
            return await asyncio.wait_for(self._queue.get(), wait_s)
        except TimeoutError:
            return None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[Message]:
        while (message := await self.get()) is not None:
            yield message


class EventBus(Protocol):
    """Publish JSON-serialisable messages to named channels; subscribe to receive them."""

    async def publish(self, channel: str, message: Message) -> None: ...

    async def subscribe(self, channel: str) -> Subscription: ...

    async def unsubscribe(self, subscription: Subscription) -> None: ...

    async def ping(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...


class InProcessBus:
    """Fan-out inside one process (the embedded default)."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        BUS_CONNECTED.set(1)

    async def publish(self, channel: str, message: Message) -> None:
        json.dumps(message)  # same contract as Redis: refuse what could not cross a process boundary
        for sub in list(self._subs.get(channel, ())):
            sub.deliver(message)

    async def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(channel)
        self._subs[channel].add(sub)
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        subs = self._subs.get(subscription.channel)
        if subs is not None:
            subs.discard(subscription)
            if not subs:
                del self._subs[subscription.channel]
        subscription.close()

    async def ping(self) -> dict[str, Any]:
        return {"ok": True, "backend": "inprocess", "state": "ok", "connected": True}

    async def close(self) -> None:
        for subs in list(self._subs.values()):
            for sub in list(subs):
                await self.unsubscribe(sub)


def build_event_bus(redis_url: str, namespace: str = DEFAULT_NAMESPACE) -> EventBus:
    """Redis pub/sub when a URL is configured (every channel prefixed with `namespace`, since pub/sub
    ignores the database number and deployments sharing a server must not hear each other), else
    in-process."""
    if redis_url:
        from assistant.events.redis_bus import RedisBus

        return RedisBus(redis_url, namespace)
    return InProcessBus()

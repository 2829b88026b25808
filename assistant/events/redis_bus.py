"""Redis pub/sub backend of the event bus, for many replicas behind a load balancer.

One Redis connection listens for every channel this process subscribes to and fans messages out to
local subscriptions, so a thousand kiosks on one replica cost one connection, not a thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from typing import Any

import redis.asyncio as aioredis

from assistant.events.bus import Message, Subscription


class RedisBus:
    def __init__(self, url: str) -> None:
        self._redis = aioredis.from_url(url, decode_responses=True, socket_connect_timeout=2)
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def publish(self, channel: str, message: Message) -> None:
        await self._redis.publish(channel, json.dumps(message, ensure_ascii=False))

    async def subscribe(self, channel: str) -> Subscription:
        sub = Subscription(channel)
        async with self._lock:
            if channel not in self._subs:
                await self._pubsub.subscribe(channel)
            self._subs[channel].add(sub)
            if self._reader is None:
                self._reader = asyncio.create_task(self._read(), name="redis-bus-reader")
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        async with self._lock:
            subs = self._subs.get(subscription.channel)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subs[subscription.channel]
                    await self._pubsub.unsubscribe(subscription.channel)
        subscription.close()

    async def _read(self) -> None:
        while True:
            if not self._subs:
                await asyncio.sleep(0.05)
                continue
            item = await self._pubsub.get_message(timeout=1.0)
            if item is None or item.get("type") != "message":
                continue
            try:
                message = json.loads(item["data"])
            except (TypeError, ValueError):
                continue
            for sub in list(self._subs.get(item["channel"], ())):
                sub.deliver(message)

    async def ping(self) -> dict[str, Any]:
        await self._redis.ping()
        return {"ok": True, "backend": "redis"}

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for subs in list(self._subs.values()):
            for sub in subs:
                sub.close()
        self._subs.clear()
        await self._pubsub.aclose()
        await self._redis.aclose()

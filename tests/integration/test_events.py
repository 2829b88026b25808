"""The event bus in-process and over the real Redis server: same behaviour through one interface."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from assistant.events import InProcessBus, build_event_bus

pytestmark = pytest.mark.integration
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["inprocess", pytest.param("redis", marks=pytest.mark.redis)])
async def bus(request):
    backend = build_event_bus(REDIS_URL if request.param == "redis" else "")
    yield backend
    await backend.close()


async def test_published_messages_reach_every_subscriber_in_order(bus):
    channel = f"test:{uuid.uuid4().hex}"
    a, b = await bus.subscribe(channel), await bus.subscribe(channel)
    await asyncio.sleep(0.1)  # Redis acknowledges a subscription asynchronously
    for i in range(3):
        await bus.publish(channel, {"n": i, "text": "您好"})
    for sub in (a, b):
        got = [await sub.get(wait_s=5) for _ in range(3)]
        assert got == [{"n": 0, "text": "您好"}, {"n": 1, "text": "您好"}, {"n": 2, "text": "您好"}]


async def test_other_channels_and_unsubscribed_receive_nothing(bus):
    channel = f"test:{uuid.uuid4().hex}"
    sub = await bus.subscribe(channel)
    other = await bus.subscribe(channel + ":other")
    await asyncio.sleep(0.1)
    await bus.publish(channel, {"x": 1})
    assert await sub.get(wait_s=5) == {"x": 1}
    assert await other.get(wait_s=0.3) is None
    await bus.unsubscribe(sub)
    assert await sub.get(wait_s=0.3) is None  # closed


async def test_unserialisable_messages_are_refused(bus):
    with pytest.raises(TypeError):
        await bus.publish("test:bad", {"x": object()})


async def test_a_slow_subscriber_drops_oldest_instead_of_growing():
    bus = InProcessBus()
    sub = await bus.subscribe("c")
    for i in range(300):
        await bus.publish("c", {"n": i})
    assert sub.dropped == 300 - 256
    assert (await sub.get(wait_s=1)) == {"n": 300 - 256}


@pytest.mark.redis
async def test_redis_ping_reports_backend():
    bus = build_event_bus(REDIS_URL)
    try:
        report = await bus.ping()
        assert report["ok"] is True and report["backend"] == "redis"
        assert report["state"] == "ok" and report["connected"] is True and report["namespace"] == "lobby"
    finally:
        await bus.close()

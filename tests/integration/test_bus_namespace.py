"""Issue 17, item 6: two deployments sharing one Redis server must not hear each other's events.

Redis pub/sub ignores the database number, so the bus prefixes every channel with
`LOBBY_BUS_NAMESPACE`; replicas of one deployment share it, other deployments use another.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.events import build_event_bus
from tests.conftest import auth_headers
from tests.integration.replicas import REDIS_URL, Socket, close_sockets, new_namespace, replica_settings

pytestmark = [pytest.mark.integration, pytest.mark.redis]


async def test_buses_of_two_namespaces_on_one_server_are_isolated():
    blue, green = new_namespace(), new_namespace()
    blue_a, blue_b, green_a = (build_event_bus(REDIS_URL, ns) for ns in (blue, blue, green))
    raw = aioredis.from_url(REDIS_URL, decode_responses=True)
    spy = raw.pubsub()
    await spy.subscribe("handoffs", f"{blue}:handoffs")
    try:
        on_blue_b, on_green = await blue_b.subscribe("handoffs"), await green_a.subscribe("handoffs")
        await asyncio.sleep(0.2)
        await blue_a.publish("handoffs", {"from": "blue"})
        await green_a.publish("handoffs", {"from": "green"})
        assert await on_blue_b.get(wait_s=5) == {"from": "blue"}
        assert await on_green.get(wait_s=5) == {"from": "green"}  # its own, and only its own
        assert await on_blue_b.get(wait_s=0.5) is None and await on_green.get(wait_s=0.5) is None
        seen, deadline = [], asyncio.get_running_loop().time() + 1.0
        while asyncio.get_running_loop().time() < deadline:
            item = await spy.get_message(timeout=0.1)
            if item is not None and item["type"] == "message":
                seen.append(item["channel"])
        assert seen == [f"{blue}:handoffs"]  # on the wire under the namespace; nothing on the bare name
    finally:
        await spy.aclose()
        await raw.aclose()
        for bus in (blue_a, blue_b, green_a):
            await bus.close()


def test_a_console_of_one_deployment_gets_no_handoffs_of_another(tmp_path: Path):
    with (
        TestClient(create_app(replica_settings(tmp_path / "test", "", new_namespace()))) as test_stack,
        TestClient(create_app(replica_settings(tmp_path / "prod", "", new_namespace()))) as prod_stack,
    ):
        try:
            prod_console = Socket(prod_stack, "/api/v1/staff/ws", auth_headers(prod_stack, "expert"))
            test_console = Socket(test_stack, "/api/v1/staff/ws", auth_headers(test_stack, "expert"))
            for console in (prod_console, test_console):
                assert console.wait_for(lambda m: m["type"] == "hello")
            event = {"type": "handoff_created", "handoff_id": "from-the-test-stack"}
            test_stack.portal.call(test_stack.app.state.events.publish, "handoffs", event)
            assert test_console.wait_for(lambda m: m.get("handoff_id") == "from-the-test-stack", timeout=5)
            assert prod_console.wait_for(lambda m: m.get("handoff_id") == "from-the-test-stack", timeout=1) is None
        finally:
            close_sockets()


def test_the_namespace_is_a_setting_with_a_default(monkeypatch: pytest.MonkeyPatch):
    assert Settings(_env_file=None).bus_namespace == "lobby"  # type: ignore[call-arg]
    monkeypatch.setenv("LOBBY_BUS_NAMESPACE", "branch-bj001.prod")
    assert Settings(_env_file=None).bus_namespace == "branch-bj001.prod"  # type: ignore[call-arg]
    monkeypatch.setenv("LOBBY_BUS_NAMESPACE", "two words")
    with pytest.raises(ValueError, match="bus_namespace"):
        Settings(_env_file=None)  # type: ignore[call-arg]

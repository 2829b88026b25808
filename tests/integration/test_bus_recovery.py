"""Issue 17, item 5: a Redis blip must not break kiosks, nor cross-replica delivery until a restart.

A Redis restart is simulated by the server closing exactly the bus connections of the test's own
namespace (the server is shared: it is never stopped). Redis being away is a bus pointed at a port
where nothing listens.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.events.redis_bus import RedisBus
from tests.conftest import auth_headers
from tests.integration.replicas import (
    REDIS_URL,
    Socket,
    bus_connections,
    close_sockets,
    kill_bus_connections,
    new_namespace,
    replica_settings,
    replicas,
)

pytestmark = pytest.mark.integration


def metric(client: TestClient, name: str, default: float | None = None) -> float:
    found = re.search(rf"^{name} (\S+)$", client.get("/metrics").text, re.MULTILINE)
    if found is None and default is not None:
        return default
    assert found, f"{name} is not in /metrics"
    return float(found.group(1))


def bus_report(client: TestClient) -> dict:
    return client.get("/readyz").json()["subsystems"]["events"]


def open_kiosk(client: TestClient) -> tuple[Socket, str]:
    kiosk = Socket(client, f"/api/v1/kiosk/ws?token={client.app.state.demo_kiosk_token}")
    kiosk.send({"type": "hello", "language": "zh"})
    session = kiosk.wait_for(lambda m: m["type"] in ("session", "error"), timeout=30)
    assert session is not None and session["type"] == "session", f"no session for the kiosk: {session}"
    return kiosk, session["session_id"]


def publish(client: TestClient, channel: str, message: dict) -> None:
    client.portal.call(client.app.state.events.publish, channel, message)


def delivered_eventually(send, received, timeout: float = 20.0) -> bool:
    """Publish (again, each half second: a message sent before the bus resubscribed is lost, as in
    any pub/sub) until it is received."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nonce = uuid.uuid4().hex
        send(nonce)
        if received(nonce, 0.5):
            return True
    return False


@pytest.fixture
def pair(tmp_path: Path, postgres_url: str) -> Iterator[tuple[str, list[TestClient]]]:
    namespace = new_namespace()
    with replicas(tmp_path, postgres_url, namespace) as clients:
        yield namespace, clients


@pytest.mark.postgres
@pytest.mark.redis
def test_after_a_redis_restart_messages_cross_replicas_again(pair):
    namespace, (a, b) = pair
    kiosk, session_id = open_kiosk(a)
    console = Socket(b, "/api/v1/staff/ws", auth_headers(b, "supervisor"))
    assert console.wait_for(lambda m: m["type"] == "hello")

    def expert_says(nonce: str) -> None:  # the way an expert's message on replica b reaches the kiosk on a
        publish(b, f"session:{session_id}", {"type": "expert_message", "text": nonce, "from": "x", "speak": False})

    def kiosk_hears(nonce: str, wait: float) -> bool:
        return kiosk.wait_for(lambda m: m.get("type") == "expert_message" and m.get("text") == nonce, wait) is not None

    def handoff_on_a(nonce: str) -> None:
        publish(a, "handoffs", {"type": "handoff_created", "handoff_id": nonce})

    def console_hears(nonce: str, wait: float) -> bool:
        return console.wait_for(lambda m: m.get("handoff_id") == nonce, wait) is not None

    assert delivered_eventually(expert_says, kiosk_hears, timeout=5)
    assert delivered_eventually(handoff_on_a, console_hears, timeout=5)
    before = metric(a, "lobby_event_bus_reconnects_total", default=0.0)  # process-wide: both replicas count

    assert kill_bus_connections(namespace, pubsub_only=True) == 2  # one listener per replica

    assert delivered_eventually(expert_says, kiosk_hears), "expert messages no longer reach the other replica"
    assert delivered_eventually(handoff_on_a, console_hears), "handoff events no longer reach the other replica"
    for replica in (a, b):
        report = bus_report(replica)
        assert report["ok"] and report["state"] == "ok" and report["reconnects"] >= 1, report
    assert metric(a, "lobby_event_bus_reconnects_total") >= before + 2
    assert metric(a, "lobby_event_bus_connected") == 1.0
    assert len([c for c in bus_connections(namespace) if int(c.get("sub", 0)) > 0]) == 2  # no leaked listeners


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_while_redis_is_away_kiosks_work_on_their_replica_and_readyz_says_degraded(tmp_path: Path):
    settings = replica_settings(tmp_path / "var", "", new_namespace(), redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    with TestClient(create_app(settings)) as client:
        try:
            kiosk, session_id = open_kiosk(client)  # before: "internal error"
            # Single-replica mode: what this replica publishes still reaches its own kiosks.
            publish(
                client, f"session:{session_id}", {"type": "expert_message", "text": "稍等", "from": "x", "speak": False}
            )
            assert kiosk.wait_for(lambda m: m.get("type") == "expert_message", timeout=5)
            report = bus_report(client)
            assert report["ok"] is True and report["state"] == "degraded" and report["connected"] is False, report
            assert "Connection" in (report.get("error") or ""), report
            assert metric(client, "lobby_event_bus_connected") == 0.0
        finally:
            close_sockets()


@pytest.mark.redis
async def test_the_bus_resubscribes_every_channel_after_losing_its_connection():
    namespace = new_namespace()
    listener, sender = RedisBus(REDIS_URL, namespace), RedisBus(REDIS_URL, namespace)
    try:
        subs = [await listener.subscribe(f"c{i}") for i in range(3)]
        await listener.ping()
        kill_bus_connections(namespace, pubsub_only=True)
        for _ in range(150):  # up to 15 s
            if listener.reconnects:
                break
            await asyncio.sleep(0.1)
        assert listener.reconnects == 1 and (await listener.ping())["state"] == "ok"
        for i, sub in enumerate(subs):
            await sender.publish(f"c{i}", {"i": i})
            assert await sub.get(wait_s=5) == {"i": i}
    finally:
        await listener.close()
        await sender.close()

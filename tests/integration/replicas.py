"""Two Lobby replicas in one test process: one PostgreSQL database, one Redis server, one bus namespace.

Each replica is a whole app (its own lifespan, event bus, caches and sockets) behind its own TestClient,
so what one replica does reaches the other only through the database and Redis, as in production.
Each test gets its own bus namespace, so tests running beside others on the shared Redis hear nothing
of theirs (and can kill exactly their own bus connections to simulate a Redis restart).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import redis
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from speech.config import SpeechOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH

REDIS_URL = "redis://127.0.0.1:6379/0"
Message = dict[str, Any]


def new_namespace() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def replica_settings(var_dir: Path, database_url: str, namespace: str, redis_url: str = REDIS_URL) -> Settings:
    return Settings(
        env="test",
        var_dir=var_dir,
        models_dir=Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        database_url=database_url,
        redis_url=redis_url,
        bus_namespace=namespace,
        knowledge=KnowledgeOptions(auto_ingest=False),
        speech=SpeechOptions(tts_engines=["espeak"]),  # offline: the greeting is spoken without the internet
        auth=TEST_AUTH,
        _env_file=None,  # type: ignore[call-arg]
    )


@contextmanager
def replicas(
    tmp_path: Path, database_url: str, namespace: str | None = None, count: int = 2, redis_url: str = REDIS_URL
) -> Iterator[list[TestClient]]:
    """`count` replicas of one deployment, started one after the other (the first seeds the demo users)."""
    namespace = namespace or new_namespace()
    with ExitStack() as stack:
        clients = []
        for i in range(count):
            settings = replica_settings(tmp_path / f"replica{i}", database_url, namespace, redis_url)
            clients.append(stack.enter_context(TestClient(create_app(settings))))
        try:
            yield clients
        finally:
            close_sockets()


_OPEN: list[Socket] = []


def close_sockets() -> None:
    """Every test socket still open (a TestClient waits for its sockets before its app can stop)."""
    while _OPEN:
        _OPEN.pop().close()


def bus_connections(namespace: str) -> list[dict[str, Any]]:
    """The Redis connections of the event buses of `namespace` (they carry its name)."""
    admin = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return [c for c in admin.client_list() if c.get("name") == f"lobby-bus:{namespace}"]
    finally:
        admin.close()


def kill_bus_connections(namespace: str, pubsub_only: bool = False) -> int:
    """What a Redis restart does to the buses of `namespace`: the server closes their connections (only
    theirs: the server is shared with other tests). Named connections first; a bus that names none (as
    before issue 17) is found as this process's subscribed connections."""
    admin = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        targets = bus_connections(namespace)
        if not targets:
            ours = _own_tcp_ports()
            targets = [c for c in admin.client_list(_type="pubsub") if int(c["addr"].rsplit(":", 1)[1]) in ours]
        killed = 0
        for conn in targets:
            if pubsub_only and int(conn.get("sub", 0)) == 0:
                continue
            killed += int(admin.client_kill_filter(_id=conn["id"]))
        return killed
    finally:
        admin.close()


def _own_tcp_ports() -> set[int]:
    """Local ports of this process's TCP sockets (Linux: its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/self/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


class Socket:
    """A WebSocket on one replica with a receiver thread: every message, and the close code once closed."""

    def __init__(self, client: TestClient, url: str, headers: dict[str, str] | None = None) -> None:
        self._cm = client.websocket_connect(url, headers=dict(headers or {}))
        self.ws = self._cm.__enter__()
        self.messages: list[Message] = []
        self.close_code: int | None = None
        self._cond = threading.Condition()
        _OPEN.append(self)
        threading.Thread(target=self._receive, daemon=True).start()

    def _receive(self) -> None:
        while True:
            try:
                message = self.ws.receive()
            except Exception:
                message = {"type": "websocket.close", "code": -1}
            with self._cond:
                if message["type"] == "websocket.close":
                    self.close_code = int(message.get("code", 1000))
                    self._cond.notify_all()
                    return
                if message.get("text") is not None:
                    self.messages.append(json.loads(message["text"]))
                    self._cond.notify_all()

    def send(self, message: Message) -> None:
        self.ws.send_json(message)

    def wait_for(self, match: Callable[[Message], bool], timeout: float = 15.0) -> Message | None:
        """The first message that matches, or None after `timeout` seconds (or once closed)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = next((m for m in self.messages if match(m)), None)
                if found is not None or self.close_code is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def wait_closed(self, timeout: float = 10.0) -> int | None:
        """The close code once the server closed the socket; None if still open after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self.close_code is not None, timeout)
            return self.close_code

    def close(self) -> None:
        if self in _OPEN:
            _OPEN.remove(self)
        with contextlib.suppress(Exception):  # already closed by the server
            self._cm.__exit__(None, None, None)

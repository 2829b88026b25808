"""Issue 17, item 4: open sockets must not outlive their credentials, on any replica.

Two replicas on PostgreSQL and Redis; the socket is open on one, the credential is withdrawn through
the other (or through the `lobby` command, as an administrator does): the socket closes with 4401
within seconds, a new one is refused, and sockets opened with other credentials stay open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from typer.testing import CliRunner

from assistant.auth.users import Account
from assistant.cli import app as cli
from tests.integration.replicas import REDIS_URL, Socket, close_sockets, new_namespace, replicas

pytestmark = pytest.mark.integration
PASSWORD = "Str0ng-pass-2026"


@pytest.fixture
def namespace() -> str:
    return new_namespace()


@pytest.fixture
def pair(tmp_path: Path, postgres_url: str, namespace: str) -> Iterator[list[TestClient]]:
    with replicas(tmp_path, postgres_url, namespace) as clients:
        yield clients


def lobby(postgres_url: str, namespace: str, tmp_path: Path, *args: str) -> None:
    """The `lobby` command as an administrator runs it next to the servers (same database and Redis)."""
    env = {
        "LOBBY_ENV": "test",
        "LOBBY_VAR_DIR": str(tmp_path / "cli-var"),
        "LOBBY_DATABASE_URL": postgres_url,
        "LOBBY_REDIS_URL": REDIS_URL,
        "LOBBY_BUS_NAMESPACE": namespace,
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, f"{args}: {result.output} {result.exception!r}"


def new_staff(client: TestClient, role: str = "expert") -> Account:
    state = client.app.state  # type: ignore[attr-defined]
    name = f"{role}-{uuid.uuid4().hex[:8]}"
    return state.users.add(name, role, state.auth.passwords.hash(PASSWORD), branch_id="BJ001")


def bearer(client: TestClient, account: Account) -> dict[str, str]:
    token = client.app.state.auth.issue_access_token(account).token  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def console(client: TestClient, headers: dict[str, str]) -> Socket:
    socket = Socket(client, "/api/v1/staff/ws", headers)
    assert socket.wait_for(lambda m: m["type"] == "hello"), "the console socket did not open"
    return socket


@pytest.mark.postgres
@pytest.mark.redis
def test_revoking_a_device_closes_its_kiosk_socket_on_the_other_replica(pair, postgres_url, namespace, tmp_path):
    a, b = pair
    device = f"KIOSK-T-{uuid.uuid4().hex[:8]}"
    token = a.app.state.devices.add(device, "BJ001")
    other = Socket(b, f"/api/v1/kiosk/ws?token={b.app.state.demo_kiosk_token}")
    kiosk = Socket(b, f"/api/v1/kiosk/ws?token={token}")
    kiosk.send({"type": "hello", "language": "zh"})
    assert kiosk.wait_for(lambda m: m["type"] == "session"), "the kiosk socket did not start a session"

    lobby(postgres_url, namespace, tmp_path, "devices", "revoke", device)

    assert kiosk.wait_closed(timeout=10) == 4401
    with pytest.raises(WebSocketDisconnect) as refused, b.websocket_connect(f"/api/v1/kiosk/ws?token={token}"):
        pass
    assert refused.value.code == 4401
    other.send({"type": "ping"})
    assert other.wait_for(lambda m: m["type"] == "pong") and other.close_code is None  # another kiosk goes on
    other.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_disabling_a_user_closes_their_console_socket_on_the_other_replica(pair, postgres_url, namespace, tmp_path):
    a, b = pair
    leaving, staying = new_staff(a), new_staff(a)
    gone, kept = console(b, bearer(a, leaving)), console(b, bearer(a, staying))

    lobby(postgres_url, namespace, tmp_path, "users", "disable", leaving.username)

    assert gone.wait_closed(timeout=10) == 4401
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        b.websocket_connect("/api/v1/staff/ws", headers=bearer(a, leaving)),
    ):
        pass
    assert refused.value.code == 4401
    # The handoff channel still reaches everyone else, and no longer the disabled user.
    b.portal.call(b.app.state.events.publish, "handoffs", {"type": "handoff_created", "handoff_id": "h-after"})
    assert kept.wait_for(lambda m: m.get("handoff_id") == "h-after") and kept.close_code is None
    assert not any(m.get("handoff_id") == "h-after" for m in gone.messages)
    kept.close()


@pytest.mark.postgres
@pytest.mark.redis
def test_signing_out_closes_that_console_socket_on_the_other_replica(pair):
    a, b = pair
    account = new_staff(a)
    signed_in = a.post("/api/v1/auth/login", json={"username": account.username, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    cookie = {"Cookie": f"lobby_session={a.cookies['lobby_session']}"}
    by_cookie = console(b, cookie)
    by_token = console(b, bearer(a, account))  # the same user's other sign-in

    out = a.post("/api/v1/auth/logout", headers={"X-CSRF-Token": a.cookies["lobby_csrf"]})
    assert out.status_code == 204

    assert by_cookie.wait_closed(timeout=10) == 4401
    with pytest.raises(WebSocketDisconnect) as refused, b.websocket_connect("/api/v1/staff/ws", headers=cookie):
        pass
    assert refused.value.code == 4401
    by_token.send({"type": "ping"})
    assert by_token.wait_for(lambda m: m["type"] == "pong") and by_token.close_code is None
    by_token.close()


def test_without_a_bus_message_the_periodic_recheck_closes_a_revoked_kiosk(client: TestClient):
    """One process, in-process bus, the device revoked by another process (no message reaches this one):
    the re-check of open sockets finds it."""
    state = client.app.state  # type: ignore[attr-defined]
    device = f"KIOSK-T-{uuid.uuid4().hex[:8]}"
    token = state.devices.add(device, "BJ001")
    kiosk, other = (
        Socket(client, f"/api/v1/kiosk/ws?token={token}"),
        Socket(client, f"/api/v1/kiosk/ws?token={state.demo_kiosk_token}"),
    )
    try:
        kiosk.send({"type": "ping"})
        assert kiosk.wait_for(lambda m: m["type"] == "pong")
        state.devices.revoke(device)  # straight in the database
        state.auth.forget_cached()  # as the cache expires on its own
        client.portal.call(state.sockets.recheck)
        assert kiosk.wait_closed(timeout=5) == 4401
        other.send({"type": "ping"})
        assert other.wait_for(lambda m: m["type"] == "pong") and other.close_code is None
    finally:
        close_sockets()

"""`require` on a small app over a real SQLite store: WebSocket credentials (device token in the URL,
console cookie from our own origin only) and the Principal handed to the route."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, WebSocket
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.auth import CSRF_COOKIE, SESSION_COOKIE, Principal, require
from assistant.auth.devices import DeviceStore
from assistant.auth.revoked import RevokedTokenStore
from assistant.auth.service import Authenticator
from assistant.auth.users import UserStore
from assistant.store import Database
from tests.conftest import TEST_AUTH

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(tmp_path: Path) -> tuple[TestClient, Authenticator]:
    db = Database(f"sqlite:///{tmp_path / 'guard.db'}")
    db.upgrade()
    auth = Authenticator(TEST_AUTH, "guard-secret", UserStore(db), DeviceStore(db), RevokedTokenStore(db))
    auth.users.add("t1", "teller", auth.passwords.hash("Teller-pass-1"), "柜员", "BJ001")
    app = FastAPI()
    app.state.auth = auth

    @app.websocket("/ws/kiosk")
    async def kiosk_ws(websocket: WebSocket, who: Annotated[Principal, Depends(require("kiosk"))]) -> None:
        await websocket.accept()
        await websocket.send_json({"subject": who.subject, "role": who.role})
        await websocket.close()

    @app.websocket("/ws/staff")
    async def staff_ws(websocket: WebSocket, who: Annotated[Principal, Depends(require("teller"))]) -> None:
        await websocket.accept()
        await websocket.send_json({"subject": who.subject, "role": who.role})
        await websocket.close()

    @app.post("/change")
    async def change(who: Annotated[Principal, Depends(require("teller"))]) -> dict[str, str]:
        return {"subject": who.subject, "branch": who.branch_id or ""}

    return TestClient(app), auth


def denial(client: TestClient, url: str, **kwargs) -> int:
    """The refusal of a WebSocket, as the HTTP status its close code stands for (4401 -> 401)."""
    with pytest.raises(WebSocketDisconnect) as caught, client.websocket_connect(url, **kwargs):
        pass
    return caught.value.code - 4000


def test_kiosk_socket_takes_a_device_token_in_the_url(setup):
    client, auth = setup
    token = auth.devices.add("KIOSK-G1", "BJ001")
    with client.websocket_connect(f"/ws/kiosk?token={token}") as ws:
        assert ws.receive_json() == {"subject": "KIOSK-G1", "role": "kiosk"}
    assert denial(client, "/ws/kiosk") == 401
    assert denial(client, "/ws/kiosk?token=ldt_unknown") == 401
    assert denial(client, f"/ws/staff?token={token}") == 403  # a kiosk is not a teller


def test_staff_tokens_are_not_taken_from_urls_but_from_headers(setup):
    client, auth = setup
    account = auth.users.get("t1")
    assert account is not None
    access = auth.issue_access_token(account).token
    assert denial(client, f"/ws/staff?token={access}") == 401
    with client.websocket_connect("/ws/staff", headers={"Authorization": f"Bearer {access}"}) as ws:
        assert ws.receive_json() == {"subject": "t1", "role": "teller"}


def test_cookie_sockets_only_from_our_own_origin(setup):
    client, auth = setup
    account = auth.users.get("t1")
    assert account is not None
    session = auth.issue_session(account)
    client.cookies.set(SESSION_COOKIE, session.token)
    assert denial(client, "/ws/staff", headers={"Origin": "http://evil.example"}) == 403
    with client.websocket_connect("/ws/staff", headers={"Origin": "http://testserver"}) as ws:
        assert ws.receive_json()["subject"] == "t1"


def test_cookie_requests_that_change_things_need_the_bound_csrf_token(setup):
    client, auth = setup
    account = auth.users.get("t1")
    assert account is not None
    session = auth.issue_session(account)
    client.cookies.set(SESSION_COOKIE, session.token)
    client.cookies.set(CSRF_COOKIE, session.csrf_token or "")
    assert client.post("/change").status_code == 403
    ok = client.post("/change", headers={"X-CSRF-Token": session.csrf_token or ""})
    assert ok.status_code == 200 and ok.json() == {"subject": "t1", "branch": "BJ001"}
    other = auth.issue_session(account)  # a valid CSRF token of another sign-in does not fit this session
    client.cookies.set(CSRF_COOKIE, other.csrf_token or "")
    assert client.post("/change", headers={"X-CSRF-Token": other.csrf_token or ""}).status_code == 403
    # a session token is not a bearer token, and a bearer token is not a session
    assert client.post("/change", headers={"Authorization": f"Bearer {session.token}"}).status_code == 401


def test_revoked_tokens_are_refused_at_once_though_their_principal_is_cached(setup):
    client, auth = setup
    assert auth.options.principal_cache_s > 0  # the guard's no-database path is the one under test
    account = auth.users.get("t1")
    assert account is not None
    session, access = auth.issue_session(account), auth.issue_access_token(account).token
    csrf = {"X-CSRF-Token": session.csrf_token or ""}
    client.cookies.set(SESSION_COOKIE, session.token)
    client.cookies.set(CSRF_COOKIE, session.csrf_token or "")
    bearer = {"Authorization": f"Bearer {access}"}
    assert client.post("/change", headers=csrf).status_code == 200  # cached: principal, "not revoked"
    assert client.post("/change", headers=bearer).status_code == 200
    auth.revoke(auth.tokens.decode(session.token, "session"))
    refused = client.post("/change", headers=csrf)
    assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"
    assert client.post("/change", headers=bearer).status_code == 200  # another token of the same user
    auth.revoke(auth.tokens.decode(access, "access"))
    assert client.post("/change", headers=bearer).json()["detail"] == "token revoked"
    assert denial(client, "/ws/staff", headers={"Origin": "http://testserver"}) == 401  # the cookie, on a socket

"""Sign-in over HTTP: bearer tokens, console cookies with CSRF, lock-out answers, expired tokens, the
audit trail of sign-ins, sign-out revoking the tokens it is shown, and kiosks confined to their own sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH, auth_headers

pytestmark = pytest.mark.integration
DEMO_PASSWORD = "demo-pass-2026"
AUTH = TEST_AUTH.model_copy(update={"max_failed_sign_ins": 3, "principal_cache_s": 0})


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        env="test",
        var_dir=tmp_path_factory.mktemp("auth-var"),
        models_dir=Path(PREPARED_MODELS),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=AUTH,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = DEMO_PASSWORD):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_token_sign_in_and_me(client: TestClient):
    response = sign_in(client, "expert1")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["role"] == "expert" and body["expires_in"] == AUTH.access_token_ttl_s
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me["username"] == "expert1" and me["role"] == "expert" and "remote_verification" in me["skills"]
    kiosk = client.get("/api/v1/auth/me", headers=auth_headers(client, "kiosk")).json()
    assert kiosk == {"username": "KIOSK-BJ001-01", "role": "kiosk", "display_name": None, "skills": []}


def test_wrong_password_and_unknown_user_look_the_same_and_are_audited(client: TestClient):
    wrong = sign_in(client, "teller1", "Not-the-password")
    unknown = sign_in(client, "no.such.user", "Not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid username or password"}
    records = client.app.state.audit.list(action="sign_in_failed")  # type: ignore[attr-defined]
    assert {r.actor for r in records} >= {"teller1", "no.such.user"}
    assert all(r.details["ip"] == "testclient" for r in records)
    assert "Not-the-password" not in str([r.to_dict() for r in client.app.state.audit.list()])  # type: ignore[attr-defined]


def test_repeated_failures_lock_with_429_and_retry_after(client: TestClient):
    client.app.state.users.add("locker", "teller", client.app.state.auth.passwords.hash("Locker-pass-1"))  # type: ignore[attr-defined]
    for _ in range(3):
        assert sign_in(client, "locker", "Wrong-pass-00").status_code == 401
    locked = sign_in(client, "locker", "Locker-pass-1")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert client.app.state.audit.list(limit=1)[0].details["locked"] is True  # type: ignore[attr-defined]


def test_sign_ins_are_audited_and_the_chain_verifies(client: TestClient):
    assert sign_in(client, "supervisor1").status_code == 200
    last = client.app.state.audit.list(action="sign_in", limit=1)[0]  # type: ignore[attr-defined]
    assert (last.actor, last.role, last.details["via"]) == ("supervisor1", "supervisor", "token")
    assert client.app.state.audit.verify().ok  # type: ignore[attr-defined]


def test_expired_and_forged_tokens_get_401(client: TestClient):
    tokens = client.app.state.auth.tokens  # type: ignore[attr-defined]
    expired = tokens.issue("teller1", "teller", -120)
    response = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.json()["detail"] == "token expired"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    wrong_role = tokens.issue("teller1", "admin", 60)  # validly signed, but teller1 is not an admin
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {wrong_role}"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic dGVsbGVyMTp4"}).status_code == 401


def test_console_cookies_need_the_csrf_header_for_changes(client: TestClient):
    login = client.post("/api/v1/auth/login", json={"username": "teller1", "password": DEMO_PASSWORD})
    assert login.status_code == 200
    set_cookies = login.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith("lobby_session="))
    csrf_cookie = next(c for c in set_cookies if c.startswith("lobby_csrf="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "HttpOnly" not in csrf_cookie
    csrf = login.json()["csrf_token"]
    assert client.cookies.get("lobby_csrf") == csrf

    assert client.get("/api/v1/auth/me").json()["username"] == "teller1"  # GET: the cookie alone
    body = {"channel": "teller", "branch_id": "BJ001"}
    missing = client.post("/api/v1/sessions", json=body)
    assert missing.status_code == 403 and "CSRF" in missing.json()["detail"]
    assert client.post("/api/v1/sessions", json=body, headers={"X-CSRF-Token": "guess"}).status_code == 403
    created = client.post("/api/v1/sessions", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201

    # a CSRF token that matches its cookie but belongs to another sign-in is refused too
    client.cookies.set("lobby_csrf", "forged")
    forged = client.post("/api/v1/sessions", json=body, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403

    client.cookies.set("lobby_csrf", csrf)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.cookies.get("lobby_session") is None
    assert client.get("/api/v1/auth/me").status_code == 401


def test_kiosk_sessions_carry_the_device_and_stay_its_own(client: TestClient):
    kiosk = auth_headers(client, "kiosk")
    created = client.post("/api/v1/sessions", json={"channel": "kiosk", "device_id": "SPOOFED"}, headers=kiosk)
    sid = created.json()["session_id"]
    row = client.app.state.sessions.get(sid)  # type: ignore[attr-defined]
    assert (row.device_id, row.branch_id) == ("KIOSK-BJ001-01", "BJ001")
    other_token = client.app.state.devices.add("KIOSK-BJ001-02", "BJ001")  # type: ignore[attr-defined]
    other = {"Authorization": f"Bearer {other_token}"}
    assert client.get(f"/api/v1/sessions/{sid}", headers=other).status_code == 404
    assert client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"}, headers=other).status_code == 404
    assert client.get(f"/api/v1/sessions/{sid}", headers=kiosk).status_code == 200
    assert client.get(f"/api/v1/sessions/{sid}", headers=auth_headers(client, "supervisor")).status_code == 200


def console_sign_in(client: TestClient, username: str) -> tuple[str, str]:
    """(session cookie value, CSRF token) of a fresh console sign-in; the client's cookie jar is left
    empty, so each request below says explicitly which sign-in it carries."""
    login = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    assert login.status_code == 200
    session = client.cookies.get("lobby_session")
    client.cookies.clear()
    assert session
    return session, login.json()["csrf_token"]


def carrying(session: str, csrf: str | None = None, bearer: str | None = None) -> dict[str, str]:
    """Headers of a request that sends these cookies (a copied cookie, as a thief would replay it)."""
    headers = {"Cookie": f"lobby_session={session}" + (f"; lobby_csrf={csrf}" if csrf else "")}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    return headers


def sign_outs(client: TestClient) -> list:
    return client.app.state.audit.list(action="sign_out")  # type: ignore[attr-defined]


def test_logout_revokes_the_cookie_and_a_bearer_token_and_other_sessions_go_on(client: TestClient):
    client.cookies.clear()
    session, csrf = console_sign_in(client, "teller1")
    other_session, other_csrf = console_sign_in(client, "teller1")  # the same user at another counter
    bearer = sign_in(client, "teller1").json()["access_token"]
    assert client.get("/api/v1/auth/me", headers=carrying(session)).json()["username"] == "teller1"
    before = len(sign_outs(client))

    out = client.post("/api/v1/auth/logout", headers=carrying(session, csrf, bearer))
    assert out.status_code == 204
    cleared = out.headers.get_list("set-cookie")
    assert any(c.startswith('lobby_session=""') or c.startswith("lobby_session=;") for c in cleared), cleared

    # the SAME cookie value, replayed after sign-out, no longer signs anyone in; nor does the bearer token
    replay = client.get("/api/v1/auth/me", headers=carrying(session))
    assert replay.status_code == 401 and replay.json()["detail"] == "token revoked"
    body = {"channel": "teller", "branch_id": "BJ001"}
    assert client.post("/api/v1/sessions", json=body, headers=carrying(session, csrf)).status_code == 401
    reused = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {bearer}"})
    assert reused.status_code == 401 and reused.json()["detail"] == "token revoked"
    # the user's other sign-in is untouched
    assert client.get("/api/v1/auth/me", headers=carrying(other_session)).json()["username"] == "teller1"
    created = client.post("/api/v1/sessions", json=body, headers=carrying(other_session, other_csrf))
    assert created.status_code == 201

    records = sign_outs(client)[: len(sign_outs(client)) - before]
    assert sorted((r.actor, r.role, r.details["via"]) for r in records) == [
        ("teller1", "teller", "cookie"),
        ("teller1", "teller", "token"),
    ]
    everything = str([r.to_dict() for r in client.app.state.audit.list(limit=1000)])  # type: ignore[attr-defined]
    assert session not in everything and bearer not in everything
    assert client.app.state.audit.verify().ok  # type: ignore[attr-defined]


def test_logout_with_a_bearer_token_alone_revokes_just_that_token(client: TestClient):
    client.cookies.clear()
    first, second = (sign_in(client, "expert1").json()["access_token"] for _ in range(2))
    assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}).status_code == 204
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_logout_of_a_cookie_needs_its_csrf_token(client: TestClient):
    client.cookies.clear()
    session, csrf = console_sign_in(client, "supervisor1")
    refused = client.post("/api/v1/auth/logout", headers=carrying(session))
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert client.get("/api/v1/auth/me", headers=carrying(session)).status_code == 200  # nothing revoked
    wrong = {**carrying(session, csrf), "X-CSRF-Token": "guess"}
    assert client.post("/api/v1/auth/logout", headers=wrong).status_code == 403
    assert client.post("/api/v1/auth/logout", headers=carrying(session, csrf)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=carrying(session)).status_code == 401


def test_logout_without_a_valid_sign_in_just_clears_the_cookies(client: TestClient):
    client.cookies.clear()
    before = len(sign_outs(client))
    expired = client.app.state.auth.tokens.issue("teller1", "teller", -120, "session", "c")  # type: ignore[attr-defined]
    kiosk = auth_headers(client, "kiosk")
    for headers in (
        {},
        carrying("garbage"),
        carrying(expired),
        {"Authorization": "Bearer not-a-token"},
        kiosk,  # a kiosk's device token is revoked with `lobby devices revoke`, not here
    ):
        out = client.post("/api/v1/auth/logout", headers=headers)
        assert out.status_code == 204, headers
        assert any(c.startswith("lobby_session=") for c in out.headers.get_list("set-cookie"))
    assert len(sign_outs(client)) == before
    assert client.get("/api/v1/auth/me", headers=kiosk).status_code == 200

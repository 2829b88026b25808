"""`GET /api/v1/rtc/ice-servers` with the real app, and its TURN credentials against a real coturn.

The coturn test starts its own `turnserver` (Debian's coturn) on a free loopback port with the TURN REST
scheme (`--use-auth-secret`) and allocates a relay with the endpoint's credentials using a minimal TURN
client (`turn_probe.py`): accepted; a wrong password, or a username whose expiry has passed, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.rtc.options import RtcOptions
from tests.conftest import auth_headers
from tests.integration import turn_probe

pytestmark = pytest.mark.integration

SECRET = "turn-shared-secret-for-tests"


@pytest.fixture(scope="module")
def turn_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    if shutil.which("turnserver") is None:
        pytest.skip("coturn's `turnserver` is not installed (apt-get install coturn); cannot prove TURN credentials")
    with turn_probe.coturn(SECRET, tmp_path_factory.mktemp("coturn")) as server:
        yield server


@pytest.fixture
def turn_client(settings: Settings, turn_server: tuple[str, int]) -> Iterator[TestClient]:
    host, port = turn_server
    rtc = RtcOptions(
        stun_urls=[f"stun:{host}:{port}"],
        turn_urls=[f"turn:{host}:{port}?transport=udp"],
        turn_secret=SecretStr(SECRET),
        turn_ttl_s=600,
    )
    with TestClient(create_app(settings.model_copy(update={"rtc": rtc}))) as client:
        yield client


def test_without_rtc_settings_the_list_is_empty_and_callers_must_sign_in(client: TestClient) -> None:
    response = client.get("/api/v1/rtc/ice-servers", headers=auth_headers(client, "kiosk"))
    assert response.status_code == 200, response.text
    assert response.json() == {"ice_servers": [], "ttl_s": 3600, "ice_transport_policy": "all"}
    assert response.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/rtc/ice-servers", headers=auth_headers(client, "expert")).status_code == 200
    assert client.get("/api/v1/rtc/ice-servers").status_code == 401


def test_kiosk_and_expert_get_turn_rest_credentials(turn_client: TestClient, turn_server: tuple[str, int]) -> None:
    host, port = turn_server
    for role in ("kiosk", "expert"):
        body = turn_client.get("/api/v1/rtc/ice-servers", headers=auth_headers(turn_client, role)).json()
        assert body["ttl_s"] == 600
        stun, turn = body["ice_servers"]
        assert stun == {"urls": [f"stun:{host}:{port}"]}
        assert turn["urls"] == [f"turn:{host}:{port}?transport=udp"]
        expiry, _, ident = turn["username"].partition(":")
        assert abs(int(expiry) - (time.time() + 600)) < 5 and ident
        expected = hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()
        assert base64.b64decode(turn["credential"]) == expected
    assert SECRET not in str(turn_client.app.state.settings.masked())  # type: ignore[attr-defined]


def test_coturn_accepts_the_endpoint_credentials_and_refuses_wrong_ones(
    turn_client: TestClient, turn_server: tuple[str, int]
) -> None:
    body = turn_client.get("/api/v1/rtc/ice-servers", headers=auth_headers(turn_client, "kiosk")).json()
    turn = body["ice_servers"][1]
    granted = turn_probe.allocate(turn_server, turn["username"], turn["credential"])
    assert granted.kind == "success", granted.error_code
    relayed = granted.relayed
    assert relayed is not None and relayed[0] == "127.0.0.1" and relayed[1] > 0

    wrong = turn_probe.allocate(turn_server, turn["username"], base64.b64encode(b"x" * 20).decode())
    assert wrong.kind == "error" and wrong.error_code == 401

    from assistant.rtc.credentials import turn_credential

    stale_user, stale_password = turn_credential(SECRET, "kiosk-old", 60, now=time.time() - 3600)
    stale = turn_probe.allocate(turn_server, stale_user, stale_password)
    assert stale.kind == "error" and stale.error_code == 401


def test_rtc_options_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOBBY_RTC__STUN_URLS", "stun:a.example:3478, stun:b.example:3478")
    monkeypatch.setenv("LOBBY_RTC__TURN_URLS", '["turn:t.example:3478?transport=udp"]')
    monkeypatch.setenv("LOBBY_RTC__TURN_SECRET", "s3cr3t")
    monkeypatch.setenv("LOBBY_RTC__TURN_TTL_S", "900")
    rtc = Settings(var_dir=tmp_path, _env_file=None).rtc  # type: ignore[call-arg]
    assert rtc.stun_urls == ["stun:a.example:3478", "stun:b.example:3478"]
    assert rtc.turn_urls == ["turn:t.example:3478?transport=udp"] and rtc.turn_ttl_s == 900
    assert rtc.turn_secret is not None and rtc.turn_secret.get_secret_value() == "s3cr3t"
    with pytest.raises(ValueError, match="not a stun"):
        RtcOptions(stun_urls=["http://nope"])

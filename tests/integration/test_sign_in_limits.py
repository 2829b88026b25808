"""Sign-in limits as an attacker meets them: one lock-out on every replica (Redis), the same answer for a
locked real name and a locked made-up one, X-Forwarded-For believed from trusted proxies only, and a
branch's shared address that does not lock its staff out."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.auth.options import AuthOptions
from assistant.cli.serve import server_options
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH

pytestmark = pytest.mark.integration
DEMO_PASSWORD = "demo-pass-2026"
REDIS_URL = "redis://127.0.0.1:6379/3"  # a database of its own; keys also carry a per-test prefix
TOKEN = "/api/v1/auth/token"


def make_settings(var_dir: Path, auth: AuthOptions, **overrides: Any) -> Settings:
    return Settings(
        env="test",
        var_dir=var_dir,
        models_dir=Path(PREPARED_MODELS),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=auth,
        _env_file=None,
        **overrides,
    )


def sign_in(client: TestClient | httpx.Client, username: str, password: str, **headers: str) -> Any:
    return client.post(TOKEN, json={"username": username, "password": password}, headers=headers)


def failed_ips(client: TestClient) -> list[str]:
    return [r.details["ip"] for r in client.app.state.audit.list(action="sign_in_failed")]  # type: ignore[attr-defined]


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the real Redis server; its keys are deleted afterwards."""
    import redis

    prefix = f"lobby-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def replicas(
    request: pytest.FixtureRequest, tmp_path: Path, redis_prefix: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances on one database and one Redis server, as two replicas behind a load balancer."""
    url = (
        f"sqlite:///{tmp_path / 'shared.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    )
    auth = TEST_AUTH.model_copy(
        update={"max_failed_sign_ins": 3, "principal_cache_s": 0, "limit_key_prefix": redis_prefix}
    )
    first, second = (make_settings(tmp_path / name, auth, database_url=url, redis_url=REDIS_URL) for name in ("a", "b"))
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as two:
        yield one, two


@pytest.mark.redis
def test_a_lock_out_on_one_replica_holds_on_the_other_with_one_answer(replicas: tuple[TestClient, TestClient]):
    one, two = replicas
    made_up = f"nobody-{uuid.uuid4().hex[:8]}"
    for name in ("teller1", made_up):
        for _ in range(3):
            assert sign_in(one, name, "Wrong-pass-00").status_code == 401
    real = sign_in(two, "teller1", DEMO_PASSWORD)  # the right password, on the other replica
    unknown = sign_in(two, made_up, DEMO_PASSWORD)
    assert real.status_code == unknown.status_code == 429
    assert real.json() == unknown.json() == {"detail": "too many failed sign-ins; try again later"}
    assert abs(int(real.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 1
    assert sign_in(two, "expert1", DEMO_PASSWORD).status_code == 200  # only those names are locked


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    """Settings of a real `lobby serve` on loopback whose per-address ceiling is 3 failures."""
    auth = TEST_AUTH.model_copy(update={"max_failed_sign_ins_per_ip": 3})
    return make_settings(tmp_path / "var", auth, host="127.0.0.1", port=_free_port())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(server_settings: Settings) -> Iterator[str]:
    """The app under uvicorn with exactly the options `lobby serve` uses; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(create_app(server_settings), **server_options(server_settings)))
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{server_settings.port}"
    server.should_exit = True
    thread.join(30)


def test_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_address_limit(served: str):
    """No proxy is configured, so a client (here on loopback, as the probe was) that names a new address
    in each request's X-Forwarded-For is still one address, and locks after the ceiling."""
    with httpx.Client(base_url=served, timeout=30) as http:
        codes = [
            sign_in(http, f"guess{i}", "Wrong-pass-00", **{"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(4)
        ]
        assert codes == [401, 401, 401, 429]
        spoofed = sign_in(http, "teller1", DEMO_PASSWORD, **{"X-Forwarded-For": "198.51.100.77"})
        assert spoofed.status_code == 429


def test_x_forwarded_for_is_believed_from_a_configured_proxy_only(tmp_path: Path):
    auth = TEST_AUTH.model_copy(update={"max_failed_sign_ins_per_ip": 2})
    settings = make_settings(tmp_path / "var", auth, trusted_proxies=["10.0.0.0/8"])
    app = create_app(settings)
    with TestClient(app, client=("10.1.2.3", 40000)) as via_proxy:
        # the proxy appends the peer it saw; whatever the client wrote before that is not believed
        chain = {"X-Forwarded-For": "192.0.2.1, 198.51.100.23"}
        assert sign_in(via_proxy, "guess-a", "Wrong-pass-00", **chain).status_code == 401
        assert failed_ips(via_proxy) == ["198.51.100.23"]
        # two clients behind the proxy have two counters: neither locks the other
        for client_ip in ("198.51.100.23", "198.51.100.24"):
            assert sign_in(via_proxy, "guess-b", "Wrong-pass-00", **{"X-Forwarded-For": client_ip}).status_code == 401
        assert sign_in(via_proxy, "teller1", DEMO_PASSWORD, **{"X-Forwarded-For": "198.51.100.24"}).status_code == 200
        assert sign_in(via_proxy, "teller1", DEMO_PASSWORD, **{"X-Forwarded-For": "198.51.100.23"}).status_code == 429
    with TestClient(app, client=("203.0.113.9", 40000)) as direct:
        assert sign_in(direct, "guess-c", "Wrong-pass-00", **{"X-Forwarded-For": "198.51.100.99"}).status_code == 401
        assert failed_ips(direct)[0] == "203.0.113.9"  # newest first


def test_a_branchs_shared_address_does_not_lock_its_staff_out(tmp_path: Path):
    """Staff behind one NAT address mistyping their passwords at the start of a shift (25 failures, more
    than the old per-address limit of 20) lock their own names, not the colleague who types it right."""
    settings = make_settings(tmp_path / "var", TEST_AUTH)  # the default limits
    with TestClient(create_app(settings), client=("192.0.2.50", 40000)) as branch:
        for i in range(5):
            for _ in range(5):
                assert sign_in(branch, f"clerk{i}", "Wrong-pass-00").status_code in (401, 429)
        assert sign_in(branch, "clerk0", "Wrong-pass-00").status_code == 429  # that name is locked
        assert sign_in(branch, "teller1", DEMO_PASSWORD).status_code == 200


@pytest.mark.redis
def test_users_unlock_clears_the_lock_every_replica_shares(tmp_path: Path, redis_prefix: str):
    from typer.testing import CliRunner

    from assistant.auth.access import open_access
    from assistant.auth.service import SignInRefused
    from assistant.cli import app as cli
    from assistant.store import Database

    env = {
        "LOBBY_VAR_DIR": str(tmp_path / "var"),
        "LOBBY_ENV": "test",
        "LOBBY_REDIS_URL": REDIS_URL,
        "LOBBY_AUTH__LIMIT_KEY_PREFIX": redis_prefix,
        "LOBBY_AUTH__ARGON2_TIME_COST": "1",
        "LOBBY_AUTH__ARGON2_MEMORY_KIB": "8192",
        "LOBBY_AUTH__ARGON2_PARALLELISM": "1",
    }
    added = CliRunner().invoke(
        cli, ["users", "add", "clerk9", "--role", "teller", "--password", "Clerk-pass-2026"], env=env
    )
    assert added.exit_code == 0, added.output
    settings = make_settings(tmp_path / "var", TEST_AUTH.model_copy(update={"limit_key_prefix": redis_prefix}))
    settings = settings.model_copy(update={"redis_url": REDIS_URL})
    db = Database(settings.effective_database_url)
    auth = open_access(settings, db).auth  # a running replica's authenticator
    for _ in range(settings.auth.max_failed_sign_ins):
        with pytest.raises(SignInRefused):
            auth.sign_in("clerk9", "Wrong-pass-00", "10.0.0.1")
    with pytest.raises(SignInRefused) as locked:
        auth.sign_in("clerk9", "Clerk-pass-2026", "10.0.0.2")
    assert locked.value.retry_after_s > 0
    unlocked = CliRunner().invoke(cli, ["users", "unlock", "clerk9"], env=env)
    assert unlocked.exit_code == 0, unlocked.output
    assert auth.sign_in("clerk9", "Clerk-pass-2026", "10.0.0.2").username == "clerk9"
    auth.close()
    db.dispose()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", []), ("10.0.0.0/8, 192.0.2.7", ["10.0.0.0/8", "192.0.2.7"]), ('["fd00::/8"]', ["fd00::/8"])],
)
def test_trusted_proxies_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: list):
    monkeypatch.setenv("LOBBY_TRUSTED_PROXIES", value)
    assert Settings(_env_file=None).trusted_proxies == expected  # type: ignore[call-arg]


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up(monkeypatch: pytest.MonkeyPatch):
    from assistant.config import ConfigError

    monkeypatch.setenv("LOBBY_TRUSTED_PROXIES", "proxy.example")
    with pytest.raises(ConfigError, match="LOBBY_TRUSTED_PROXIES"):
        Settings(_env_file=None)  # type: ignore[call-arg]

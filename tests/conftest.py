"""Shared fixtures: settings on a temporary var/ folder, and the app with its lifespan running."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.auth.options import AuthOptions
from assistant.config import Settings
from knowledge.config import KnowledgeOptions

REPO_ROOT = Path(__file__).resolve().parent.parent
PREPARED_MODELS = REPO_ROOT / "var" / "models"
# Cheap password hashing: the argon2 cost is a production setting, and demo seeding hashes at every start.
TEST_AUTH = AuthOptions(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)


def auth_headers(client: TestClient, role: str = "kiosk") -> dict[str, str]:
    """An Authorization header for the demo kiosk (`kiosk`) or the demo staff member holding `role`
    (a token minted directly; tests of sign-in itself go through the API)."""
    state = client.app.state  # type: ignore[attr-defined]
    if role == "kiosk":
        return {"Authorization": f"Bearer {state.demo_kiosk_token}"}
    account = state.users.list(role)[0]
    return {"Authorization": f"Bearer {state.auth.issue_access_token(account).token}"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults on a fresh var/ folder; the prepared models are shared (read-only use)."""
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    # No knowledge build at start-up (tests that need the knowledge base use `app_client`).
    knowledge = KnowledgeOptions(auto_ingest=False)
    var_dir = tmp_path / "var"
    return Settings(
        env="test", var_dir=var_dir, models_dir=models_dir, knowledge=knowledge, auth=TEST_AUTH, _env_file=None
    )  # type: ignore[call-arg]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app over ASGI with its lifespan (migrations, readiness checks) running."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def kiosk_headers(client: TestClient) -> dict[str, str]:
    """The demo kiosk's device token, for `client`."""
    return auth_headers(client, "kiosk")


@pytest.fixture
def staff_token(client: TestClient) -> Callable[[str], str]:
    """`staff_token("teller")` -> a bearer access token of the demo user with that role, for `client`."""
    return lambda role: auth_headers(client, role)["Authorization"].removeprefix("Bearer ")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away database on the PostgreSQL server (LOBBY_TEST_POSTGRES_URL, default the local one)."""
    import uuid

    from sqlalchemy import create_engine, text

    admin_url = os.environ.get("LOBBY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"lobby_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {admin_url} is not reachable: {exc}")
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def built_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped demo-bank knowledge, ingested once per test run (a var/ folder holding only kb/)."""
    from knowledge.base import KnowledgeBase
    from knowledge.config import KnowledgeOptions

    var_dir = tmp_path_factory.mktemp("kb-var")
    KnowledgeBase(var_dir, KnowledgeOptions()).ingest()
    return var_dir / "kb"


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> Iterator[TestClient]:
    """The whole app (conversation included) with the shipped knowledge already built; one per test
    module, since starting it loads models (sessions are independent, so tests do not interfere)."""
    import shutil

    var_dir = tmp_path_factory.mktemp("app-var")
    shutil.copytree(built_knowledge, var_dir / "kb")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    app_settings = Settings(env="test", var_dir=var_dir, models_dir=models_dir, auth=TEST_AUTH, _env_file=None)  # type: ignore[call-arg]
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client

"""Shared fixtures: settings on a temporary var/ folder, and the app with its lifespan running."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
PREPARED_MODELS = REPO_ROOT / "var" / "models"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults on a fresh var/ folder; the prepared models are shared (read-only use)."""
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    return Settings(env="test", var_dir=tmp_path / "var", models_dir=models_dir, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app over ASGI with its lifespan (migrations, readiness checks) running."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


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

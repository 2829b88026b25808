"""A device the manager takes out of service stays out after a restart and on every replica: holds live in
the store (SQLite here, PostgreSQL where it runs), not in one process's memory. Proven with the whole app
stopped and started again on the same database, and with a second replica's holds loaded from the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.manager.holds import DeviceHolds
from assistant.store.db import Database
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH
from tests.integration.manager_helpers import staff

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'lobby.db'}")
    database.upgrade()
    yield database
    database.dispose()


def test_holds_written_by_one_replica_are_loaded_by_another_and_released_for_all(db: Database) -> None:
    first, second = DeviceHolds(db), DeviceHolds(db)
    message = {"device": "PRN-BJ001-1", "branch": "BJ001", "by": "manager1", "reason": "卡纸 jammed", "at": None}
    first.store(message)
    assert "PRN-BJ001-1" in first and "PRN-BJ001-1" not in second  # not told yet (the bus would tell it)
    loaded = second.load()
    assert loaded["PRN-BJ001-1"].by == "manager1" and loaded["PRN-BJ001-1"].reason == "卡纸 jammed"
    assert loaded["PRN-BJ001-1"].at.tzinfo is not None
    second.store({**message, "in_service": True})
    assert first.load() == {} and "PRN-BJ001-1" not in first


def test_a_device_out_of_service_stays_out_after_a_restart(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        var_dir=tmp_path / "var",
        models_dir=Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        _env_file=None,
    )
    with TestClient(create_app(settings)) as app:
        taken = app.post(
            "/api/v1/manager/devices/DSP-BJ001-1/service",
            json={"in_service": False, "reason": "维修 repair"},
            headers=staff(app, "manager1"),
        )
        assert taken.status_code == 200, taken.text

    with TestClient(create_app(settings)) as app:  # a new process on the same database
        overview = app.get("/api/v1/manager/overview", headers=staff(app, "manager1")).json()
        row = {d["device"]: d for d in overview["devices"]}["DSP-BJ001-1"]
        assert row["state"] == "out-of-service" and row["held"]["by"] == "manager1"
        assert row["held"]["reason"] == "维修 repair"
        bank = app.app.state.bank  # type: ignore[attr-defined]
        assert app.portal is not None
        listed = app.portal.call(bank.devices.devices, "BJ001")  # what the journeys read
        assert {d.id: d.status for d in listed}["DSP-BJ001-1"] == "offline"
        back = app.post(
            "/api/v1/manager/devices/DSP-BJ001-1/service", json={"in_service": True}, headers=staff(app, "manager1")
        )
        assert back.status_code == 200

    with TestClient(create_app(settings)) as app:
        overview = app.get("/api/v1/manager/overview", headers=staff(app, "manager1")).json()
        assert {d["device"]: d for d in overview["devices"]}["DSP-BJ001-1"]["held"] is None

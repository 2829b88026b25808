"""Shared by the manager console's integration tests: one app per module with the demo staff (manager1
included) and two more colleagues, and the kiosk, staff and sandbox steps those tests take."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS

ZHANG_WEI_ID = "110105198103150319"


def manager_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    var_dir = tmp_path_factory.mktemp("manager-var")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS))
    knowledge = KnowledgeOptions(auto_ingest=False)
    settings = Settings(  # type: ignore[call-arg]
        env="test", var_dir=var_dir, models_dir=models_dir, knowledge=knowledge, _env_file=None
    )
    with TestClient(create_app(settings)) as client:
        users = client.app.state.users  # type: ignore[attr-defined]
        users.add("exp_b", "expert", "not-a-hash", "专家 乙", "BJ001", ["general"])
        users.add("mgr_sh", "manager", "not-a-hash", "上海经理", "SH001", [])
        yield client


def staff(app: TestClient, username: str) -> dict[str, str]:
    account = app.app.state.users.get(username)  # type: ignore[attr-defined]
    token = app.app.state.auth.tokens.issue(account.username, account.role, 600)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


def kiosk(app: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.app.state.demo_kiosk_token}"}  # type: ignore[attr-defined]


def new_session(app: TestClient) -> str:
    response = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=kiosk(app))
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def say(app: TestClient, session_id: str, text: str) -> dict[str, Any]:
    response = app.post(f"/api/v1/sessions/{session_id}/turns", json={"text": text}, headers=kiosk(app))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def identify(app: TestClient, session_id: str) -> None:
    event = {"type": "id_card_read", "data": {"id_number": ZHANG_WEI_ID}}
    response = app.post(f"/api/v1/sessions/{session_id}/events", json=event, headers=kiosk(app))
    assert response.status_code == 200, response.text


def handoff_for(app: TestClient) -> tuple[str, str]:
    """A visit where the customer asks for a person -> (session, handoff)."""
    sid = new_session(app)
    turn = say(app, sid, "我要找人工客服")
    assert turn["handoff"], turn
    return sid, str(turn["handoff"]["id"])


def kiosk_ticket(app: TestClient) -> tuple[str, str]:
    """A customer identifies and checks in without a booking: the kiosk issues a ticket -> (session, number)."""
    sid = new_session(app)
    identify(app, sid)
    turn = say(app, sid, "我要预约签到")
    number = re.search(r"取号([A-Z]\d{3})", turn["reply"]["text"])
    assert number, turn["reply"]["text"]
    return sid, number.group(1)


def set_sandbox_device(app: TestClient, device: str, status: str) -> None:
    """Change a device's state in the sandbox bank's own database (what its HTTP device routes report)."""
    settings = app.app.state.settings  # type: ignore[attr-defined]
    with sqlite3.connect(settings.var_dir / settings.bank.sandbox_db) as db:
        assert db.execute("UPDATE sb_devices SET status = ? WHERE id = ?", (status, device)).rowcount == 1


def overview(app: TestClient, who: str = "manager1", branch: str | None = None) -> dict[str, Any]:
    query = f"?branch={branch}" if branch else ""
    response = app.get(f"/api/v1/manager/overview{query}", headers=staff(app, who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def audit_actions(app: TestClient, action: str) -> list[Any]:
    return list(app.app.state.audit.list(action=action))  # type: ignore[attr-defined]

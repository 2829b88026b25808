"""The sandbox bank's queue over HTTP (in-process TestClient): taking a ticket, a counter calling it
(idempotent, once only, waiting count down by one), and an older database gaining the new columns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from integrations.sandbox import tables
from integrations.sandbox.app import create_sandbox_app
from integrations.sandbox.state import SandboxState

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_sandbox_app(tmp_path / "sandbox.db")) as client:
        assert client.post("/sandbox/v1/reset").status_code == 200
        yield client


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"test-{uuid.uuid4().hex}"}


def waiting(client: TestClient, category: str, branch: str = "BJ001") -> int:
    queue = client.get("/v1/queue", params={"branch_id": branch}).json()
    return next(c["waiting"] for c in queue["categories"] if c["category"] == category)


def take(client: TestClient, business_type: str = "deposit", branch: str = "BJ001") -> dict[str, object]:
    response = client.post(
        "/v1/queue/tickets", json={"branch_id": branch, "business_type": business_type}, headers=key()
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, object] = response.json()
    assert ticket["status"] == "waiting" and ticket["called_at"] is None
    return ticket


def test_calling_a_ticket_marks_it_and_takes_it_off_the_waiting_count(sandbox: TestClient):
    ticket = take(sandbox)
    before = waiting(sandbox, "personal")
    headers = key()
    body = {"branch_id": "BJ001", "counter": "3"}
    response = sandbox.post(f"/v1/queue/tickets/{ticket['number']}/call", json=body, headers=headers)
    assert response.status_code == 200, response.text
    called = response.json()
    assert called["id"] == ticket["id"] and called["number"] == ticket["number"]
    assert called["status"] == "called" and called["counter"] == "3" and called["called_at"]
    assert waiting(sandbox, "personal") == before - 1

    replay = sandbox.post(f"/v1/queue/tickets/{ticket['number']}/call", json=body, headers=headers)
    assert replay.status_code == 200 and replay.json() == called
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert waiting(sandbox, "personal") == before - 1  # the replay did nothing again

    again = sandbox.post(
        f"/v1/queue/tickets/{ticket['number']}/call", json={"branch_id": "BJ001", "counter": "5"}, headers=key()
    )
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "ticket_already_called" and again.json()["detail"]["counter"] == "3"
    assert waiting(sandbox, "personal") == before - 1


def test_unknown_ticket_or_branch_is_404_and_changes_nothing(sandbox: TestClient):
    ticket = take(sandbox)
    before = waiting(sandbox, "personal")
    for number, branch in (("A999", "BJ001"), (ticket["number"], "SH001")):
        response = sandbox.post(
            f"/v1/queue/tickets/{number}/call", json={"branch_id": branch, "counter": "1"}, headers=key()
        )
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "not_found" and response.json()["detail"]["kind"] == "ticket"
    assert waiting(sandbox, "personal") == before
    unkeyed = sandbox.post(f"/v1/queue/tickets/{ticket['number']}/call", json={"branch_id": "BJ001", "counter": "1"})
    assert unkeyed.status_code == 400 and unkeyed.json()["code"] == "idempotency_key_required"
    assert waiting(sandbox, "personal") == before


def test_waiting_count_never_goes_below_zero(sandbox: TestClient):
    tickets = [take(sandbox, "corporate_account", branch="SH001") for _ in range(2)]
    state: SandboxState = sandbox.app.state.sandbox  # type: ignore[attr-defined]
    with state.session() as s:
        s.get(tables.QueueState, ("SH001", "corporate")).waiting = 1  # type: ignore[union-attr]
    for ticket in tickets:
        response = sandbox.post(
            f"/v1/queue/tickets/{ticket['number']}/call", json={"branch_id": "SH001", "counter": "2"}, headers=key()
        )
        assert response.status_code == 200, response.text
    assert waiting(sandbox, "corporate", branch="SH001") == 0


def test_an_older_sandbox_database_gains_the_call_columns(tmp_path: Path):
    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # sb_tickets as the sandbox created it before tickets could be called
        conn.exec_driver_sql(
            "CREATE TABLE sb_tickets (id VARCHAR(40) PRIMARY KEY, number VARCHAR(8), branch_id VARCHAR(8),"
            " category VARCHAR(16), business_type VARCHAR(64), customer_id VARCHAR(16), waiting_ahead INTEGER,"
            " estimated_wait_min INTEGER, created_at DATETIME)"
        )
    engine.dispose()
    state = SandboxState(db)
    try:
        columns = {c["name"] for c in inspect(state.engine).get_columns("sb_tickets")}
        assert {"called_at", "counter"} <= columns
        state.reset()
        with TestClient(create_sandbox_app(db)) as client:
            ticket = take(client)
            response = client.post(
                f"/v1/queue/tickets/{ticket['number']}/call", json={"branch_id": "BJ001", "counter": "1"}, headers=key()
            )
            assert response.status_code == 200 and response.json()["status"] == "called"
    finally:
        state.dispose()

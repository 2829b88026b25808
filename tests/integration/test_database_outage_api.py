"""The database away (a PostgreSQL restart, a failover): clients get 503 with Retry-After, not a bare 500.
The outage is forced behind the store's own interface: its calls raise what SQLAlchemy raises when the
server refuses the connection."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from tests.conftest import auth_headers
from tests.integration.test_conversation_api import start

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def _signed_in_as_the_demo_kiosk(app_client):
    app_client.headers.update(auth_headers(app_client, "kiosk"))


def refused(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def test_a_turn_during_a_database_outage_is_a_503_to_retry(app_client, monkeypatch):
    sid = start(app_client)
    sessions = app_client.app.state.sessions
    monkeypatch.setattr(sessions, "get", refused)
    response = app_client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"})
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    monkeypatch.undo()
    assert app_client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"}).status_code == 200


def test_a_new_visit_during_a_database_outage_is_a_503(app_client, monkeypatch):
    monkeypatch.setattr(app_client.app.state.sessions, "create", refused)
    response = app_client.post("/api/v1/sessions", json={"channel": "kiosk"})
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_a_database_error_that_is_a_bug_is_not_dressed_up_as_an_outage(app_client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ProgrammingError("SELECT nope", {}, Exception("no such column"))

    monkeypatch.setattr(app_client.app.state.sessions, "create", broken)
    with pytest.raises(ProgrammingError):  # the server's own error (500), surfaced by the test client
        app_client.post("/api/v1/sessions", json={"channel": "kiosk"})

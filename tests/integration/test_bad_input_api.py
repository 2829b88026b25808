"""Malformed input to the session API gets a 4xx with a readable reason, never a 500: a lone surrogate,
a number that parses as infinity, event data nested hundreds of levels deep."""

from __future__ import annotations

import pytest

from tests.conftest import auth_headers
from tests.integration.test_conversation_api import start

pytestmark = [pytest.mark.integration, pytest.mark.slow]
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module", autouse=True)
def _signed_in_as_the_demo_kiosk(app_client):
    app_client.headers.update(auth_headers(app_client, "kiosk"))


@pytest.mark.parametrize(
    ("body", "field"),
    [('{"text": "\\ud800abc"}', "text"), ('{"text": "hi", "asr_confidence": 1e400}', "asr_confidence")],
)
def test_a_turn_that_json_can_parse_but_python_cannot_keep_is_a_422(app_client, body, field):
    sid = start(app_client)
    response = app_client.post(f"/api/v1/sessions/{sid}/turns", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][-1] == field


@pytest.mark.parametrize(
    "data",
    ['{"a":' * 600 + "1" + "}" * 600, '{"event": "face", "note": "\\udc00"}'],
    ids=["600 levels", "lone surrogate"],
)
def test_event_data_too_deep_or_not_text_is_a_422(app_client, data):
    sid = start(app_client)
    body = '{"type": "device", "data": ' + data + "}"
    response = app_client.post(f"/api/v1/sessions/{sid}/events", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert "data" in response.json()["detail"][0]["loc"]
    again = app_client.post(f"/api/v1/sessions/{sid}/turns", json={"text": "你好"})
    assert again.status_code == 200  # the session is unharmed

"""Log lines carry no device token from a URL, and request ids and session ids stay whole for correlation."""

from __future__ import annotations

import json
import logging

import pytest

from assistant import logging as lobby_logging
from assistant.logging import configure_logging, get_logger

pytestmark = pytest.mark.unit

REDACTED = "[redacted]"
TOKEN = "kT3x9vQ2-Lm8pR4sW7yZ1aB6cD0eF5gH"
REQUEST_ID = "a8be492f3dcd439b93a770b12c1a790f"  # a uuid4().hex the masker used to star ("b93" + 7 digits)
SESSION_ID = "8e6f7172-8651-47ab-9dcd-58db87bf5240"


def lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.strip().splitlines()]


def test_uvicorn_socket_and_access_lines_lose_the_token(capsys):
    configure_logging("INFO", json_output=True)
    path = f"/api/v1/kiosk/ws?token={TOKEN}&lang=zh"
    # exactly what uvicorn logs when the kiosk opens its socket, and an access line
    logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', "10.0.0.7:51234", path)
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "10.0.0.7:51234", "GET", path, "1.1", 101)
    err = capsys.readouterr().err
    assert TOKEN not in err
    socket_line, access_line = lines(err)
    assert socket_line["event"] == f'10.0.0.7:51234 - "WebSocket /api/v1/kiosk/ws?token={REDACTED}&lang=zh" [accepted]'
    assert f"token={REDACTED}&lang=zh HTTP/1.1" in access_line["event"]


def test_structured_lines_keep_ids_whole_and_lose_tokens(capsys):
    configure_logging("INFO", json_output=True)
    get_logger("lobby.http").info(
        "request",
        request_id=REQUEST_ID,
        session_id=SESSION_ID,
        url=f"http://kiosk/kiosk?access_token={TOKEN}",
        note="call 13911260451",
    )
    (line,) = lines(capsys.readouterr().err)
    assert line["request_id"] == REQUEST_ID and line["session_id"] == SESSION_ID
    assert line["url"] == f"http://kiosk/kiosk?access_token={REDACTED}"
    assert line["note"] == "call 139****0451"


def test_redaction_leaves_other_parameters_alone():
    redact_secrets = lobby_logging.redact_secrets
    assert redact_secrets("/a?q=1&device_token=abc&page=2") == f"/a?q=1&device_token={REDACTED}&page=2"
    assert redact_secrets({"u": ["/b?password=p4ss"]}) == {"u": [f"/b?password={REDACTED}"]}
    assert redact_secrets("/c?tokens_left=3") == "/c?tokens_left=3"
    assert redact_secrets("/d?q=token=x") == "/d?q=token=x"

"""Helpers for the staff console browser tests: the demo kiosk's token, the session API over HTTP, signing in."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
from typing import Any

from tests.e2e.conftest import LiveServer

DEMO_PASSWORD = "demo-pass-2026"


def kiosk_token(server: LiveServer) -> str:
    """The demo kiosk's device token, as the /kiosk page is served with it (outside production)."""
    with urllib.request.urlopen(f"{server.url}/kiosk", timeout=10) as response:  # noqa: S310 (loopback)
        page = response.read().decode()
    found = re.search(r'<meta name="lobby-device-token" content="([^"]+)"', page)
    assert found, "the /kiosk page carries no device token"
    return found.group(1)


def call(server: LiveServer, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{server.url}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        return json.loads(response.read().decode())


def new_session(server: LiveServer, token: str) -> str:
    return str(
        call(server, "POST", "/api/v1/sessions", token, {"channel": "kiosk", "branch_id": "BJ001"})["session_id"]
    )


def say(server: LiveServer, token: str, session_id: str, text: str) -> dict[str, Any]:
    reply: dict[str, Any] = call(server, "POST", f"/api/v1/sessions/{session_id}/turns", token, {"text": text})
    return reply


def device_event(server: LiveServer, token: str, session_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = call(
        server, "POST", f"/api/v1/sessions/{session_id}/events", token, {"type": kind, "data": data}
    )
    return reply


def top_up(server: LiveServer, account_id: str, yuan: int) -> None:
    """Give a sandbox account enough money for a large transfer (the sandbox bank's own SQLite file)."""
    with sqlite3.connect(server.var_dir / "sandbox.db") as db:
        db.execute("UPDATE sb_accounts SET balance_fen = ? WHERE id = ?", (yuan * 100, account_id))


def sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#sign-in-submit")
    page.wait_for_selector("#workspace:not([hidden])", timeout=20000)
    page.wait_for_selector("#staff-sign-in", state="hidden", timeout=5000)

"""What the phone tests share: signing in through the SMS outbox, and the kiosk side of a visit.

The outbox is read over the app's demo route (outside production it relays the sandbox bank's outbox), so
the code a test types is the one the bank really texted.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient

from tests.conftest import auth_headers

# The seeded cast (integrations/sandbox/cast.yaml)
ZHANG_WEI = {"phone": "13911260451", "customer_id": "C1001", "account": "A1001", "pin": "270519"}
LI_XIUYING = {"phone": "13701085522", "customer_id": "C1002", "account": "A1002", "pin": "583614"}
CHEN_JING = {"phone": "15021089876", "customer_id": "C1004", "account": "A1004", "pin": "461728"}
NOT_A_CUSTOMER = "13800000000"
CODE = re.compile(r"验证码为(\d{6})")


def sms_code(client: TestClient, phone: str) -> str:
    """The newest sign-in code the bank texted to `phone`."""
    messages = client.get("/api/v1/mobile/demo/sms", params={"phone": phone}).json()
    assert messages, f"no SMS to {phone}"
    found = CODE.search(messages[0]["text"])
    assert found, messages[0]
    return found.group(1)


def let_time_pass(client: TestClient, phone: str, seconds: int) -> None:
    """The sandbox bank's clock jump for the codes and the rate limit of one phone."""
    sandbox = client.app.state.bank.sandbox_app  # type: ignore[attr-defined]
    with TestClient(sandbox) as bank:
        assert bank.post("/sandbox/v1/otp/advance", params={"phone": phone, "seconds": seconds}).status_code == 200


def sign_in(client: TestClient, phone: str) -> dict[str, str]:
    """Request a code, read it from the outbox, sign in -> the phone's Authorization header."""
    sent = client.post("/api/v1/mobile/code", json={"phone": phone})
    if sent.status_code == 429:  # an earlier test of this module texted this phone a moment ago
        let_time_pass(client, phone, 3700)
        sent = client.post("/api/v1/mobile/code", json={"phone": phone})
    assert sent.status_code == 202, sent.text
    signed = client.post("/api/v1/mobile/sign-in", json={"phone": phone, "code": sms_code(client, phone)})
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


@cache
def camera_still() -> str:
    """A JPEG still as the kiosk page sends for the face match (the sandbox checks format and size only)."""
    frame = np.full((120, 120, 3), 180, dtype=np.uint8)
    cv2.circle(frame, (60, 60), 40, (90, 120, 200), -1)
    ok, jpeg = cv2.imencode(".jpg", frame)
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode("ascii")


class Kiosk:
    """One kiosk visit over the session API, as the kiosk page drives it."""

    def __init__(self, client: TestClient, branch_id: str = "BJ001") -> None:
        self.client = client
        self.headers = auth_headers(client, "kiosk")
        created = client.post(
            "/api/v1/sessions", json={"channel": "kiosk", "branch_id": branch_id}, headers=self.headers
        )
        assert created.status_code in (200, 201), created.text
        self.session_id = created.json()["session_id"]

    def event(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        out = self.client.post(
            f"/api/v1/sessions/{self.session_id}/events", json={"type": kind, "data": data}, headers=self.headers
        )
        assert out.status_code == 200, out.text
        turn: dict[str, Any] = out.json()
        return turn

    def say(self, text: str) -> dict[str, Any]:
        out = self.client.post(f"/api/v1/sessions/{self.session_id}/turns", json={"text": text}, headers=self.headers)
        assert out.status_code == 200, out.text
        turn: dict[str, Any] = out.json()
        return turn

    def scan(self, token: str) -> dict[str, Any]:
        return self.event("qr_scanned", {"qr_token": token})

    def verify(self, turn: dict[str, Any], pin: str) -> dict[str, Any]:
        """Answer the face capture and the PIN pad while the journey shows them (a flow without them: as is)."""
        for _ in range(4):
            cards = {c["type"] for c in turn["reply"]["cards"]}
            if "face_capture" in cards:
                turn = self.event("face_captured", {"image": camera_still()})
            elif "pin_pad" in cards:
                turn = self.event("pin_entered", {"pin": pin})
            else:
                break
        return turn


def cards(turn: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in turn["reply"]["cards"]}

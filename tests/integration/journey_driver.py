"""Drive a journey through the real sandbox bank the way the conversation would.

Every turn round-trips the state through JSON text, so the tests also prove a journey resumes from
its serialised state (as it would after a restart or on another process).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import cache
from typing import Any

import cv2

from assistant.journeys import AdvanceResult, JourneyEngine

CARD_READ = "id_card_read"


@cache
def camera_still() -> str:
    """A kiosk camera still with a real face in it (base64 JPEG), as the page sends for a face match."""
    from tests.integration.vision_images import kiosk_frame, portrait_bgr

    ok, jpeg = cv2.imencode(".jpg", kiosk_frame(portrait_bgr()), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode("ascii")


def answer_verification(
    post_event: Callable[[str, dict[str, Any]], dict[str, Any]], turn: dict[str, Any], pin: str
) -> dict[str, Any]:
    """Over the session API, as the kiosk page does: while a turn shows the face-capture card send a camera
    still, while it shows the PIN pad send `pin` (`post_event(type, data)` -> the next turn)."""
    for _ in range(4):
        cards = {c["type"] for c in turn["reply"]["cards"]}
        if "face_capture" in cards:
            turn = post_event("face_captured", {"image": camera_still()})
        elif "pin_pad" in cards:
            turn = post_event("pin_entered", {"pin": pin})
        else:
            break
    return turn


class Driver:
    def __init__(self, engine: JourneyEngine, session_id: str = "sess-test") -> None:
        self.engine = engine
        self.session_id = session_id
        self.state: str = ""
        self.results: list[AdvanceResult] = []

    @property
    def last(self) -> AdvanceResult:
        return self.results[-1]

    async def start(
        self, journey: str, slots: dict[str, Any] | None = None, text: str | None = None, **context: Any
    ) -> AdvanceResult:
        ctx = {"session_id": self.session_id, **context}
        result = await self.engine.start(journey, ctx, slots=slots, text=text)
        return self._keep(result)

    async def send(self, text: str | None = None, **kw: Any) -> AdvanceResult:
        state = json.loads(self.state)
        result = await self.engine.advance(state, {"text": text, **kw} if text is not None else kw)
        return self._keep(result)

    async def card(self, id_number: str, document: str = "id_card") -> AdvanceResult:
        return await self.send(
            action="event", event={"type": CARD_READ, "data": {"id_number": id_number, "document": document}}
        )

    async def qr(self, token: str) -> AdvanceResult:
        return await self.send(action="event", event={"type": "qr_scanned", "data": {"qr_token": token}})

    async def pin(self, pin: str) -> AdvanceResult:
        return await self.send(action="event", event={"type": "pin_entered", "data": {"pin": pin}})

    async def face(self, image: str | None = None) -> AdvanceResult:
        return await self.send(
            action="event", event={"type": "face_captured", "data": {"image": image or camera_still()}}
        )

    async def verify(self, pin: str) -> AdvanceResult:
        """Answer the verify step the way the kiosk does: a camera still when a face is asked for, `pin` on
        the PIN pad when the PIN is (each at most twice, so a wrong answer cannot loop)."""
        for _ in range(4):
            if self.awaiting.get("kind") != "verify":
                break
            await (self.face() if self.awaiting.get("method") == "face" else self.pin(pin))
        return self.last

    def _keep(self, result: AdvanceResult) -> AdvanceResult:
        self.state = json.dumps(result.state, ensure_ascii=False)
        self.results.append(result)
        return result

    @property
    def status(self) -> str:
        return self.last.journey.status

    @property
    def awaiting(self) -> dict[str, Any]:
        return self.last.awaiting or {}

    def calls(self, operation: str) -> list[Any]:
        return [c for r in self.results for c in r.calls if c.operation == operation]

    def said(self) -> str:
        return " / ".join(r.text("zh") for r in self.results)

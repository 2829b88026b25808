"""Camera frames of one kiosk -> `KioskVisionFeed` -> events for the page and for the conversation.

Frames arrive as base64 JPEG in `frame` messages, are decoded and analysed in a worker thread (one at
a time per kiosk: a frame arriving while one is in analysis is dropped) and never stored. Tracker
events are renamed to the protocol's short names (arrived, left, extra_face, phone_at_ear,
person_changed, gaze) and carry a short customer-facing text where the page should show one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from assistant.kiosk.protocol import ProtocolError
from avatar.vision.types import VisionContext, VisionEvent

log = logging.getLogger(__name__)

SHORT_NAMES = {
    "customer_arrived": "arrived",
    "customer_left": "left",
    "extra_face_close_behind": "extra_face",
    "phone_at_ear": "phone_at_ear",
    "person_changed": "person_changed",
    "gaze": "gaze",
}
NOTICES = {
    "extra_face": {
        "zh": "为保护您的隐私，请留意身后是否有人，输入密码或金额时请遮挡屏幕。",
        "en": "For your privacy, please check that no one behind you can see the screen.",
    },
    "phone_at_ear": {
        "zh": "您正在通话吗？如果有人在电话里指导您转账，请立即停止，这很可能是诈骗。",
        "en": "Are you on the phone? If someone is telling you to make this transfer, please stop: it may be a scam.",
    },
    "person_changed": {
        "zh": "检测到操作人员变化，请重新验证身份后继续办理。",
        "en": "It looks like someone else is now at the kiosk. Please verify your identity again to continue.",
    },
}
SENSITIVE_CARDS = {"confirmation", "form", "authorization"}
TRANSFER_JOURNEYS = {"transfer"}
ENDED_STATUSES = {"completed", "cancelled", "failed", "handed_off", "abandoned"}


@dataclass
class ScreenState:
    """What the kiosk shows, as far as vision cares (from the last reply, or the page's own flag)."""

    cards: set[str] = field(default_factory=set)
    journey: str | None = None
    journey_status: str | None = None
    page_sensitive: bool | None = None

    def context(self) -> VisionContext:
        sensitive = self.page_sensitive if self.page_sensitive is not None else bool(self.cards & SENSITIVE_CARDS)
        transfer = self.journey in TRANSFER_JOURNEYS and self.journey_status not in ENDED_STATUSES
        return VisionContext(sensitive_screen=sensitive, transfer_in_progress=transfer)

    def update(self, turn: dict[str, Any]) -> None:
        reply = turn.get("reply") or {}
        self.cards = {str(c.get("type")) for c in reply.get("cards") or [] if isinstance(c, dict)}
        journey = turn.get("journey") or {}
        self.journey, self.journey_status = journey.get("name"), journey.get("status")


def decode_jpeg(data: str, max_bytes: int) -> bytes:
    """The frame's bytes from base64 (a `data:` URL prefix is accepted); never logged or kept."""
    if data.startswith("data:"):
        data = data.partition(",")[2]
    if len(data) > max_bytes * 4 // 3 + 4:
        raise ProtocolError("bad_frame", f"frame larger than {max_bytes} bytes")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("bad_frame", "frame.jpeg is not valid base64") from None


def page_message(event: VisionEvent, language: str) -> dict[str, Any]:
    """The `vision` message for the page: short event name, its data, a notice text where one applies."""
    name = SHORT_NAMES.get(event.type, event.type)
    message: dict[str, Any] = {"type": "vision", "event": name, **event.data}
    notice = NOTICES.get(name)
    if notice is not None:
        message["text"] = notice.get(language, notice["zh"])
    return message


class VisionLink:
    """One kiosk's camera: frames in, events out. Analysis never blocks the receive loop."""

    def __init__(self, feed: Any, max_frame_bytes: int) -> None:
        self.feed = feed  # avatar.vision.KioskVisionFeed
        self.max_frame_bytes = max_frame_bytes
        self.screen = ScreenState()
        self.dropped = 0
        self._task: asyncio.Task[list[VisionEvent]] | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def submit(self, jpeg: bytes) -> asyncio.Task[list[VisionEvent]] | None:
        """Start analysing a frame, or drop it (None) while the previous one is still in analysis."""
        if self.busy:
            self.dropped += 1
            return None
        self._task = asyncio.create_task(self.feed.submit(jpeg, time.monotonic(), self.screen.context()))
        return self._task

    def tick(self) -> list[VisionEvent]:
        """Frames stopped (camera off, page gone): still end the visit after the timeout."""
        if self.busy:
            return []
        events: list[VisionEvent] = self.feed.tick(time.monotonic())
        return events

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception) as exc:
                log.debug("vision task ended: %r", exc)

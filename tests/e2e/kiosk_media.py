"""Helpers of the kiosk browser tests: fake media files built at test time, a scripted stand-in for the
kiosk WebSocket (Playwright's `route_web_socket`) for the page's own behaviour, and console capture.

Media: the camera is a y4m video of the Grace Hopper portrait (the one `tests/integration/vision_images.py`
uses) after a stretch of empty background, so a face *appears*; the microphone is a wav composed from
`tests/integration/test_asr_clips/*.wav` with silences, so a second utterance arrives while the reply plays.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from avatar.browser import speech_message
from tests.conftest import REPO_ROOT

ASR_CLIPS = REPO_ROOT / "tests" / "integration" / "test_asr_clips"


def portrait_video(path: Path, empty_s: float = 2.0, face_s: float = 30.0, fps: int = 10) -> Path:
    """A y4m camera feed: `empty_s` of empty background, then the portrait in the middle of the frame."""
    from tests.integration.vision_images import kiosk_frame, portrait_bgr

    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is needed to build the fake camera video")
    face = kiosk_frame(portrait_bgr())
    empty = np.full_like(face, 90)
    frames = [empty] * int(empty_s * fps) + [face] * int(face_s * fps)
    raw = b"".join(np.ascontiguousarray(f).tobytes() for f in frames)
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", "640x480"]
    cmd += ["-r", str(fps), "-i", "-", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, input=raw, check=True, timeout=120)
    return path


def utterances_wav(path: Path, parts: list[str | float], rate: int = 16000) -> Path:
    """A mono wav of clips (file names in the ASR clip folder) and silences (seconds), in order."""
    pieces = []
    for part in parts:
        if isinstance(part, str):
            audio, clip_rate = sf.read(ASR_CLIPS / part, dtype="float32")
            if clip_rate != rate:
                raise ValueError(f"{part}: {clip_rate} Hz, expected {rate}")
            pieces.append(audio if audio.ndim == 1 else audio.mean(axis=1))
        else:
            pieces.append(np.zeros(int(part * rate), dtype=np.float32))
    sf.write(path, np.concatenate(pieces), rate, subtype="PCM_16")
    return path


def speech_chunk(reply_id: str, seq: int, text: str, duration_s: float = 1.2) -> dict[str, Any]:
    """A `speech` message like the server's: a voiced wav (24 kHz) with a viseme every 120 ms."""
    rate = 24000
    t = np.arange(int(duration_s * rate)) / rate
    syllables = 0.5 * (1 - np.cos(2 * np.pi * t / 0.24))
    audio = (0.3 * np.sin(2 * np.pi * 220 * t) * syllables).astype(np.float32)
    names = ["A", "O", "E", "M", "I", "U", "S", "L"]
    visemes = [
        {"t": int(ms), "v": names[i % len(names)], "w": 0.9}
        for i, ms in enumerate(range(0, int(duration_s * 1000) - 100, 120))
    ]
    visemes.append({"t": int(duration_s * 1000) - 60, "v": "rest", "w": 1.0})
    return speech_message(reply_id, seq, audio, rate, int(duration_s * 1000), visemes, text)


def turn(
    text: str, cards: list[dict[str, Any]] | None = None, journey: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A TurnOut as JSON (assistant/conversation/schemas.py)."""
    reply = {
        "text": text,
        "language": extra.pop("language", "zh"),
        "citations": extra.pop("citations", []),
        "cards": cards or [],
    }
    reply["suggestions"] = extra.pop("suggestions", [])
    return {
        "reply": reply,
        "journey": journey,
        "intent": None,
        "slots": {},
        "risk": extra.pop("risk", []),
        "handoff": None,
        "latency_ms": {},
    }


@dataclass
class FakeKiosk:
    """A scripted kiosk server behind `page.route_web_socket`: answers `hello` and `ping`, records every
    message (JSON as dicts, binary frames counted), and lets a test push server messages or drop the socket.
    `on_text` answers typed/touched text (return the messages to send back)."""

    on_text: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    binary_frames: int = 0
    binary_sizes: set[int] = field(default_factory=set)
    sockets: list[Any] = field(default_factory=list)
    sessions: int = 0
    ended: list[str] = field(default_factory=list)
    page: Any = None

    def attach(self, page: Any) -> None:
        self.page = page
        page.route_web_socket("**/api/v1/kiosk/ws*", self._handle)
        page.route("**/api/v1/sessions/*/end", self._end)

    def _end(self, route: Any) -> None:
        """`POST /api/v1/sessions/{id}/end` (the page's end of a visit): recorded, answered like the server."""
        session_id = route.request.url.rsplit("/", 2)[-2]
        self.ended.append(session_id)
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"session_id": session_id}))

    def _handle(self, ws: Any) -> None:
        self.sockets.append(ws)
        ws.on_message(lambda message: self._message(ws, message))

    def _message(self, ws: Any, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.binary_frames += 1
            self.binary_sizes.add(len(message))
            return
        msg = json.loads(message)
        self.received.append(msg)
        kind = msg.get("type")
        if kind == "hello":
            resumed = bool(msg.get("session_id"))
            if not resumed:
                self.sessions += 1
            session_id = msg.get("session_id") or f"S-{self.sessions}"
            ws.send(json.dumps({"type": "session", "session_id": session_id, "resumed": resumed}))
        elif kind == "ping":
            ws.send(json.dumps({"type": "pong"}))
        elif kind in ("text", "touch") and self.on_text is not None:
            for out in self.on_text(msg):
                ws.send(json.dumps(out))

    def push(self, msg: dict[str, Any]) -> None:
        """Send a server message on the newest socket."""
        self.sockets[-1].send(json.dumps(msg))

    def drop(self) -> None:
        """Close the newest socket from the server side (a dropped connection)."""
        self.sockets[-1].close(code=1012, reason="restart")

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("type") == kind]

    def wait_for(self, predicate: Callable[[], Any], timeout_s: float = 10.0) -> Any:
        """Poll `predicate` while Playwright dispatches the socket's callbacks (sync API: only inside its calls)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            self.page.wait_for_timeout(50)
        raise AssertionError(f"timed out after {timeout_s} s; received: {[m.get('type') for m in self.received]}")


def console_errors(page: Any) -> list[str]:
    """Collect the page's console errors and uncaught exceptions into a list (checked at the end)."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return errors

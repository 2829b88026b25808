"""A test-side kiosk: a WebSocket on the app over ASGI, a receiver thread collecting every message with
its arrival time, and microphone audio sent at real-time pace (the way a browser's AudioWorklet does)."""

from __future__ import annotations

import base64
import io
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import soundfile
from fastapi.testclient import TestClient

from speech.tts.audio import resample

FRAME = 320  # 20 ms at 16 kHz
Message = dict[str, Any]


def pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def speech_audio(message: Message) -> np.ndarray:
    """A `speech` message's WAV as float samples at 16 kHz."""
    data, rate = soundfile.read(io.BytesIO(base64.b64decode(message["audio"])), dtype="float32")
    return resample(np.asarray(data, dtype=np.float32), rate, 16000)


class Kiosk:
    def __init__(self, client: TestClient, token: str) -> None:
        self._cm = client.websocket_connect(f"/api/v1/kiosk/ws?token={token}")
        self.ws = self._cm.__enter__()
        self.messages: list[tuple[float, Message]] = []
        self._lock = threading.Condition()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        try:
            while True:
                message = self.ws.receive_json()
                with self._lock:
                    self.messages.append((time.monotonic(), message))
                    self._lock.notify_all()
        except Exception:  # closed
            return

    def send(self, message: Message) -> None:
        self.ws.send_json(message)

    def wait_for(self, match: Callable[[Message], bool], timeout: float = 60.0, after: int = 0) -> Message:
        """The first message (from index `after`) that matches; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for _, message in self.messages[after:]:
                    if match(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [m.get("type") for _, m in self.messages[after:]]
                    raise AssertionError(f"no matching message in {timeout} s; got {kinds}")
                self._lock.wait(left)

    def of_type(self, kind: str, after: int = 0) -> list[Message]:
        with self._lock:
            return [m for _, m in self.messages[after:] if m.get("type") == kind]

    def mark(self) -> int:
        with self._lock:
            return len(self.messages)

    def time_of(self, message: Message) -> float:
        with self._lock:
            return next(t for t, m in self.messages if m is message)

    def stream(self, samples: np.ndarray, paced: bool = True) -> float:
        """Send audio as 20 ms PCM frames (at real-time pace when `paced`); returns the start time."""
        data = pcm16(samples)
        started = time.monotonic()
        for i, offset in enumerate(range(0, len(data), FRAME * 2)):
            self.ws.send_bytes(data[offset : offset + FRAME * 2])
            if paced:
                delay = started + (i + 1) * 0.02 - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        return started

    def speak_turn(self, text: str) -> tuple[Message, list[Message]]:
        """A typed turn; waits for its reply and all of its speech (until `speech_end`)."""
        mark = self.mark()
        self.send({"type": "text", "text": text})
        reply = self.wait_for(lambda m: m["type"] == "reply", after=mark)
        rid = reply["reply_id"]
        self.wait_for(lambda m: m["type"] == "speech_end" and m["reply_id"] == rid, timeout=90, after=mark)
        return reply, [m for m in self.of_type("speech", mark) if m["reply_id"] == rid]

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
        self._thread.join(timeout=5)

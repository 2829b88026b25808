"""edge-tts: Microsoft's online neural voices, with word boundaries for subtitles and lip-sync.

Online only: with no network it fails in milliseconds (DNS), and a short connect timeout bounds the
other failure mode (a black-holed route), so the chain falls through to the offline engines fast.
The service streams MP3; each sentence is decoded to PCM when its stream ends. Offsets arrive in
100-ns ticks. Neural zh voices read Latin words inside Chinese, so mixed text is not split for it.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from speech.tts.base import AudioChunk, EngineUnavailable, Health, Timing, TTSError, float_to_pcm16

TICKS_PER_S = 10_000_000
DEFAULT_VOICES = {"zh": "zh-CN-XiaoxiaoNeural", "en": "en-US-JennyNeural"}


def rate_string(rate: float) -> str:
    """1.0 -> '+0%', 0.8 -> '-20%' (edge-tts's SSML prosody rate)."""
    return f"{round((rate - 1.0) * 100):+d}%"


def boundary_timing(event: dict[str, Any]) -> Timing:
    start = float(event["offset"]) / TICKS_PER_S
    return Timing(str(event.get("text", "")), start, start + float(event.get("duration", 0)) / TICKS_PER_S)


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    """MP3 bytes -> mono float32 samples and rate (libsndfile >= 1.1 reads MP3)."""
    import soundfile

    try:
        audio, sample_rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise TTSError(f"edge: cannot decode the service's audio: {exc}") from exc
    return audio.mean(axis=1), int(sample_rate)


class EdgeEngine:
    name = "edge"
    languages = frozenset({"zh", "en"})
    speaks_latin_in_zh = True

    def __init__(
        self, voices: dict[str, str] | None = None, connect_timeout_s: float = 2.0, receive_timeout_s: float = 10.0
    ):
        self.voices = {**DEFAULT_VOICES, **(voices or {})}
        self.connect_timeout = max(1, round(connect_timeout_s))
        self.receive_timeout = max(1, round(receive_timeout_s))

    async def synthesize(
        self, text: str, *, lang: str = "zh", voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        try:
            import edge_tts
        except ImportError as exc:
            raise EngineUnavailable("edge: edge-tts is not installed") from exc
        voice = voice or self.voices.get(lang, self.voices["zh"])
        communicate = edge_tts.Communicate(
            text, voice, rate=rate_string(rate), boundary="WordBoundary",
            connect_timeout=self.connect_timeout, receive_timeout=self.receive_timeout,
        )  # fmt: skip
        mp3 = bytearray()
        timings: list[Timing] = []
        try:
            async for event in communicate.stream():
                if event["type"] == "audio":
                    mp3.extend(event.get("data", b""))
                elif event["type"] == "WordBoundary":
                    timings.append(boundary_timing(dict(event)))
        except Exception as exc:  # aiohttp, websocket and service errors all mean: next engine
            raise EngineUnavailable(f"edge: {type(exc).__name__}: {exc}") from exc
        if not mp3:
            raise TTSError("edge: the service returned no audio")
        audio, sample_rate = decode_mp3(bytes(mp3))
        yield AudioChunk(float_to_pcm16(audio), sample_rate, text, self.name, timings or None, meta={"voice": voice})

    async def health(self) -> Health:
        """Resolve and connect to the service host within the connect timeout (no synthesis)."""
        import asyncio

        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection("speech.platform.bing.com", 443, ssl=True), self.connect_timeout
            )
        except (OSError, TimeoutError) as exc:
            return Health(False, f"service unreachable: {type(exc).__name__}: {exc}")
        writer.close()
        return Health(True, "service reachable")

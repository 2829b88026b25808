"""Live recognition: 16 kHz PCM chunks in, speech_started / interim / final events out.

The kiosk pushes microphone audio as it arrives. Silero VAD (shipped in faster-whisper) decides per
32 ms window whether someone speaks; an utterance ends after `end_silence_ms` of silence (600 ms by
default: a lobby customer pauses mid-sentence, but should not wait long) or at `max_utterance_s`.
While the customer speaks the growing utterance is re-decoded (draft, greedy) at most every
`interim_interval_s` for live captions. To answer fast after the customer stops, the final decode
starts speculatively once `speculate_after_ms` of silence has passed; if speech resumes the result is
discarded, otherwise it is the final text as soon as the endpoint is reached. All decodes run in the
recognizer's worker pool, never on the event loop. Memory is bounded by the utterance limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from speech.asr.base import SpeechRecognizer, Transcript
from speech.asr.vad import WINDOW, StreamingVad
from speech.audio import SAMPLE_RATE, pcm16_to_float

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamOptions:
    end_silence_ms: int = 600
    max_utterance_s: float = 15.0
    interim_interval_s: float = 1.0
    vad_threshold: float = 0.5
    min_speech_ms: int = 160  # shorter voiced blips (clicks, coughs) do not start an utterance
    pre_roll_ms: int = 300  # audio kept from before the VAD trigger so the first syllable is not cut
    speculate_after_ms: int = 200
    language: str | None = None  # None = the recognizer's default
    interim: bool = True


@dataclass(frozen=True)
class SpeechStarted:
    at_s: float  # stream time (seconds of audio fed) when speech was detected
    kind: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True)
class Interim:
    text: str
    at_s: float
    kind: Literal["interim"] = "interim"


@dataclass(frozen=True)
class Final:
    result: Transcript
    start_s: float
    end_s: float
    reason: Literal["silence", "max_length", "flush"]
    kind: Literal["final"] = "final"

    @property
    def text(self) -> str:
        return self.result.text


StreamEvent = SpeechStarted | Interim | Final


class RecognitionStream:
    """One microphone's stream. Not shared between connections; call `aclose()` when done."""

    def __init__(self, recognizer: SpeechRecognizer, options: StreamOptions | None = None) -> None:
        self.recognizer = recognizer
        self.options = options or StreamOptions()
        self._vad = StreamingVad()
        self._ms = SAMPLE_RATE // 1000
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # stream sample index of _buf[0]
        self._fed = 0  # samples fed so far (VAD position lags by < 1 window)
        self._vad_pos = 0
        self._in_speech = False
        self._candidate: int | None = None  # first voiced window of a possible utterance
        self._voiced = 0
        self._utt_start = 0
        self._silence_start: int | None = None
        self._utterance = 0  # id, so late interim results of an old utterance are dropped
        self._interim_task: asyncio.Task[Transcript] | None = None
        self._interim_for = -1
        self._last_interim_at = 0
        self._last_interim_text = ""
        self._domain = False  # an interim of this utterance mentioned the vocabulary
        self._spec_task: asyncio.Task[Transcript] | None = None
        self._spec_end = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    async def feed(self, pcm: bytes) -> list[StreamEvent]:
        """Push little-endian int16 mono PCM at 16 kHz; returns the events that are ready now."""
        samples = pcm16_to_float(pcm)
        events: list[StreamEvent] = self._collect_interim()
        if samples.size == 0:
            return events
        self._buf = np.concatenate([self._buf, samples])
        self._fed += samples.size
        for prob in self._vad.process(samples):
            window_start = self._vad_pos
            self._vad_pos += WINDOW
            events.extend(await self._on_window(prob, window_start))
        self._trim()
        self._maybe_start_interim()
        return events

    async def flush(self) -> list[StreamEvent]:
        """End of input: finish the utterance in progress, if any."""
        events = self._collect_interim()
        if self._in_speech:
            events.append(await self._finish("flush", self._fed))
        return events

    async def aclose(self) -> None:
        for task in (self._interim_task, self._spec_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._interim_task = self._spec_task = None

    async def _on_window(self, prob: float, start: int) -> list[StreamEvent]:
        opts = self.options
        end = start + WINDOW
        if not self._in_speech:
            if prob >= opts.vad_threshold:
                if self._candidate is None:
                    self._candidate = start
                self._voiced += 1
                if self._voiced * WINDOW >= opts.min_speech_ms * self._ms:
                    return [self._start_utterance()]
            elif prob < self._neg_threshold:
                self._candidate, self._voiced = None, 0
            return []
        if prob >= opts.vad_threshold:
            if self._silence_start is not None:
                self._silence_start = None
                self._spec_task = None  # speech resumed: a speculative result would be incomplete
        elif prob < self._neg_threshold and self._silence_start is None:
            self._silence_start = start
        if self._silence_start is not None:
            silent = end - self._silence_start
            if silent >= opts.end_silence_ms * self._ms:
                return [await self._finish("silence", end)]
            if silent >= opts.speculate_after_ms * self._ms and self._spec_task is None:
                self._spec_end = end
                self._spec_task = asyncio.ensure_future(self._decode(self._utt_start, end, draft=False))
        if end - self._utt_start >= opts.max_utterance_s * SAMPLE_RATE:
            return [await self._finish("max_length", end)]
        return []

    @property
    def _neg_threshold(self) -> float:
        return max(self.options.vad_threshold - 0.15, 0.01)

    def _start_utterance(self) -> SpeechStarted:
        assert self._candidate is not None
        self._in_speech = True
        self._utterance += 1
        self._utt_start = max(self._buf_start, self._candidate - self.options.pre_roll_ms * self._ms)
        self._silence_start = None
        self._spec_task = None
        self._last_interim_at = self._candidate
        self._last_interim_text = ""
        self._domain = False
        return SpeechStarted(at_s=round(self._candidate / SAMPLE_RATE, 3))

    async def _finish(self, reason: Literal["silence", "max_length", "flush"], end: int) -> Final:
        start = self._utt_start
        spec, self._spec_task = self._spec_task, None
        if spec is not None and reason == "silence":
            result = await spec  # same audio up to the speculative point; the rest was silence
        else:
            result = await self._decode(start, end, draft=False)
        self._in_speech = False
        self._candidate, self._voiced, self._silence_start = None, 0, None
        self._utterance += 1  # drop interim results still in flight
        return Final(
            result=result, start_s=round(start / SAMPLE_RATE, 3), end_s=round(end / SAMPLE_RATE, 3), reason=reason
        )

    def _audio(self, start: int, end: int) -> npt.NDArray[np.float32]:
        return self._buf[max(0, start - self._buf_start) : max(0, end - self._buf_start)].copy()

    async def _decode(self, start: int, end: int, *, draft: bool) -> Transcript:
        audio = self._audio(start, end)
        # a domain utterance (seen in its interims) is decoded biased at once: one pass, not two
        bias = False if draft else (True if self._domain else None)
        return await self.recognizer.atranscribe(
            audio, sample_rate=SAMPLE_RATE, language=self.options.language, draft=draft, bias=bias
        )

    def _maybe_start_interim(self) -> None:
        opts = self.options
        if not (opts.interim and self._in_speech) or self._silence_start is not None or self._spec_task is not None:
            return
        if (
            self._interim_task is not None
            or self._vad_pos - self._last_interim_at < opts.interim_interval_s * SAMPLE_RATE
        ):
            return
        self._last_interim_at = self._vad_pos
        self._interim_for = self._utterance
        self._interim_task = asyncio.ensure_future(self._decode(self._utt_start, self._vad_pos, draft=True))

    def _collect_interim(self) -> list[StreamEvent]:
        task = self._interim_task
        if task is None or not task.done():
            return []
        self._interim_task = None
        if task.cancelled():
            return []
        exc = task.exception()
        if exc is not None:
            log.warning("interim decode failed: %s", exc)  # captions are best effort; the final decides
            return []
        result = task.result()
        text = result.text
        if self._interim_for == self._utterance and result.mentions_domain:
            self._domain = True
        if self._interim_for != self._utterance or not self._in_speech or not text or text == self._last_interim_text:
            return []
        self._last_interim_text = text
        return [Interim(text=text, at_s=round(self._vad_pos / SAMPLE_RATE, 3))]

    def _trim(self) -> None:
        """Keep only what an utterance can still need: bounded memory whatever the stream length."""
        keep_from = (
            self._utt_start if self._in_speech else self._vad_pos - self.options.pre_roll_ms * self._ms - 2 * WINDOW
        )
        if self._candidate is not None and not self._in_speech:
            keep_from = min(keep_from, self._candidate - self.options.pre_roll_ms * self._ms)
        drop = keep_from - self._buf_start
        if drop > SAMPLE_RATE:  # trim in 1 s steps to avoid copying every chunk
            self._buf = self._buf[drop:].copy()
            self._buf_start += drop

"""The recognition interface: what every ASR engine takes and gives back.

Callers (the CLI, the kiosk WebSocket, evaluations, the TTS round-trip test) depend on this Protocol
and these dataclasses only, never on faster-whisper, so an engine can be swapped or faked behind it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from speech.audio import AudioInput

LANGUAGES = ("zh", "en", "auto")


@dataclass(frozen=True)
class Segment:
    """One decoded stretch of speech, times in seconds from the start of the input."""

    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """The result of recognising one input.

    `text` is final (Simplified Chinese, domain-corrected unless correction was off); `raw_text` is what
    the engine produced before correction; `dropped` lists segment texts removed as hallucinations.
    `mentions_domain`: the text names (or nearly names) a vocabulary term; streams use it to bias the
    final decode of an utterance whose interim captions were about the domain.
    `confidence` is in 0..1 (duration-weighted exp(avg_logprob) times (1 - no_speech_prob)); empty text
    has confidence 0.
    """

    text: str
    language: str
    segments: tuple[Segment, ...] = ()
    duration_s: float = 0.0
    processing_s: float = 0.0
    confidence: float = 0.0
    language_probability: float = 0.0
    raw_text: str = ""
    dropped: tuple[str, ...] = field(default_factory=tuple)
    mentions_domain: bool = False

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time over audio duration (lower is faster)."""
        return self.processing_s / self.duration_s if self.duration_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by `lobby asr --json` and the API."""
        data = asdict(self)
        data["segments"] = [asdict(s) for s in self.segments]
        data["dropped"] = list(self.dropped)
        data["rtf"] = round(self.rtf, 4)
        return data


class AsrError(Exception):
    """Recognition failed for a reason the caller can act on (message says what)."""


class AsrUnavailableError(AsrError):
    """The engine cannot run (model not prepared, library missing): degrade to touch and typing."""


@runtime_checkable
class SpeechRecognizer(Protocol):
    """Speech to text. Implementations load their model once and are safe to share between tasks.

    `language`: "zh", "en" or "auto" (None means the configured default). `correct`: apply the domain
    corrector and number normalisation. `draft`: a cheaper decode for interim captions (greedy, no
    correction); final results never use it. `bias`: force (True) or forbid (False) biasing the decoder
    with the domain vocabulary; None lets the engine decide. Bad audio raises `speech.audio.AudioError`.
    """

    def transcribe(
        self,
        audio: AudioInput,
        *,
        language: str | None = None,
        sample_rate: int | None = None,
        correct: bool = True,
        draft: bool = False,
        bias: bool | None = None,
    ) -> Transcript:
        """Blocking recognition; call it from a worker thread, or use `atranscribe` on an event loop."""
        ...

    async def atranscribe(
        self,
        audio: AudioInput,
        *,
        language: str | None = None,
        sample_rate: int | None = None,
        correct: bool = True,
        draft: bool = False,
        bias: bool | None = None,
    ) -> Transcript:
        """The same, run off the event loop in the recognizer's bounded worker pool."""
        ...


def empty_transcript(language: str, duration_s: float, processing_s: float = 0.0) -> Transcript:
    """No speech: the honest answer for silence, noise or music."""
    return Transcript(text="", language=language, duration_s=duration_s, processing_s=processing_s)

"""faster-whisper behind the `SpeechRecognizer` interface.

One CTranslate2 model per (folder, device, compute type) per process, loaded lazily on first use and
shared by every recognizer built on it (the baseline and the tuned profile of `lobby eval asr --baseline`
share one). Decoding runs in a bounded ThreadPoolExecutor so the event loop never blocks and at most
`workers` decodes compete for the CPU.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from speech.asr.base import AsrUnavailableError, AudioInput, Segment, Transcript, empty_transcript
from speech.asr.guard import HallucinationGuard
from speech.asr.window import DEFAULT_WINDOW, EncoderWindow, encoder_window, windowed_model_class
from speech.audio import SAMPLE_RATE, AudioLimits, load_audio
from speech.correction.numbers import normalize_numbers
from speech.correction.text import has_cjk, tidy, to_simplified


class TextCorrector(Protocol):
    """Domain correction of final Chinese text (`speech.correction.PinyinCorrector` implements it)."""

    def fix(self, text: str) -> str: ...

    def mentions_domain(self, text: str) -> bool: ...


SILENCE_PEAK = 0.003  # about -50 dBFS: nothing a microphone in a lobby would call speech


@dataclass(frozen=True)
class WhisperTuning:
    """How decoding is biased and cleaned. `baseline()` is plain whisper for side-by-side evaluation."""

    beam_size: int = 5
    initial_prompt: str | None = None
    hotwords: str | None = None
    adaptive_bias: bool = True  # bias (prompt/hotwords) only utterances that mention the domain
    vad_filter: bool = True
    normalize_gain: bool = True  # quiet microphones decode worse; silence is gated out before this
    guard: bool = True
    correct: bool = True
    condition_on_previous_text: bool = False  # True lets one hallucination seed the next segment
    window: EncoderWindow | None = DEFAULT_WINDOW  # None: whisper's 30-s window (speech/asr/window.py)

    @classmethod
    def baseline(cls, beam_size: int = 5) -> WhisperTuning:
        """Whisper as shipped: language only; no prompt, hotwords, VAD, guard or correction."""
        return cls(
            beam_size=beam_size,
            vad_filter=False,
            normalize_gain=False,
            adaptive_bias=False,
            guard=False,
            correct=False,
            condition_on_previous_text=True,
            window=None,
        )


_MODELS: dict[tuple[str, str, str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def resolve_device(device: str) -> str:
    """ "auto" picks CUDA when CTranslate2 sees a GPU."""
    if device != "auto":
        return device
    try:
        import ctranslate2

        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    except Exception:
        return "cpu"


def load_whisper_model(model_dir: Path, device: str = "auto", compute_type: str = "auto", cpu_threads: int = 0) -> Any:
    """The process-wide model for these settings (loaded on first call)."""
    dev = resolve_device(device)
    ctype = compute_type if compute_type != "auto" else ("float16" if dev == "cuda" else "int8")
    key = (str(model_dir), dev, ctype, cpu_threads)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            if not (model_dir / "model.bin").is_file():
                raise AsrUnavailableError(f"ASR model not prepared at {model_dir}; run `lobby models prepare`")
            try:
                model_class = windowed_model_class()
            except ImportError as exc:
                raise AsrUnavailableError(f"faster-whisper is not installed ({exc}); pip install '.[speech]'") from None
            try:
                model = model_class(str(model_dir), device=dev, compute_type=ctype, cpu_threads=cpu_threads)
            except (RuntimeError, ValueError) as exc:
                raise AsrUnavailableError(f"cannot load ASR model from {model_dir}: {exc}") from None
            _MODELS[key] = model
        return model


class WhisperRecognizer:
    """`SpeechRecognizer` over faster-whisper. Thread-safe; share one per process."""

    def __init__(
        self,
        model_dir: Path,
        *,
        tuning: WhisperTuning | None = None,
        corrector: TextCorrector | None = None,
        default_language: str = "zh",
        device: str = "auto",
        compute_type: str = "auto",
        cpu_threads: int = 0,
        workers: int = 1,
        limits: AudioLimits | None = None,
        guard: HallucinationGuard | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.tuning = tuning or WhisperTuning()
        self.corrector = corrector
        self.default_language = default_language
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.workers = workers
        self.limits = limits or AudioLimits()
        self.guard = guard or HallucinationGuard()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()

    def with_tuning(self, tuning: WhisperTuning, *, keep_corrector: bool = False) -> WhisperRecognizer:
        """Another profile over the same loaded model (used by the baseline evaluation)."""
        other = WhisperRecognizer(
            self.model_dir,
            tuning=tuning,
            corrector=self.corrector if keep_corrector else None,
            default_language=self.default_language,
            device=self.device,
            compute_type=self.compute_type,
            cpu_threads=self.cpu_threads,
            workers=self.workers,
            limits=self.limits,
            guard=self.guard,
        )
        other._executor = self._shared_executor()
        return other

    @property
    def model(self) -> Any:
        return load_whisper_model(self.model_dir, self.device, self.compute_type, self.cpu_threads)

    def warm_up(self) -> None:
        """Load the model, run one decode the way customers' audio is decoded (window, beam) and load the
        corrector's dictionaries, so the first customer waits for none of it: after a load-only warm-up
        the first decode of a 3.7-s clip took 1.1 s against 0.33-0.42 s for the next ones, 0.55 s of it
        jieba's dictionary (segments decode lazily, so they are consumed here)."""
        if self.corrector is not None:
            self.corrector.fix("我要挂失信用卡")
        model = self.model
        with encoder_window(self.tuning.window):
            segments, _ = model.transcribe(
                np.zeros(SAMPLE_RATE, dtype=np.float32),
                language=self.default_language if self.default_language != "auto" else "zh",
                beam_size=self.tuning.beam_size,
                vad_filter=False,
            )
            list(segments)

    def _shared_executor(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="asr")
            return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

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
        loop = asyncio.get_running_loop()
        call = partial(
            self.transcribe, audio, language=language, sample_rate=sample_rate, correct=correct, draft=draft, bias=bias
        )
        return await loop.run_in_executor(self._shared_executor(), call)

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
        model = self.model  # loading (once per process) is not part of this input's processing time
        started = time.perf_counter()
        samples = load_audio(audio, sample_rate=sample_rate, limits=self.limits)
        lang = language or self.default_language
        whisper_lang = None if lang == "auto" else lang
        duration = samples.size / SAMPLE_RATE
        if samples.size == 0 or float(np.max(np.abs(samples))) < SILENCE_PEAK:
            return empty_transcript(whisper_lang or "", duration, time.perf_counter() - started)
        tuning = replace(self.tuning, beam_size=1, correct=False) if draft else self.tuning
        if tuning.normalize_gain:
            samples = normalize_peak(samples)
        segments, info = self._decode(model, samples, whisper_lang, tuning, self._bias_first(tuning, bias, draft))
        if self._wants_second_pass(tuning, bias, draft, whisper_lang, segments, info):
            segments, info = self._decode(model, samples, whisper_lang, tuning, biased=True)
        dropped: list[str] = []
        if tuning.guard:
            segments, dropped = self.guard.filter(segments)
        detected = info.language if whisper_lang is None else whisper_lang
        raw = tidy(
            "".join(s.text for s in segments) if detected == "zh" else " ".join(s.text.strip() for s in segments)
        )
        text = to_simplified(raw) if detected == "zh" or has_cjk(raw) else raw
        domain = bool(self.corrector is not None and has_cjk(text) and self.corrector.mentions_domain(text))
        if correct and tuning.correct and has_cjk(text):
            if self.corrector is not None:
                text = self.corrector.fix(text)
            text = normalize_numbers(text)
        return Transcript(
            text=text,
            language=detected,
            segments=tuple(replace(s, text=to_simplified(s.text).strip()) for s in segments),
            duration_s=round(duration, 3),
            processing_s=round(time.perf_counter() - started, 4),
            confidence=_confidence(segments),
            language_probability=round(float(info.language_probability), 4),
            raw_text=raw,
            mentions_domain=domain,
            dropped=tuple(dropped),
        )

    def _bias_first(self, tuning: WhisperTuning, bias: bool | None, draft: bool) -> bool:
        """Whether the first decode uses the vocabulary prompt/hotwords."""
        if draft or bias is False:
            return False
        return bias is True or not tuning.adaptive_bias

    def _wants_second_pass(
        self,
        tuning: WhisperTuning,
        bias: bool | None,
        draft: bool,
        language: str | None,
        segments: list[Segment],
        info: Any,
    ) -> bool:
        """Adaptive biasing: the vocabulary prompt helps domain speech a lot and costs accuracy on
        everything else, so an unbiased first pass that mentions the domain is decoded again, biased."""
        if draft or bias is not None or not tuning.adaptive_bias or self.corrector is None:
            return False
        if not (tuning.initial_prompt or tuning.hotwords) or (language or info.language) != "zh":
            return False
        text = to_simplified("".join(s.text for s in segments))
        return bool(text) and self.corrector.mentions_domain(text)

    def _decode(
        self,
        model: Any,
        samples: npt.NDArray[np.float32],
        language: str | None,
        tuning: WhisperTuning,
        biased: bool,
    ) -> tuple[list[Segment], Any]:
        kwargs: dict[str, Any] = {
            "language": language,
            "beam_size": tuning.beam_size,
            "vad_filter": tuning.vad_filter,
            "condition_on_previous_text": tuning.condition_on_previous_text,
        }
        if biased and language in (None, "zh"):
            # the vocabulary is Chinese: it would only confuse English decoding
            if tuning.initial_prompt:
                kwargs["initial_prompt"] = tuning.initial_prompt
            if tuning.hotwords:
                kwargs["hotwords"] = tuning.hotwords
        with encoder_window(tuning.window):  # segments decode lazily: all of them inside the block
            raw_segments, info = model.transcribe(samples, **kwargs)
            segments = [
                Segment(
                    start=round(float(s.start), 3),
                    end=round(float(s.end), 3),
                    text=segment_text(s.text),
                    avg_logprob=round(float(s.avg_logprob), 4),
                    no_speech_prob=round(float(s.no_speech_prob), 4),
                    compression_ratio=round(float(s.compression_ratio), 4),
                )
                for s in raw_segments
            ]
        return segments, info


def segment_text(raw: str) -> str:
    """A segment's text without U+FFFD: whisper's byte-level tokens can split a Chinese character across
    two segments, and each half decodes to the replacement character, which the kiosk would show."""
    return raw.replace("\ufffd", "")


def normalize_peak(samples: npt.NDArray[np.float32], target: float = 0.9) -> npt.NDArray[np.float32]:
    """Scale so the loudest sample sits at `target` (whisper-base does measurably better on loud input)."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak <= 0:
        return samples
    return (samples * (target / peak)).astype(np.float32)


def _confidence(segments: list[Segment]) -> float:
    """Duration-weighted exp(avg_logprob) x (1 - no_speech_prob), in 0..1."""
    total = 0.0
    weight = 0.0
    for s in segments:
        dur = max(s.end - s.start, 0.01)
        total += dur * math.exp(min(s.avg_logprob, 0.0)) * (1.0 - s.no_speech_prob)
        weight += dur
    return round(total / weight, 4) if weight else 0.0

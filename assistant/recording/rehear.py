"""Hearing the customer again from the recording, at leisure, with more care than the live path can afford.

Live recognition has to answer within a second: it decodes what the stream's VAD cut out (an utterance
is cut at `stream_max_utterance_s`, its edges trimmed by the VAD) while the customer waits. After the visit
nobody waits, so each customer turn is decoded again from the recording's customer channel (left; the
avatar's voice is on the other channel and never mixed in) over the whole utterance window: the span the
live recognizer reported, widened by MARGIN_S on each side (never into the neighbouring turn), with a
wider beam (`LOBBY_RECORDING__ANALYSIS_BEAM_SIZE`, default 8 against the live 5).

Why not whisper's full 30-s encoder window: on the recorded test clips it recognised exactly what the
project's 10-s minimum window recognises (CER 2.1% both, beam 8) at 3.4x the CPU (1.20 against 0.35 s
of CPU per second of audio on one thread, 2-vCPU VM); the configured window grows with the utterance, so
the whole utterance is always in it. The project has one offline model, whisper-base (speech/assets.py);
a larger one would only need `LOBBY_SPEECH__ASR_MODEL`. The recognizer runs on `analysis_cpu_threads`
threads (default 1) so it never takes more than a core from live visits; docs/benchmarks.md ("Recording
a visit") has its cost per minute of visit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.recording import codec
from assistant.recording.options import RecordingOptions
from speech.asr.base import SpeechRecognizer
from speech.asr.factory import build_recognizer
from speech.config import SpeechOptions

MARGIN_S = 0.5
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Reheard:
    seq: int
    part: int
    start_s: float
    end_s: float
    text: str
    processing_s: float


def analysis_recognizer(speech: SpeechOptions, models_dir: Path, options: RecordingOptions) -> SpeechRecognizer:
    """The configured recognizer with the after-visit tuning: a wider beam, its own thread budget."""
    recognizer = build_recognizer(speech, models_dir)
    recognizer.tuning = replace(recognizer.tuning, beam_size=options.analysis_beam_size)
    recognizer.cpu_threads = options.analysis_cpu_threads
    return recognizer


def windows(segments: list[dict[str, Any]], duration_s: float) -> list[tuple[int, float, float]]:
    """(seq, start, end) of each customer segment widened by MARGIN_S, clipped to its neighbours."""
    spans = sorted(
        (float(s["start_s"]), float(s["end_s"]), int(s["seq"])) for s in segments if s.get("channel") == "customer"
    )
    out = []
    for i, (start, end, seq) in enumerate(spans):
        low = spans[i - 1][1] if i > 0 else 0.0
        high = spans[i + 1][0] if i + 1 < len(spans) else duration_s
        out.append((seq, max(low, start - MARGIN_S), min(high, end + MARGIN_S)))
    return out


def rehear_part(
    recognizer: SpeechRecognizer,
    audio: bytes,
    manifest: dict[str, Any],
    language: str = "zh",
    progress: Progress | None = None,
) -> list[Reheard]:
    """Every customer turn of one stored part, recognised again (blocking)."""
    samples, rate = codec.decode(audio)
    customer = np.ascontiguousarray(samples[:, 0], dtype=np.float32)
    spans = windows(list(manifest.get("segments", [])), customer.size / rate)
    out = []
    for done, (seq, start, end) in enumerate(spans, 1):
        piece = customer[int(start * rate) : int(end * rate)]
        started = time.perf_counter()
        text = recognizer.transcribe(piece, language=language, sample_rate=rate).text if piece.size else ""
        part = int(manifest.get("part", 1))
        out.append(Reheard(seq, part, round(start, 3), round(end, 3), text, round(time.perf_counter() - started, 3)))
        if progress is not None:
            progress(done, len(spans))
    return out

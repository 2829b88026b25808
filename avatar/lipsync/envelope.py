"""The loudness envelope of synthesised speech: where it is voiced and where its syllable nuclei are.

Used when an engine gives no timings (espeak-ng, cached phrases from older entries): syllables are
loud in the middle (the vowel) and quieter at their edges, so local maxima of a smoothed RMS envelope
are a good, cheap stand-in for syllable nuclei, and its minima for the boundaries between syllables.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

HOP_S = 0.01  # one envelope value per 10 ms
WINDOW_S = 0.025
SILENCE_RATIO = 0.08  # below this share of the loud level a frame is silent
MIN_NUCLEUS_GAP_S = 0.09  # syllables are rarely faster than ~11 per second
PROMINENCE = 0.25  # a nucleus rises this share of the loud level above the dips on both sides

FloatArray = npt.NDArray[np.float64]


def rms_envelope(samples: npt.NDArray[np.floating], sample_rate: int, hop_s: float = HOP_S) -> FloatArray:
    """RMS per hop over a 25 ms window, lightly smoothed (a 3-hop moving average)."""
    audio = np.asarray(samples, dtype=np.float64).reshape(-1)
    hop = max(1, round(sample_rate * hop_s))
    window = max(hop, round(sample_rate * WINDOW_S))
    frames = max(0, 1 + (audio.size - window) // hop) if audio.size >= window else (1 if audio.size else 0)
    if frames == 0:
        return np.zeros(0)
    padded = np.pad(audio, (0, max(0, (frames - 1) * hop + window - audio.size)))
    squares = np.concatenate([[0.0], np.cumsum(padded**2)])
    starts = np.arange(frames) * hop
    env = np.sqrt((squares[starts + window] - squares[starts]) / window)
    return np.convolve(env, np.ones(3) / 3, mode="same") if env.size >= 3 else env


def loud_level(env: FloatArray) -> float:
    """The level of clearly spoken frames (95th percentile), robust to a few clicks."""
    return float(np.percentile(env, 95)) if env.size else 0.0


def voiced_segments(env: FloatArray, hop_s: float = HOP_S, min_gap_s: float = 0.12) -> list[tuple[int, int]]:
    """[start, end) frame ranges of sound; gaps shorter than `min_gap_s` (stops, pauses inside words) are bridged."""
    level = loud_level(env)
    if level <= 1e-5:
        return []
    voiced = env > level * SILENCE_RATIO
    segments: list[tuple[int, int]] = []
    start: int | None = None
    for i, flag in enumerate(voiced):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            segments.append((start, i))
            start = None
    if start is not None:
        segments.append((start, len(voiced)))
    bridged: list[tuple[int, int]] = []
    gap = round(min_gap_s / hop_s)
    for seg in segments:
        if bridged and seg[0] - bridged[-1][1] < gap:
            bridged[-1] = (bridged[-1][0], seg[1])
        else:
            bridged.append(seg)
    return bridged


def nuclei(env: FloatArray, hop_s: float = HOP_S) -> list[int]:
    """Frame indices of syllable nuclei: prominent local maxima at least `MIN_NUCLEUS_GAP_S` apart."""
    level = loud_level(env)
    if env.size < 3 or level <= 1e-5:
        return []
    floor = level * SILENCE_RATIO
    peaks = [i for i in range(1, env.size - 1) if env[i] >= env[i - 1] and env[i] > env[i + 1] and env[i] > floor]
    gap = max(1, round(MIN_NUCLEUS_GAP_S / hop_s))
    kept: list[int] = []
    for peak in peaks:
        if kept and peak - kept[-1] < gap:
            if env[peak] > env[kept[-1]]:
                kept[-1] = peak
            continue
        kept.append(peak)
    prominent: list[int] = []
    for index, peak in enumerate(kept):
        left = kept[index - 1] if index else max(0, peak - 4 * gap)
        right = kept[index + 1] if index + 1 < len(kept) else min(env.size - 1, peak + 4 * gap)
        dip = min(float(env[left : peak + 1].min()), float(env[peak : right + 1].min()))
        if env[peak] - dip >= PROMINENCE * level:
            prominent.append(peak)
    return prominent


def dip_between(env: FloatArray, a: int, b: int) -> int:
    """The quietest frame between two nuclei: where one syllable ends and the next begins."""
    if b - a < 2:
        return (a + b) // 2
    return a + int(np.argmin(env[a:b]))

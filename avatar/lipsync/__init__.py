"""Lip-sync cues for the kiosk avatar: text (and its audio) in, a viseme timeline out.

Mandarin visemes come from pinyin initials and finals (pypinyin), English from espeak-ng phonemes or
spelling rules; they are timed by the TTS engine's timings when it gives them, else aligned to the
audio envelope. The browser animates the mouth from these tiny cues, so one server drives many kiosks.
All functions are pure apart from the optional espeak-ng phonemizer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from avatar.lipsync.english import Phonemizer, english_units, espeak_phonemizer
from avatar.lipsync.mandarin import mandarin_units
from avatar.lipsync.timeline import TimingLike, timeline
from avatar.lipsync.visemes import VISEMES, Cue, Unit

__all__ = ["VISEMES", "Cue", "Phonemizer", "Unit", "espeak_phonemizer", "text_units", "timeline", "visemes_for"]

_PIECES = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|([A-Za-z][A-Za-z'’]*|\d+)")


def text_units(text: str, lang: str = "zh", phonemize: Phonemizer | None = None) -> list[Unit]:
    """Units in reading order: Chinese characters one by one, Latin words (and digits) as words."""
    if lang == "en" and not re.search(r"[\u4e00-\u9fff]", text):
        return english_units(text, phonemize)
    units: list[Unit] = []
    latin: list[str] = []

    def flush() -> None:
        if latin:
            units.extend(english_units(" ".join(latin), phonemize))
            latin.clear()

    for match in _PIECES.finditer(text):
        if match.group(1):
            flush()
            units.extend(mandarin_units(match.group(1)))
        else:
            latin.append(match.group(2))
    flush()
    return units


def visemes_for(
    text: str,
    lang: str = "zh",
    *,
    samples: npt.NDArray[np.floating] | None = None,
    sample_rate: int = 16000,
    timings: Sequence[TimingLike] | None = None,
    phonemize: Phonemizer | None = None,
) -> list[Cue]:
    """The cue timeline for one spoken sentence (`samples`: its audio, float in -1..1)."""
    units = text_units(text, lang, phonemize)
    if not units:
        return [Cue(0, "rest", 0.0)]
    return timeline(units, timings=timings, samples=samples, sample_rate=sample_rate)

"""Hallucination guard: whisper invents subtitle credits and sign-offs on silence, noise and music.

Three independent checks, each cheap and conservative:
- decoder statistics (a segment that whisper itself thinks is probably not speech, or that repeats
  itself, or that it decoded with very low probability), and whole-sentence loops: a segment that says
  again what the previous one said, or one that is the same sentence twice (whisper loops after the
  speech ends: 3 of 150 round-trip transcripts came back doubled, 55 of 259 character errors);
- a reviewed list of the classic inventions (`speech/vocabulary/hallucinations.txt`);
- an energy gate in the recognizer before decoding (silence never reaches the model).
Silero VAD (vad_filter) already removes most non-speech before decoding; this catches the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from speech.asr.base import Segment
from speech.correction.text import to_simplified


@dataclass(frozen=True)
class GuardThresholds:
    no_speech_prob: float = 0.6  # with avg_logprob below `weak_logprob`: silence decoded as text
    weak_logprob: float = -0.7
    min_logprob: float = -1.5  # below this a segment is noise whatever no_speech_prob says
    max_compression_ratio: float = 2.4  # "谢谢谢谢谢谢..." loops compress very well


def _canonical(text: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


@lru_cache(maxsize=4)
def load_patterns(path: str | None = None) -> tuple[re.Pattern[str], ...]:
    target = Path(path) if path else Path(str(resources.files("speech.vocabulary").joinpath("hallucinations.txt")))
    patterns: list[re.Pattern[str]] = []
    for raw in target.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            patterns.append(re.compile(line, re.IGNORECASE))
    return tuple(patterns)


class HallucinationGuard:
    """Splits decoded segments into kept and dropped (with the reason, for logs and tests)."""

    def __init__(self, thresholds: GuardThresholds | None = None, patterns_path: str | None = None) -> None:
        self.thresholds = thresholds or GuardThresholds()
        self.patterns = load_patterns(patterns_path)

    def reason(self, segment: Segment) -> str | None:
        """Why `segment` should be dropped, or None to keep it."""
        th = self.thresholds
        canon = _canonical(segment.text)
        if not canon:
            return "empty"
        if segment.no_speech_prob > th.no_speech_prob and segment.avg_logprob < th.weak_logprob:
            return "no_speech"
        if segment.avg_logprob < th.min_logprob:
            return "low_logprob"
        if segment.compression_ratio > th.max_compression_ratio:
            return "repetition"
        for pattern in self.patterns:
            if pattern.search(canon):
                return f"pattern:{pattern.pattern}"
        return None

    def filter(self, segments: list[Segment]) -> tuple[list[Segment], list[str]]:
        kept: list[Segment] = []
        dropped: list[str] = []
        for seg in segments:
            if self.reason(seg) is not None or (kept and _is_loop(_loop_key(kept[-1].text), _loop_key(seg.text))):
                dropped.append(seg.text)
                continue
            once = said_once(seg.text)
            if once != seg.text:
                dropped.append(seg.text[len(once) :])
                seg = replace(seg, text=once)
            kept.append(seg)
        return kept, dropped


MIN_LOOP_CHARS = 4  # "你好，你好" and "对对" are how people talk; a repeated sentence is a loop


_DIGITS_AS_HAN = str.maketrans("0123456789零", "〇一二三四五六七八九〇")


def _loop_key(text: str) -> str:
    """What two tellings of one sentence share: whisper writes 五年期 once and 5年期 the next time."""
    return _canonical(text).translate(_DIGITS_AS_HAN)


def _is_loop(previous: str, current: str) -> bool:
    return len(current) >= MIN_LOOP_CHARS and current == previous


def said_once(text: str) -> str:
    """`text` without its second half when that half repeats the first (punctuation and the way
    digits are written aside)."""
    canon = _loop_key(text)
    if len(canon) < 2 * MIN_LOOP_CHARS or len(canon) % 2 or canon[: len(canon) // 2] != canon[len(canon) // 2 :]:
        return text
    half = len(canon) // 2
    for cut in range(len(text), 0, -1):  # the last cut keeps the first half's closing punctuation
        if len(_loop_key(text[:cut])) == half and _loop_key(text[cut:]) == canon[half:]:
            return text[:cut].rstrip()
    return text

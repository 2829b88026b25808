"""Snippets with the query's terms marked, in the original (display) text.

Matching happens on the normalised form (Simplified, half-width, lower case) so a Traditional query
still marks the right words; when normalisation kept the length (nearly always: OpenCC and NFKC are
character for character on Chinese text) the same spans are marked in the original characters.
Marks are `<mark>...</mark>` and the rest is HTML-escaped, so a page can render the snippet as is.
"""

from __future__ import annotations

import html
import re

from knowledge.chunking import split_sentences
from knowledge.textnorm import normalize

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


def _spans(normalized: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        for match in re.finditer(re.escape(term), normalized):
            spans.append((match.start(), match.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _display_form(text: str) -> str:
    """Whitespace-collapsed, lower-cased-free original: same length as `normalize` in the common case."""
    return re.sub(r"\s+", " ", text).strip()


def mark(text: str, terms: list[str]) -> str:
    """`text` HTML-escaped with every occurrence of `terms` wrapped in <mark>."""
    shown = _display_form(text)
    normalized = normalize(shown)
    base = shown if len(normalized) == len(shown) else normalized
    out: list[str] = []
    pos = 0
    for start, end in _spans(normalized, terms):
        out.append(html.escape(base[pos:start]))
        out.append(MARK_OPEN + html.escape(base[start:end]) + MARK_CLOSE)
        pos = end
    out.append(html.escape(base[pos:]))
    return "".join(out)


def count_matches(text: str, terms: list[str]) -> int:
    normalized = normalize(text)
    return sum(1 for t in terms if t in normalized)


def snippet(text: str, terms: list[str], max_chars: int = 160) -> str:
    """The best window of sentences (most query terms), at most ~max_chars, with terms marked."""
    sentences = split_sentences(text)
    if not sentences:
        return ""
    scores = [count_matches(s, terms) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    window = [sentences[best]]
    left, right = best - 1, best + 1
    while True:
        grown = False
        for idx in (right, left):
            if 0 <= idx < len(sentences) and sum(len(s) for s in window) + len(sentences[idx]) <= max_chars:
                if idx == right:
                    window.append(sentences[idx])
                    right += 1
                else:
                    window.insert(0, sentences[idx])
                    left -= 1
                grown = True
        if not grown:
            break
    joined = " ".join(window)
    if len(joined) > max_chars:
        joined = joined[:max_chars] + "…"
    prefix = "…" if left >= 0 else ""
    suffix = "…" if right < len(sentences) and not joined.endswith("…") else ""
    return prefix + mark(joined, terms) + suffix

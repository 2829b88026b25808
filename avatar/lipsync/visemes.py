"""The shared viseme set and the two value types of lip-sync: a spoken unit and a timed cue.

The set is fixed by the kiosk protocol (docs/kiosk-protocol.md): the page draws one mouth shape per
name, so the server never sends anything outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VISEMES = ("rest", "A", "E", "I", "O", "U", "M", "F", "L", "S", "R")
"""rest closed, A open wide, E spread, I narrow spread, O round, U small round, M closed lips (b/p/m),
F lip on teeth (f/v), L tongue (l/n/d/t), S teeth (s/z/c/zh/ch/sh/j/q/x), R (r/er)."""

VOWELS = frozenset({"A", "E", "I", "O", "U", "R"})
CONSONANTS = frozenset({"M", "F", "L", "S"})


@dataclass(frozen=True)
class Unit:
    """One thing that is spoken as a whole: a Chinese character (one syllable) or an English word.

    `visemes` are the mouth shapes in order; `syllables` says how much time the unit needs relative
    to others when no engine timing is known (a Chinese character is one syllable).
    """

    text: str
    visemes: tuple[str, ...]
    syllables: int = 1


@dataclass(frozen=True)
class Cue:
    """From `t_ms` on, show viseme `v` with strength `w` (0..1) until the next cue."""

    t_ms: int
    v: str
    w: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t_ms, "v": self.v, "w": round(self.w, 2)}

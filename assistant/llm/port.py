"""What the conversation needs from the optional LLM, free of LangChain imports (it is an extra)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Rephrased:
    text: str  # what the customer hears
    used_llm: bool  # False: the grounded text (see reason)
    reason: str  # "ok", or why the grounded text was kept
    raw: str = ""  # the model's output before checking ("" when it was not asked or failed)


class Rephraser(Protocol):
    async def rephrase(self, grounded: str, question: str, sources: Sequence[str], language: str) -> Rephrased:
        """The grounded text reworded when that is safe, else the grounded text itself; never raises."""
        ...

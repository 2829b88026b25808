"""Grounded rephrasing: an LLM may make an approved answer sound natural, never change what it says.

The flow for one answer: skip while the LLM is cooling down after a failure -> refuse text that carries
personal data -> mask personal data in the customer's question -> ask the model (LangChain chat model,
one call, a hard timeout) -> check the output against the grounded text and its sources -> the
rephrasing, or the grounded text with the reason. Nothing here raises: an LLM that is down, slow or
wrong only ever costs the customer the nicer wording.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from assistant.llm.config import LlmOptions
from assistant.llm.facts import FactChecker
from assistant.llm.port import Rephrased
from integrations.pii import mask_text

log = logging.getLogger(__name__)

PROMPTS_FILE = Path(__file__).parent / "prompts.yaml"
MAX_SOURCE_CHARS = 1200
_QUOTES = "\"'“”‘’「」『』"


@lru_cache(maxsize=1)
def _prompts() -> dict[str, Any]:
    data = yaml.safe_load(PROMPTS_FILE.read_text(encoding="utf-8"))
    return dict(data)


def _clean(raw: str, question: str) -> str:
    """The model's answer as plain spoken text: one paragraph, no wrapping quotes, label or echo of the
    question (small models like to start by repeating it)."""
    text = re.sub(r"\s+", " ", raw).strip()
    text = re.sub(r"^(rewritten answer|answer|回答|答复)\s*[:：]\s*", "", text, flags=re.IGNORECASE)
    asked = question.strip()
    if asked and text.startswith(asked) and len(text) > len(asked):
        text = text[len(asked) :]
    return text.strip(_QUOTES + " ")


class GroundedRephraser:
    """Rephrases grounded answers with a LangChain chat model; falls back to the grounded text."""

    def __init__(
        self,
        model: BaseChatModel,
        options: LlmOptions | None = None,
        checker: FactChecker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or LlmOptions()
        self.checker = checker or FactChecker.with_bank_names()
        prompts = _prompts()["rephrase"]
        template = ChatPromptTemplate.from_messages([("system", prompts["system"]), ("human", prompts["user"])])
        self._chain = template | model | StrOutputParser()
        self._clock = clock
        self._down_until = 0.0
        self.last_error = ""

    def status(self) -> dict[str, Any]:
        """For health pages: 'ok', or 'degraded' while cooling down after a failure (grounded text only)."""
        degraded = self._clock() < self._down_until
        return {"state": "degraded" if degraded else "ok", "last_error": self.last_error}

    async def rephrase(self, grounded: str, question: str, sources: Sequence[str], language: str) -> Rephrased:
        if not grounded.strip():
            return Rephrased(grounded, False, "empty")
        if self._clock() < self._down_until:
            return Rephrased(grounded, False, "llm_cooling_down")
        if any(mask_text(t) != t for t in (grounded, *sources)):
            return Rephrased(grounded, False, "personal_data")  # never sent out; nothing to unmask later
        lang = "en" if language == "en" else "zh"
        values = {
            "question": mask_text(question)[:500],
            "grounded": grounded,
            "sources": "\n".join(f"- {s}" for s in sources if s)[:MAX_SOURCE_CHARS] or "-",
            "language_name": _prompts()["language_names"][lang],
        }
        try:
            raw = await asyncio.wait_for(self._chain.ainvoke(values), timeout=self.options.timeout_s)
        except TimeoutError:
            return self._failed(grounded, "timeout")
        except Exception as exc:  # any client, HTTP or model error: the customer still gets the grounded text
            return self._failed(grounded, f"llm_error:{type(exc).__name__}")
        candidate = _clean(str(raw), values["question"])
        verdict = self.checker.check(candidate, grounded, sources, lang)
        if not verdict.ok:
            log.info("llm rephrasing rejected: %s", verdict.reason)
            return Rephrased(grounded, False, f"rejected:{verdict.reason}", raw=str(raw))
        return Rephrased(candidate, True, "ok", raw=str(raw))

    def _failed(self, grounded: str, reason: str) -> Rephrased:
        self._down_until = self._clock() + self.options.cooldown_s
        self.last_error = reason
        log.warning("llm unavailable (%s); grounded answers only for %.0f s", reason, self.options.cooldown_s)
        return Rephrased(grounded, False, reason)

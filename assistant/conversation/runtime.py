"""Builds the conversation service of one process from its settings and stores.

The understander (rules, and the recogniser trained on exemplars and labelled real questions) is built
once per process and shared: the row embeddings and the fitted recogniser are cached on disk, keyed by
a digest of the data, so a restart takes milliseconds and a data change retrains once.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.conversation.citations import DocumentCitations
from assistant.conversation.handoffs import HandoffDesk
from assistant.conversation.journeys import JourneyDriver
from assistant.conversation.service import ConversationService
from assistant.journeys import JourneyEngine
from assistant.journeys.bank_adapter import bank_port
from assistant.nlu.slots import extract_slots
from assistant.nlu.training import build_understander
from assistant.nlu.understanding import Understander
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import SessionStore
from integrations.bundle import BankClients
from knowledge.base import KnowledgeBase
from knowledge.models import Answer

_ENGINE_LOCK = threading.Lock()
_ENGINE: list[Understander] = []


def understander_dir(settings: Settings) -> Path:
    """Where the fitted understander and its row embeddings are kept: with the prepared models (built by
    `lobby models prepare`, shared by every var/ dir that uses those models), keyed by the data's digest."""
    return (settings.effective_models_dir / "nlu").resolve()


def understander(cache_dir: Path) -> Understander:
    """The process's understander over the shipped data: built on first use (embeddings and the fitted
    recogniser are read from or written to `cache_dir`), then shared by every app in the process."""
    with _ENGINE_LOCK:
        if not _ENGINE:
            _ENGINE.append(build_understander(cache_dir))
        return _ENGINE[0]


class ReadyKnowledge:
    """The knowledge base when it is built; an abstention while it is still being built at start-up."""

    def __init__(self, service: Any) -> None:
        self._service = service

    def kb(self) -> KnowledgeBase | None:
        """The knowledge base once it is built, else None."""
        return self._service.kb if self._service.state == "ready" else None

    def answer(self, question: str, audience: str = "customer", as_of: Any = None) -> Answer:
        kb = self.kb()
        if kb is None:
            return Answer(question=question, answer="", citations=[], confidence=0.0, abstained=True)
        return kb.answer(question, audience, as_of)

    def answer_within(self, question: str, doc_ids: list[str], audience: str = "customer") -> Answer:
        kb = self.kb()
        if kb is None:
            return Answer(question=question, answer="", citations=[], confidence=0.0, abstained=True)
        return kb.answer_within(question, doc_ids, audience)


def build_conversation(
    settings: Settings, sessions: SessionStore, handoffs: HandoffStore, knowledge_service: Any, bank: BankClients
) -> ConversationService:
    engine = understander(understander_dir(settings))
    ready_kb = ReadyKnowledge(knowledge_service)
    citations = DocumentCitations(ready_kb.kb, settings.knowledge)
    journeys = JourneyDriver(JourneyEngine(bank_port(bank), extractor=extract_slots), citations)
    service = ConversationService(
        sessions=sessions,
        handoffs=HandoffDesk(handoffs, sessions),
        understanding=engine,
        extract_slots=extract_slots,
        knowledge=ready_kb,
        journeys=journeys,
        idle_timeout_s=settings.session_idle_s,
    )
    if settings.llm.enabled:  # LangChain is imported only where the LLM is on
        from assistant.llm.factory import build_rephraser

        service.rephraser = build_rephraser(settings.llm, settings.effective_models_dir)
    return service

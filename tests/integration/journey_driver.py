"""Drive a journey through the real sandbox bank the way the conversation would.

Every turn round-trips the state through JSON text, so the tests also prove a journey resumes from
its serialised state (as it would after a restart or on another process).
"""

from __future__ import annotations

import json
from typing import Any

from assistant.journeys import AdvanceResult, JourneyEngine

CARD_READ = "id_card_read"


class Driver:
    def __init__(self, engine: JourneyEngine, session_id: str = "sess-test") -> None:
        self.engine = engine
        self.session_id = session_id
        self.state: str = ""
        self.results: list[AdvanceResult] = []

    @property
    def last(self) -> AdvanceResult:
        return self.results[-1]

    async def start(self, journey: str, slots: dict[str, Any] | None = None, **context: Any) -> AdvanceResult:
        ctx = {"session_id": self.session_id, **context}
        result = await self.engine.start(journey, ctx, slots=slots)
        return self._keep(result)

    async def send(self, text: str | None = None, **kw: Any) -> AdvanceResult:
        state = json.loads(self.state)
        result = await self.engine.advance(state, {"text": text, **kw} if text is not None else kw)
        return self._keep(result)

    async def card(self, id_number: str, document: str = "id_card") -> AdvanceResult:
        return await self.send(
            action="event", event={"type": CARD_READ, "data": {"id_number": id_number, "document": document}}
        )

    async def qr(self, token: str) -> AdvanceResult:
        return await self.send(action="event", event={"type": "qr_scanned", "data": {"qr_token": token}})

    def _keep(self, result: AdvanceResult) -> AdvanceResult:
        self.state = json.dumps(result.state, ensure_ascii=False)
        self.results.append(result)
        return result

    @property
    def status(self) -> str:
        return self.last.journey.status

    @property
    def awaiting(self) -> dict[str, Any]:
        return self.last.awaiting or {}

    def calls(self, operation: str) -> list[Any]:
        return [c for r in self.results for c in r.calls if c.operation == operation]

    def said(self) -> str:
        return " / ".join(r.text("zh") for r in self.results)

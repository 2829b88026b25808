"""Knowledge over HTTP: `GET /api/v1/knowledge/search` and `POST /api/v1/knowledge/ask`.

The audience comes from the caller's role: a kiosk reads customer documents only; tellers, experts and
supervisors also read staff documents (`caller_audience`).
Also owns the start-up of the default knowledge base (`KnowledgeService`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from assistant.auth import Principal, require
from assistant.config import Settings
from assistant.logging import get_logger
from knowledge.base import KnowledgeBase, KnowledgeBaseMissing
from knowledge.ingest import IngestCancelled

log = get_logger("lobby.knowledge")
router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"])

Audience = Literal["customer", "staff"]


class KnowledgeService:
    """The default knowledge base of the app, built in the background at start-up when missing,
    so the server answers out of the box without delaying start-up."""

    def __init__(self, settings: Settings) -> None:
        self.kb = KnowledgeBase(settings.var_dir, settings.knowledge)
        self.auto_ingest = settings.knowledge.auto_ingest
        self.state = "ready" if self.kb.exists() else "missing"
        self.error: str | None = None
        self._cancel = threading.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.state == "missing" and self.auto_ingest:
            self.state = "building"
            self._task = asyncio.get_running_loop().create_task(self._build())
        elif self.state == "ready":
            self._task = asyncio.get_running_loop().create_task(self._warm_up())

    async def _warm_up(self) -> None:
        try:
            await asyncio.to_thread(self.kb.warm_up)
        except Exception as exc:  # a damaged index shows in readiness, not as a crash at start-up
            self.state, self.error = "failed", str(exc)
            log.error("knowledge_load_failed", kb=self.kb.name, error=str(exc))

    async def _build(self) -> None:
        started = time.perf_counter()
        try:
            report = await asyncio.to_thread(self.kb.ingest, None, False, False, self._cancel)
            await asyncio.to_thread(self.kb.warm_up)
            self.state = "ready"
            log.info(
                "knowledge_built",
                kb=self.kb.name,
                chunks=report.chunks,
                seconds=report.seconds,
                errors=sum(1 for i in report.issues if i.severity == "error"),
            )
        except IngestCancelled:
            self.state = "missing"
        except Exception as exc:  # a broken content folder must not take the app down: readiness says why
            self.state, self.error = "failed", str(exc)
            log.error(
                "knowledge_build_failed",
                kb=self.kb.name,
                error=str(exc),
                seconds=round(time.perf_counter() - started, 2),
            )

    async def wait_ready(self) -> bool:
        """Wait for a start-up build (tests and warm-up use this; callers add their own timeout)."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.state == "ready"

    async def stop(self) -> None:
        self._cancel.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def readiness(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": self.state == "ready", "state": self.state, "kb": self.kb.name}
        if self.error:
            data["error"] = self.error
        return data


def caller_audience(
    principal: Annotated[Principal, Depends(require("kiosk", "teller", "expert", "supervisor"))],
) -> Audience:
    """Who is asking: customers at a kiosk never see staff-only documents."""
    return principal.audience


def _service(request: Request) -> KnowledgeService:
    service: KnowledgeService = request.app.state.knowledge
    return service


KnowledgeDep = Annotated[KnowledgeService, Depends(_service)]
AudienceDep = Annotated[Audience, Depends(caller_audience)]


def _ready_kb(service: KnowledgeService) -> KnowledgeBase:
    if service.state != "ready" and not service.kb.exists():
        detail = (
            "knowledge base is being built, retry shortly"
            if service.state == "building"
            else (f"knowledge base '{service.kb.name}' is not built: run `lobby kb ingest`")
        )
        raise HTTPException(status_code=503, detail=detail, headers={"Retry-After": "5"})
    return service.kb


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=500, description="The question, Chinese or English.")


@router.get("/search", summary="Hybrid search with citations")
async def search(
    service: KnowledgeDep,
    audience: AudienceDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Query text.")],
    k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> dict[str, Any]:
    kb = _ready_kb(service)
    try:
        response = await run_in_threadpool(kb.search, q, k, audience)
    except KnowledgeBaseMissing as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    data = response.to_dict()
    data["audience"] = audience
    return data


@router.post("/ask", summary="A short grounded answer with citations, or an abstention")
async def ask(service: KnowledgeDep, audience: AudienceDep, body: AskRequest) -> dict[str, Any]:
    kb = _ready_kb(service)
    try:
        answer = await run_in_threadpool(kb.answer, body.question, audience)
    except KnowledgeBaseMissing as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from None
    return answer.to_dict()

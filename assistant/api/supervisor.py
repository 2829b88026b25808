"""The supervisor console's API (`/api/v1/supervisor/...`): review sessions, unmask with a reason, annotate,
export and read the dashboard. Role supervisor (admin passes every role check).

Unmasking, exporting and searching by words (`q`) are audited before the data leaves: if the audit record cannot
be written, nothing is returned. A search matches the masked text only (`assistant.supervision.queries`); its
audit record still shows a run of probing queries for what is behind a mask.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from assistant.audit import AuditLog
from assistant.auth import Principal, require
from assistant.store.sessions import SessionNotFound
from assistant.supervision import SessionFilter, SupervisionStore
from assistant.supervision.annotations import AnnotationNotFound, NotYourAnnotation, TurnNotFound
from assistant.supervision.dashboard import build_dashboard
from assistant.supervision.export import MEDIA_TYPES, lines
from assistant.supervision.filters import PersonalDataSearch
from assistant.supervision.queries import FieldNotFound
from assistant.supervision.schemas import (
    Annotation,
    AnnotationIn,
    Dashboard,
    Facets,
    SessionDetail,
    SessionPage,
    Unmasked,
    UnmaskIn,
)

router = APIRouter(prefix="/api/v1/supervisor", tags=["supervisor"])
Supervisor = Annotated[Principal, Depends(require("supervisor"))]


def _filters(filters: Annotated[SessionFilter, Query()]) -> SessionFilter:
    try:
        filters.check_search()
    except PersonalDataSearch as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return filters


Filters = Annotated[SessionFilter, Depends(_filters)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "unknown session, turn or annotation"}}


def _store(request: Request) -> SupervisionStore:
    store: SupervisionStore | None = getattr(request.app.state, "supervision", None)
    if store is None:
        db = getattr(request.app.state, "db", None)
        if db is None:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the store is still starting")
        store = request.app.state.supervision = SupervisionStore(db)
    return store


StoreDep = Annotated[SupervisionStore, Depends(_store)]


def _audit(request: Request) -> AuditLog:
    audit: AuditLog | None = getattr(request.app.state, "audit", None)
    if audit is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the audit log is not available")
    return audit


async def _audit_search(who: Principal, request: Request, filters: SessionFilter, view: str, found: int) -> None:
    if filters.q:
        details = {"view": view, "filters": filters.describe(), "sessions": found}
        await _audit(request).arecord(who.subject, who.role, "search", None, details)


@contextmanager
def _as_http_errors() -> Iterator[None]:
    try:
        yield
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {exc.args[0]} not found") from None
    except (TurnNotFound, FieldNotFound, AnnotationNotFound) as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc.args[0])) from None
    except NotYourAnnotation:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the author or an admin may delete an annotation") from None


@router.get("/sessions", response_model=SessionPage)
async def list_sessions(
    who: Supervisor,
    filters: Filters,
    request: Request,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SessionPage:
    """Sessions matching the filters, newest first (masked previews, outcome, risk flags, handoff); `q` searches
    the masked transcript and is audited."""
    page = await asyncio.to_thread(store.page, filters, limit, offset)
    await _audit_search(who, request, filters, "sessions", page.total)
    return page


@router.get("/facets", response_model=Facets)
async def facets(_who: Supervisor, store: StoreDep) -> Facets:
    """The values the filters offer: branches, channels, languages, intents, outcomes, risk flags."""
    return await asyncio.to_thread(store.facets)


@router.get("/sessions/{session_id}", response_model=SessionDetail, responses=NOT_FOUND)
async def session_detail(_who: Supervisor, session_id: str, store: StoreDep) -> SessionDetail:
    """One session: the masked transcript with annotations, the risk timeline, findings and handoffs."""
    with _as_http_errors():
        return await asyncio.to_thread(store.detail, session_id)


@router.post("/sessions/{session_id}/unmask", response_model=Unmasked, responses=NOT_FOUND)
async def unmask(who: Supervisor, session_id: str, body: UnmaskIn, request: Request, store: StoreDep) -> Unmasked:
    """The raw value behind one mask (a turn's text or one customer field); needs a reason, is audited."""
    reason = body.reason.strip()
    if len(reason) < 4:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give a reason for unmasking")
    audit = _audit(request)
    with _as_http_errors():
        value = await asyncio.to_thread(store.raw_value, session_id, body.field, body.turn_seq)
    details = {"session_id": session_id, "turn_seq": body.turn_seq, "field": body.field, "reason": reason}
    await audit.arecord(who.subject, who.role, "unmask", session_id, details)
    return Unmasked(session_id=session_id, turn_seq=body.turn_seq, field=body.field, value=value)


@router.post(
    "/sessions/{session_id}/annotations",
    response_model=Annotation,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
async def annotate(who: Supervisor, session_id: str, body: AnnotationIn, store: StoreDep) -> Annotation:
    """A note, a label and/or a quality score (1-5) on one turn."""
    if not (body.note.strip() or body.label or body.quality):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "an annotation needs a note, a label or a score")
    with _as_http_errors():
        return await asyncio.to_thread(store.annotations.add, session_id, who.subject, body)


@router.delete("/annotations/{annotation_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_annotation(who: Supervisor, annotation_id: int, store: StoreDep) -> Response:
    """Remove one's own annotation (admins may remove any)."""
    with _as_http_errors():
        await asyncio.to_thread(store.annotations.delete, annotation_id, who.subject, who.role == "admin")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/export", responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}})
async def export(
    who: Supervisor,
    filters: Filters,
    request: Request,
    store: StoreDep,
    format: Annotated[Literal["csv", "jsonl"], Query()] = "jsonl",
) -> StreamingResponse:
    """The filtered sessions as CSV (a row per turn) or JSONL (a session per line), masked; audited."""
    audit = _audit(request)
    summaries, truncated = await asyncio.to_thread(store.summaries, filters)
    details = {"format": format, "filters": filters.describe(), "sessions": len(summaries), "truncated": truncated}
    await audit.arecord(who.subject, who.role, "export", None, details)
    by_id = {s.session_id: s for s in summaries}
    names = await asyncio.to_thread(store.export_names, list(by_id))
    body = lines(format, by_id, store.export_turns(list(by_id)), names)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"lobby-sessions-{stamp}.{format}"
    return StreamingResponse(
        body, media_type=MEDIA_TYPES[format], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/dashboard", response_model=Dashboard)
async def dashboard(who: Supervisor, filters: Filters, request: Request, store: StoreDep) -> Dashboard:
    """Aggregates over the filtered sessions: volume by hour, intents, containment, waits, abstentions, risk."""

    def build() -> Dashboard:
        summaries, truncated = store.summaries(filters)
        ids = [s.session_id for s in summaries]
        return build_dashboard(
            summaries, store.handoffs(ids), store.findings_by_severity(ids), filters.tz, truncated=truncated
        )

    board = await asyncio.to_thread(build)
    await _audit_search(who, request, filters, "dashboard", board.sessions)
    return board

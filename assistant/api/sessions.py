"""Sessions and turns: the customer conversation over HTTP (`/api/v1/sessions`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from assistant.conversation.guard import InputRejected
from assistant.conversation.schemas import EventIn, SessionCreate, SessionCreated, SessionView, TurnIn, TurnOut
from assistant.conversation.service import ConversationService, SessionEnded
from assistant.store.sessions import SessionNotFound, StaleSession

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])


def _conversation(request: Request) -> ConversationService:
    service: ConversationService | None = getattr(request.app.state, "conversation", None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the conversation is still starting")
    return service


ConversationDep = Annotated[ConversationService, Depends(_conversation)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "unknown or ended session (the detail says which)"}}


@contextmanager
def _as_http_errors() -> Iterator[None]:
    """Map the conversation's errors to HTTP: bad input 422, unknown or ended session 404 with a reason."""
    try:
        yield
    except InputRejected as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    except SessionEnded as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {exc.args[0]} has ended") from None
    except SessionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {exc.args[0]} not found") from None
    except StaleSession as exc:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"session {exc.args[0]} changed in another process; send the turn again"
        ) from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def create_session(body: SessionCreate, conversation: ConversationDep) -> SessionCreated:
    """Start a visit (kiosk) or a counter conversation (teller); the reply is the greeting."""
    return await conversation.create_session(body)


@router.post("/{session_id}/turns", response_model=TurnOut, responses=NOT_FOUND)
async def post_turn(session_id: str, body: TurnIn, conversation: ConversationDep) -> TurnOut:
    """One customer utterance (typed, spoken or tapped) -> the assistant's reply."""
    with _as_http_errors():
        return await conversation.turn(session_id, body)


@router.post("/{session_id}/events", response_model=TurnOut, responses=NOT_FOUND)
async def post_event(session_id: str, body: EventIn, conversation: ConversationDep) -> TurnOut:
    """A device or screen event (ID card read, QR scanned, booking code, touch) -> the reply."""
    with _as_http_errors():
        return await conversation.event(session_id, body)


@router.get("/{session_id}", response_model=SessionView, responses=NOT_FOUND)
async def get_session(session_id: str, conversation: ConversationDep) -> SessionView:
    """State and transcript, personal data masked."""
    with _as_http_errors():
        return await conversation.view(session_id)


@router.post("/{session_id}/end", response_model=SessionView, responses=NOT_FOUND)
async def end_session(session_id: str, conversation: ConversationDep) -> SessionView:
    """End the visit explicitly (the kiosk also ends it when the customer walks away)."""
    with _as_http_errors():
        return await conversation.end(session_id)

"""Sessions and turns: the customer conversation over HTTP (`/api/v1/sessions`).

Kiosks and tellers hold conversations; experts and supervisors may also read them. A kiosk only ever
sees the sessions it started: its device and branch come from its token, never from the request body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from assistant.auth import Principal, require
from assistant.conversation.guard import InputRejected
from assistant.conversation.schemas import EventIn, SessionCreate, SessionCreated, SessionView, TurnIn, TurnOut
from assistant.conversation.service import ConversationService, SessionEnded
from assistant.store.sessions import SessionNotFound, SessionStore, StaleSession

P = ParamSpec("P")
T = TypeVar("T")
router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])


def _conversation(request: Request) -> ConversationService:
    service: ConversationService | None = getattr(request.app.state, "conversation", None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the conversation is still starting")
    return service


ConversationDep = Annotated[ConversationService, Depends(_conversation)]
Converser = Annotated[Principal, Depends(require("kiosk", "teller"))]
Reader = Annotated[Principal, Depends(require("kiosk", "teller", "expert", "supervisor"))]
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


async def _check_owner(request: Request, session_id: str, principal: Principal) -> None:
    """A kiosk may only touch its own sessions; another's answers 404, as if it did not exist."""
    if principal.kind != "device":
        return
    store: SessionStore = request.app.state.sessions
    with _as_http_errors():
        row = await run_in_threadpool(store.get, session_id)
    if row.device_id != principal.device_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"session {session_id} not found")


async def _on_own_session(
    request: Request,
    principal: Principal,
    action: Callable[Concatenate[str, P], Awaitable[T]],
    session_id: str,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`action(session_id, ...)` once the owner check passes, the conversation's errors mapped to HTTP."""
    await _check_owner(request, session_id, principal)
    with _as_http_errors():
        return await action(session_id, *args, **kwargs)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def create_session(body: SessionCreate, conversation: ConversationDep, principal: Converser) -> SessionCreated:
    """Start a visit (kiosk) or a counter conversation (teller); the reply is the greeting."""
    if principal.kind == "device":
        branch = principal.branch_id or body.branch_id
        body = body.model_copy(update={"device_id": principal.device_id, "branch_id": branch})
    return await conversation.create_session(body)


@router.post("/{session_id}/turns", response_model=TurnOut, responses=NOT_FOUND)
async def post_turn(
    request: Request, session_id: str, body: TurnIn, conversation: ConversationDep, principal: Converser
) -> TurnOut:
    """One customer utterance (typed, spoken or tapped) -> the assistant's reply."""
    return await _on_own_session(request, principal, conversation.turn, session_id, body)


@router.post("/{session_id}/events", response_model=TurnOut, responses=NOT_FOUND)
async def post_event(
    request: Request, session_id: str, body: EventIn, conversation: ConversationDep, principal: Converser
) -> TurnOut:
    """A device or screen event (ID card read, QR scanned, booking code, touch) -> the reply."""
    return await _on_own_session(request, principal, conversation.event, session_id, body)


@router.get("/{session_id}", response_model=SessionView, responses=NOT_FOUND)
async def get_session(
    request: Request, session_id: str, conversation: ConversationDep, principal: Reader
) -> SessionView:
    """State and transcript, personal data masked."""
    return await _on_own_session(request, principal, conversation.view, session_id)


@router.post("/{session_id}/end", response_model=SessionView, responses=NOT_FOUND)
async def end_session(
    request: Request, session_id: str, conversation: ConversationDep, principal: Converser
) -> SessionView:
    """End the visit explicitly (the kiosk also ends it when the customer walks away)."""
    return await _on_own_session(request, principal, conversation.end, session_id)

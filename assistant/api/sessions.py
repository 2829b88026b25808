"""Sessions and turns: the customer conversation over HTTP (`/api/v1/sessions`).

Kiosks and tellers hold conversations; experts and supervisors may also read them. Each caller reaches
only the sessions its work needs (`assistant.api.scope`): a kiosk the sessions it started (its device and
branch come from its token, never from the request body), a teller its own counter conversations, an
expert the sessions of the handoffs it holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from assistant.api import scope
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
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    403: {"description": "a session the caller does not serve (audited)"},
    404: {"description": "unknown or ended session (the detail says which)"},
}


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


async def _check_scope(request: Request, session_id: str, principal: Principal, converse: bool) -> None:
    """The caller may touch this session (`assistant.api.scope`): a kiosk its own, a teller its counter
    sessions, staff what they serve; refusals are audited."""
    store: SessionStore = request.app.state.sessions
    with _as_http_errors():
        row = await run_in_threadpool(store.get, session_id)
    await scope.check_session(request, principal, row, converse=converse)


async def _on_session(
    request: Request,
    principal: Principal,
    converse: bool,
    action: Callable[Concatenate[str, P], Awaitable[T]],
    session_id: str,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`action(session_id, ...)` once the scope check passes (to speak in the session when `converse`,
    else to read it), the conversation's errors mapped to HTTP."""
    await _check_scope(request, session_id, principal, converse)
    with _as_http_errors():
        return await action(session_id, *args, **kwargs)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionCreated)
async def create_session(body: SessionCreate, conversation: ConversationDep, principal: Converser) -> SessionCreated:
    """Start a visit (kiosk) or a counter conversation (teller); the reply is the greeting. The channel
    follows the caller: a teller's session is a counter conversation only it may speak in."""
    if principal.kind == "device":
        branch = principal.branch_id or body.branch_id
        body = body.model_copy(update={"channel": "kiosk", "device_id": principal.device_id, "branch_id": branch})
        return await conversation.create_session(body)
    if principal.role == "teller":
        body = body.model_copy(update={"channel": "teller", "device_id": None})
    return await conversation.create_session(body, opened_by=principal.subject)


@router.post("/{session_id}/turns", response_model=TurnOut, responses=NOT_FOUND)
async def post_turn(
    request: Request, session_id: str, body: TurnIn, conversation: ConversationDep, principal: Converser
) -> TurnOut:
    """One customer utterance (typed, spoken or tapped) -> the assistant's reply."""
    return await _on_session(request, principal, True, conversation.turn, session_id, body)


@router.post("/{session_id}/events", response_model=TurnOut, responses=NOT_FOUND)
async def post_event(
    request: Request, session_id: str, body: EventIn, conversation: ConversationDep, principal: Converser
) -> TurnOut:
    """A device or screen event (ID card read, QR scanned, booking code, touch) -> the reply."""
    return await _on_session(request, principal, True, conversation.event, session_id, body)


@router.get("/{session_id}", response_model=SessionView, responses=NOT_FOUND)
async def get_session(
    request: Request, session_id: str, conversation: ConversationDep, principal: Reader
) -> SessionView:
    """State and transcript, personal data masked."""
    return await _on_session(request, principal, False, conversation.view, session_id)


@router.post("/{session_id}/end", response_model=SessionView, responses=NOT_FOUND)
async def end_session(
    request: Request, session_id: str, conversation: ConversationDep, principal: Converser
) -> SessionView:
    """End the visit explicitly (the kiosk also ends it when the customer walks away)."""
    return await _on_session(request, principal, True, conversation.end, session_id)

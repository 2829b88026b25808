"""Open WebSockets and the credentials they were opened with, so that withdrawing one closes them.

A WebSocket is authenticated once, at the handshake; nothing on the open socket asks again. Without
this, a revoked kiosk would keep its session line and a signed-out or disabled member of staff would keep
receiving handoffs and customer messages for as long as the socket stays open, on whichever replica
holds it. So every socket runs under `LiveSockets.hold`:

- a withdrawal heard on the bus (`assistant.events.withdrawals`, published by the replica or the CLI
  that made it) closes the matching sockets on every replica at once, with 4401, and drops the
  replica's cached answers for that credential so a reconnect is refused too;
- every `recheck_s` each socket's credentials are checked again, which catches what the bus could not
  carry: Redis down at that moment, the CLI beside an in-process bus, a token that simply expired.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import HTTPException, WebSocket
from prometheus_client import Counter

from assistant.auth import Principal, authenticate
from assistant.auth.guard import SESSION_COOKIE
from assistant.auth.service import Authenticator
from assistant.auth.tokens import InvalidToken, TokenKind, is_device_token
from assistant.events import EventBus, Subscription
from assistant.events import withdrawals as w
from assistant.logging import get_logger

log = get_logger("lobby.live_sockets")

CLOSE_CODE = 4401  # as at the handshake: the credentials are no longer good
RECHECK_S = 30.0
CLEANUP_WAIT_S = 5.0
SOCKETS_WITHDRAWN = Counter(
    "lobby_sockets_withdrawn_total", "Open WebSockets closed because their credentials were withdrawn", ["via"]
)  # via: bus | recheck


@dataclass(frozen=True)
class Credential:
    """What a socket was opened with: a kiosk device, or a member of staff and the token's id."""

    device_id: str | None = None
    username: str | None = None
    jti: str | None = None

    def withdrawn_by(self, message: dict[str, Any]) -> bool:
        kind = message.get("type")
        if kind == w.DEVICE_REVOKED:
            return self.device_id is not None and message.get("device_id") == self.device_id
        if kind == w.USER_DISABLED:
            return self.username is not None and message.get("username") == self.username
        if kind == w.TOKEN_REVOKED:
            return self.jti is not None and message.get("jti") == self.jti
        return False


def credential_of(websocket: WebSocket, principal: Principal, auth: Authenticator) -> Credential:
    """The credential behind an accepted socket (the guard already checked it; this only names it)."""
    if not principal.is_staff:
        return Credential(device_id=principal.device_id or principal.subject)
    scheme, _, bearer = websocket.headers.get("authorization", "").partition(" ")
    kind: TokenKind = "access" if scheme.lower() == "bearer" else "session"
    token = bearer.strip() if kind == "access" else websocket.cookies.get(SESSION_COOKIE)
    jti = None
    if token and not is_device_token(token):
        with contextlib.suppress(InvalidToken):
            jti = auth.tokens.decode(token, kind).jti
    return Credential(username=principal.subject, jti=jti)


@dataclass(eq=False)
class _Held:
    websocket: WebSocket
    credential: Credential
    task: asyncio.Task[None]
    reason: str | None = field(default=None)


class LiveSockets:
    """The open sockets of this replica; `start` listens for withdrawals, `stop` ends that."""

    def __init__(self, events: EventBus, auth: Authenticator, recheck_s: float = RECHECK_S) -> None:
        self.events = events
        self.auth = auth
        self.recheck_s = recheck_s
        self._held: set[_Held] = set()
        self._sub: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def __len__(self) -> int:
        return len(self._held)

    async def start(self) -> None:
        self._sub = await self.events.subscribe(w.CHANNEL)
        self._tasks = [
            asyncio.create_task(self._listen(self._sub), name="live-sockets-bus"),
            asyncio.create_task(self._recheck_forever(), name="live-sockets-recheck"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._sub is not None:
            await self.events.unsubscribe(self._sub)

    async def hold(self, websocket: WebSocket, credential: Credential, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` (the socket's loop) until it ends, or until the credential is withdrawn: then it is
        cancelled (its own clean-up runs) and the socket closes with 4401."""
        held = _Held(websocket, credential, asyncio.create_task(work, name="live-socket"))
        self._held.add(held)
        try:
            await asyncio.wait({held.task})
        except asyncio.CancelledError:  # the server is stopping: the work stops with it
            held.task.cancel()
            raise
        finally:
            self._held.discard(held)
        if held.reason is None:
            held.task.result()  # re-raise what the work raised, as if it had run here
            return
        with contextlib.suppress(Exception):  # the peer may be gone already
            await websocket.close(code=CLOSE_CODE, reason=held.reason)

    def withdraw(self, held: _Held, reason: str, via: str) -> None:
        if held.reason is not None or held.task.done():
            return
        held.reason = reason
        held.task.cancel()
        SOCKETS_WITHDRAWN.labels(via).inc()
        log.info("socket_withdrawn", reason=reason, via=via, **_describe(held.credential))

    async def _listen(self, sub: Subscription) -> None:
        async for message in sub:
            self._forget(message)
            for held in list(self._held):
                if held.credential.withdrawn_by(message):
                    self.withdraw(held, _REASONS.get(str(message.get("type")), "credentials withdrawn"), "bus")

    def _forget(self, message: dict[str, Any]) -> None:
        """Drop this replica's cached answers, so a reconnect with the withdrawn credential is refused."""
        if message.get("type") == w.TOKEN_REVOKED and isinstance(message.get("jti"), str):
            self.auth.revoked_elsewhere(message["jti"])
        self.auth.forget_cached()

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_s)
            await self.recheck()

    async def recheck(self) -> None:
        """Authenticate every open socket again; close those whose credentials no longer pass."""
        for held in list(self._held):
            try:
                await authenticate(held.websocket)
            except HTTPException as exc:
                if exc.status_code in (401, 403):
                    self.withdraw(held, str(exc.detail)[:120], "recheck")
            except Exception as exc:  # the store may be away: never close sockets for our own trouble
                log.warning("socket_recheck_failed", error=str(exc))
                return


_REASONS = {
    w.DEVICE_REVOKED: "device revoked",
    w.USER_DISABLED: "account disabled",
    w.TOKEN_REVOKED: "token revoked",
}


def _describe(credential: Credential) -> dict[str, str]:
    return {k: v for k, v in (("device_id", credential.device_id), ("username", credential.username)) if v}

"""`require(*roles)`: the FastAPI dependency every API route declares.

Credentials, in order: `Authorization: Bearer <token>` (a staff access token or a kiosk device token),
`?token=` on a WebSocket URL (a kiosk device token only: a browser WebSocket cannot set headers), then the console's
`lobby_session` cookie. A cookie is sent by the browser on its own, so requests that change anything must
also echo the `lobby_csrf` cookie in `X-CSRF-Token` (double submit, bound to the session by a hash in
the token), and a WebSocket opened with the cookie must come from our own origin. A staff token revoked
at sign-out gets 401 "token revoked".
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, WebSocketException, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from assistant.auth.principal import ROLES, Principal
from assistant.auth.service import Authenticator
from assistant.auth.tokens import InvalidToken, is_device_token, sha256_hex

SESSION_COOKIE = "lobby_session"
CSRF_COOKIE = "lobby_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WS_CLOSE_CODES = {401: 4401, 403: 4403}  # the HTTP statuses as WebSocket close codes (4000-4999: ours)


def _unauthorized(detail: str = "sign-in required") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def authenticator(conn: HTTPConnection) -> Authenticator:
    auth: Authenticator | None = getattr(conn.app.state, "auth", None)
    if auth is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the service is still starting")
    return auth


async def authenticate(conn: HTTPConnection) -> Principal:
    """The caller of this request or WebSocket; 401 without valid credentials, 403 on a CSRF failure."""
    auth = authenticator(conn)
    header = conn.headers.get("authorization")
    try:
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthorized("use Authorization: Bearer <token>")
            return await _bearer(auth, token.strip())
        query_token = conn.query_params.get("token") if conn.scope["type"] == "websocket" else None
        if query_token:
            if not is_device_token(query_token):  # staff tokens stay out of URLs (and so out of access logs)
                raise _unauthorized("?token= takes a kiosk device token; staff use the cookie or a header")
            return await _bearer(auth, query_token)
        cookie = conn.cookies.get(SESSION_COOKIE)
        if cookie:
            return await _session(auth, conn, cookie)
    except InvalidToken as exc:
        raise _unauthorized(str(exc)) from None
    raise _unauthorized()


async def _bearer(auth: Authenticator, token: str) -> Principal:
    if is_device_token(token):
        cached = auth.cached(token)
        return cached if cached is not None else await run_in_threadpool(auth.resolve_device, token)
    claims = auth.tokens.decode(token, "access")
    cached = auth.cached_claims(claims)
    return cached if cached is not None else await run_in_threadpool(auth.resolve_claims, claims)


async def _session(auth: Authenticator, conn: HTTPConnection, cookie: str) -> Principal:
    claims = auth.tokens.decode(cookie, "session")
    cached = auth.cached_claims(claims)
    principal = cached if cached is not None else await run_in_threadpool(auth.resolve_claims, claims)
    if conn.scope["type"] == "websocket":
        _check_origin(conn)
    elif conn.scope["method"] not in SAFE_METHODS:
        check_csrf(conn, claims.csrf_hash or "")
    return principal


def check_csrf(conn: HTTPConnection, expected_hash: str) -> None:
    """403 unless X-CSRF-Token echoes the CSRF cookie and belongs to the sign-in whose hash is given."""
    sent = conn.headers.get(CSRF_HEADER, "")
    cookie = conn.cookies.get(CSRF_COOKIE, "")
    if not sent or not hmac.compare_digest(sent, cookie) or not hmac.compare_digest(sha256_hex(sent), expected_hash):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "CSRF token missing or wrong: send X-CSRF-Token")


def _check_origin(conn: HTTPConnection) -> None:
    """A browser always sends Origin on a WebSocket; another site's page must not ride our cookie."""
    origin = conn.headers.get("origin")
    if origin and urlsplit(origin).netloc != conn.headers.get("host", ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-origin WebSocket refused")


class RoleGuard:
    """The dependency made by `require`; `roles` stays readable so tests can list each route's roles."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown roles {unknown}; roles are {ROLES}")
        self.roles = frozenset(roles)

    async def __call__(self, conn: HTTPConnection) -> Principal:
        try:
            principal = await authenticate(conn)
            if self.roles and not principal.has_role(*self.roles):
                raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {principal.role!r} may not use this")
        except HTTPException as exc:
            if conn.scope["type"] != "websocket":
                raise
            # A refused WebSocket closes before the handshake with 4401 / 4403 (an HTTP denial response
            # would tell a browser nothing more, and makes uvicorn log an error for every refusal).
            code = WS_CLOSE_CODES.get(exc.status_code, status.WS_1013_TRY_AGAIN_LATER)
            raise WebSocketException(code, str(exc.detail)[:120]) from None
        conn.state.principal = principal
        return principal

    def __repr__(self) -> str:
        return f"require({', '.join(sorted(self.roles))})"


def require(*roles: str) -> RoleGuard:
    """A dependency that lets through callers holding one of `roles` (admin passes every check; no roles
    means any signed-in caller) and returns their Principal: 401 without valid credentials, 403 otherwise."""
    return RoleGuard(roles)

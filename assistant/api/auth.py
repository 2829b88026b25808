"""Staff sign-in over HTTP: `/api/v1/auth/token` (bearer), `/login` and `/logout` (console cookies), `/me`.

Every sign-in, successful or not, and every sign-out goes to the audit log. A wrong username, a wrong
password and a disabled account get the same answer; repeated failures lock the username and the client
address (429, the same for a made-up username; counted on every replica, see `assistant.auth.limiter`). The
client address is the socket peer unless a proxy in LOBBY_TRUSTED_PROXIES forwarded the request. Sign-out
revokes the tokens it is shown (the session cookie's, a bearer access token's), so a copy of either stops
working too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from assistant.audit import AuditLog
from assistant.auth import CSRF_COOKIE, SESSION_COOKIE, Principal, require
from assistant.auth.guard import authenticator, check_csrf
from assistant.auth.passwords import MAX_PASSWORD_LENGTH
from assistant.auth.service import Authenticator, SignInRefused
from assistant.auth.tokens import InvalidToken, TokenClaims, TokenKind, is_device_token
from assistant.auth.users import Account
from assistant.config import Settings
from assistant.events import withdrawals

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password (the same answer for either)"},
    429: {"description": "too many failed sign-ins for this username (real or not) or address; see Retry-After"},
}


class Credentials(BaseModel):
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=MAX_PASSWORD_LENGTH)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    role: str
    expires_in: int = Field(..., description="Seconds until the token expires.")


class Me(BaseModel):
    username: str
    role: str
    display_name: str | None
    skills: list[str]


class SignedIn(Me):
    expires_in: int
    csrf_token: str = Field(..., description="Also in the lobby_csrf cookie; send it as X-CSRF-Token.")


def _audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


AuthDep = Annotated[Authenticator, Depends(authenticator)]
AuditDep = Annotated[AuditLog, Depends(_audit)]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _sign_in(request: Request, auth: Authenticator, audit: AuditLog, body: Credentials, via: str) -> Account:
    ip = _client_ip(request)
    try:
        account = await run_in_threadpool(auth.sign_in, body.username, body.password, ip)
    except SignInRefused as exc:
        details = {"ip": ip, "via": via, "locked": bool(exc.retry_after_s)}
        await audit.arecord(body.username, None, "sign_in_failed", None, details)
        if exc.retry_after_s:
            raise HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": str(exc.retry_after_s)}
            ) from None
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    await audit.arecord(account.username, account.role, "sign_in", None, {"ip": ip, "via": via})
    return account


@router.post("/token", response_model=TokenOut, responses=REFUSED, summary="Sign in for a bearer token")
async def token(request: Request, body: Credentials, auth: AuthDep, audit: AuditDep) -> TokenOut:
    account = await _sign_in(request, auth, audit, body, "token")
    issued = auth.issue_access_token(account)
    return TokenOut(access_token=issued.token, role=account.role, expires_in=issued.expires_in)


@router.post("/login", response_model=SignedIn, responses=REFUSED, summary="Console sign-in (cookies)")
async def login(request: Request, response: Response, body: Credentials, auth: AuthDep, audit: AuditDep) -> SignedIn:
    """Sets the HttpOnly `lobby_session` cookie and the script-readable `lobby_csrf` cookie."""
    account = await _sign_in(request, auth, audit, body, "cookie")
    issued = auth.issue_session(account)
    assert issued.csrf_token is not None
    settings: Settings = request.app.state.settings
    secure = settings.cookie_secure
    common: dict[str, Any] = {"max_age": issued.expires_in, "path": "/", "secure": secure, "samesite": "strict"}
    response.set_cookie(SESSION_COOKIE, issued.token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, issued.csrf_token, httponly=False, **common)
    return SignedIn(
        username=account.username,
        role=account.role,
        display_name=account.display_name,
        skills=list(account.skills),
        expires_in=issued.expires_in,
        csrf_token=issued.csrf_token,
    )


def _claims(auth: Authenticator, token: str | None, kind: TokenKind) -> TokenClaims | None:
    """The claims of a staff token that still decodes; None for no token, a bad or expired one."""
    if not token or is_device_token(token):  # kiosk tokens are revoked with `lobby devices revoke`
        return None
    try:
        return auth.tokens.decode(token, kind)
    except InvalidToken:
        return None


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={403: {"description": "a valid session cookie without its X-CSRF-Token"}},
    summary="Sign-out: revoke the tokens presented, clear the cookies",
)
async def logout(request: Request, auth: AuthDep, audit: AuditDep) -> Response:
    """Revokes the `lobby_session` cookie's token (with its X-CSRF-Token, like every cookie request that
    changes something) and an `Authorization: Bearer` staff access token, then clears the cookies. It needs
    no valid session: an expired or garbled cookie is just cleared."""
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    presented: list[tuple[TokenClaims, str]] = []
    session = _claims(auth, request.cookies.get(SESSION_COOKIE), "session")
    if session is not None:
        check_csrf(request, session.csrf_hash or "")  # 403 before anything is revoked or cleared
        presented.append((session, "cookie"))
    access = _claims(auth, bearer.strip(), "access") if scheme.lower() == "bearer" else None
    if access is not None:
        presented.append((access, "token"))
    for claims, via in presented:
        if await run_in_threadpool(auth.revoke, claims):
            details = {"ip": _client_ip(request), "via": via}
            await audit.arecord(claims.username, claims.role, "sign_out", None, details)
        await withdrawals.publish(request.app.state.events, withdrawals.token_revoked(claims.jti))  # open sockets
    settings: Settings = request.app.state.settings
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=settings.cookie_secure, samesite="strict")
    return response


@router.get("/me", response_model=Me, summary="Who is signed in")
async def me(principal: Annotated[Principal, Depends(require())], auth: AuthDep) -> Me:
    if not principal.is_staff:
        return Me(username=principal.subject, role=principal.role, display_name=None, skills=[])
    account = await run_in_threadpool(auth.users.get, principal.subject)
    if account is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token")
    return Me(
        username=account.username, role=account.role, display_name=account.display_name, skills=list(account.skills)
    )

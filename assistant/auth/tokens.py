"""Signed access tokens (JWT, HS256) for staff, and random device tokens for kiosks.

Access tokens are stateless: they name the user, the role, a unique id (`jti`, which sign-out revokes)
and, for console sign-ins, a hash of the CSRF token that must come back with every state-changing
request. Device tokens are random strings of which only the sha256 is stored, so a database leak does not
hand out kiosk credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import jwt

ALGORITHM = "HS256"
ISSUER = "lobby"
DEVICE_TOKEN_PREFIX = "ldt_"  # noqa: S105 - a marker, not a secret
LEEWAY_S = 5
TokenKind = Literal["access", "session"]


class InvalidToken(Exception):
    """A token that is malformed, forged, of the wrong kind or expired; the message says which."""


@dataclass(frozen=True)
class TokenClaims:
    username: str
    role: str
    kind: TokenKind
    expires_at: int
    jti: str
    csrf_hash: str | None = None


def derive_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose derived from the app secret, so one leaked use does not forge another."""
    return hmac.new(secret.encode(), f"lobby/{purpose}".encode(), hashlib.sha256).digest()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class AccessTokens:
    """Issue and check HS256 tokens signed with a key derived from `settings.secret_key`."""

    def __init__(self, secret: str) -> None:
        self._key = derive_key(secret, "access-token")

    def issue(
        self, username: str, role: str, ttl_s: int, kind: TokenKind = "access", csrf_token: str | None = None
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": username,
            "role": role,
            "typ": kind,
            "iat": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        if csrf_token is not None:
            claims["csrf"] = sha256_hex(csrf_token)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str, kind: TokenKind) -> TokenClaims:
        """The claims of a valid token of `kind`; InvalidToken otherwise."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "iss", "jti"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except jwt.PyJWTError:
            raise InvalidToken("invalid token") from None
        if claims.get("typ") != kind or not isinstance(claims.get("role"), str):
            raise InvalidToken("invalid token")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= 64:  # the key of `revoked_tokens`
            raise InvalidToken("invalid token")
        csrf = claims.get("csrf")
        if kind == "session" and not isinstance(csrf, str):
            raise InvalidToken("invalid token")
        return TokenClaims(str(claims["sub"]), claims["role"], kind, int(claims["exp"]), jti, csrf)


def new_device_token() -> str:
    """A fresh kiosk credential (256 random bits); shown once, stored only as its hash."""
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def demo_device_token(secret: str, device_id: str) -> str:
    """The demo kiosk's token, derived from the secret so that every replica and restart agrees on it
    without storing it (outside production only)."""
    digest = hmac.new(derive_key(secret, "demo-device"), device_id.encode(), hashlib.sha256).digest()
    return DEVICE_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_device_token(token: str) -> bool:
    return token.startswith(DEVICE_TOKEN_PREFIX)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)

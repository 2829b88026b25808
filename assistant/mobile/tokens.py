"""Per-customer tokens for the phone: HS256, signed with a key derived for this purpose only (a staff
token cannot pass as a customer's, nor the reverse), naming the customer and nothing else.

The page keeps the token in memory and sends it as `Authorization: Bearer`: no cookie is ever set, so a
request forged from another site carries no credentials (CSRF-safe by construction).
"""

from __future__ import annotations

import time
import uuid

import jwt

from assistant.auth.tokens import ALGORITHM, LEEWAY_S, derive_key

ISSUER = "lobby-mobile"
KIND = "customer"


class InvalidCustomerToken(Exception):
    """Missing, forged, expired or not a customer token."""


class CustomerTokens:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._key = derive_key(secret, "mobile-customer-token")
        self.ttl_s = ttl_s

    def issue(self, customer_id: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": customer_id,
            "typ": KIND,
            "iat": now,
            "exp": now + self.ttl_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def customer(self, token: str) -> str:
        """The customer id a valid token names."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
        except jwt.PyJWTError:
            raise InvalidCustomerToken("invalid or expired token") from None
        if claims.get("typ") != KIND or not isinstance(claims.get("sub"), str):
            raise InvalidCustomerToken("not a customer token")
        return str(claims["sub"])

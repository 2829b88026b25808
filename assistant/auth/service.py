"""Sign-in and credential checks in one place: passwords, lock-out, tokens, users and devices.

The HTTP layer (`assistant.api.auth`, `assistant.auth.guard`) only moves credentials in and out of
requests; every decision is made here, so the CLI, the API and tests share it.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from assistant.auth.devices import DeviceStore
from assistant.auth.limiter import SignInLimits
from assistant.auth.options import AuthOptions
from assistant.auth.passwords import Passwords
from assistant.auth.principal import Principal
from assistant.auth.revoked import RevokedTokenStore
from assistant.auth.tokens import AccessTokens, InvalidToken, TokenClaims, is_device_token, new_csrf_token
from assistant.auth.users import Account, UserStore

INVALID_CREDENTIALS = "invalid username or password"
LOCKED_OUT = "too many failed sign-ins; try again later"
TOKEN_REVOKED = "token revoked"  # noqa: S105 - a message, not a secret
V = TypeVar("V")


class SignInRefused(Exception):
    """Sign-in failed. `retry_after_s` > 0 means locked out (429); otherwise bad credentials (401).
    The message never says which of username or password was wrong, nor whether the user exists."""

    def __init__(self, retry_after_s: int = 0) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(LOCKED_OUT if retry_after_s else INVALID_CREDENTIALS)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    csrf_token: str | None = None


class _TtlCache(Generic[V]):
    """A small bounded cache (resolved principals, revocation answers), so each request does not read
    the database."""

    def __init__(self, ttl_s: float, max_items: int = 4096) -> None:
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._items: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] < time.monotonic():
                return None
            return item[1]

    def put(self, key: str, value: V, replace: bool = True) -> None:
        """Store `value`; with replace=False a live entry already there is kept instead."""
        if self.ttl_s <= 0:
            return
        with self._lock:
            now = time.monotonic()
            if not replace and key in self._items and self._items[key][0] >= now:
                return
            if len(self._items) >= self.max_items:
                self._items.clear()
            self._items[key] = (now + self.ttl_s, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class Authenticator:
    def __init__(
        self,
        options: AuthOptions,
        secret: str,
        users: UserStore,
        devices: DeviceStore,
        revoked: RevokedTokenStore,
        limits: SignInLimits | None = None,
    ) -> None:
        """`limits` defaults to counters in this process's memory; `open_access` passes Redis-backed ones
        when Redis is configured, so every replica shares them."""
        self.options = options
        self.users = users
        self.devices = devices
        self.revoked = revoked
        self.passwords = Passwords(options)
        self.tokens = AccessTokens(secret)
        self.limits = limits or sign_in_limits(options, "")
        self._cache: _TtlCache[Principal] = _TtlCache(options.principal_cache_s)
        # jti -> revoked? "Not revoked" may be reused for the principal cache's TTL (another process's
        # sign-out takes effect here within it); a revocation made here is written in at once.
        self._revocations: _TtlCache[bool] = _TtlCache(options.principal_cache_s)

    def sign_in(self, username: str, password: str, client_ip: str) -> Account:
        """The account for a right username and password (blocking: argon2 runs here; call it off the
        event loop). Raises SignInRefused for anything else, counting the failure.

        Locks are decided by the shared counters alone, before the account is even looked up: a real and
        a made-up username lock after the same failures, on every replica, with the same answer."""
        user_key, ip_key = username.casefold(), client_ip
        wait = max(self.limits.by_user.retry_after(user_key), self.limits.by_address.retry_after(ip_key))
        if wait > 0:
            raise SignInRefused(max(1, math.ceil(wait)))
        found = self.users.password_hash(username)
        matches = self.passwords.verify(found[1] if found else None, password)
        if found is None or not matches or not found[0].active:
            self.limits.by_address.fail(ip_key)
            self.limits.by_user.fail(user_key)
            raise SignInRefused()
        account, stored = found
        self.limits.by_user.reset(user_key)
        self.users.record_success(username)
        if self.passwords.needs_rehash(stored):
            self.users.set_password(username, self.passwords.hash(password))
        return account

    def close(self) -> None:
        self.limits.close()

    def issue_access_token(self, account: Account) -> IssuedToken:
        ttl = self.options.access_token_ttl_s
        return IssuedToken(self.tokens.issue(account.username, account.role, ttl, "access"), ttl)

    def issue_session(self, account: Account) -> IssuedToken:
        """A console sign-in: the session token (for an HttpOnly cookie) and its CSRF token."""
        ttl, csrf = self.options.session_ttl_s, new_csrf_token()
        return IssuedToken(self.tokens.issue(account.username, account.role, ttl, "session", csrf), ttl, csrf)

    def cached(self, key: str) -> Principal | None:
        return self._cache.get(key)

    def cached_claims(self, claims: TokenClaims) -> Principal | None:
        """The principal of a staff token when both it and "not revoked" are cached (no database read);
        InvalidToken when the token is known revoked; None when `resolve_claims` must look."""
        revoked = self._revocations.get(claims.jti)
        if revoked:
            raise InvalidToken(TOKEN_REVOKED)
        return self._cache.get(_user_key(claims)) if revoked is False else None

    def revoke(self, claims: TokenClaims) -> bool:
        """Revoke one staff token until it expires (blocking); True when it was not revoked before.
        Refused from now on in this process, and in others once their cached answer expires."""
        fresh = self.revoked.revoke(claims.jti, datetime.fromtimestamp(claims.expires_at, UTC))
        self._revocations.put(claims.jti, True)
        return fresh

    def revoked_elsewhere(self, jti: str) -> None:
        """Another replica revoked this token (heard on the event bus): refuse it here at once, without
        waiting for a cached "not revoked" answer to expire."""
        self._revocations.put(jti, True)

    def _check_not_revoked(self, claims: TokenClaims) -> None:
        revoked = self._revocations.get(claims.jti)
        if revoked is None:
            revoked = self.revoked.is_revoked(claims.jti)
            # replace=False: a revocation cached meanwhile by `revoke` is not overwritten by this older read
            self._revocations.put(claims.jti, revoked, replace=False)
            revoked = self._revocations.get(claims.jti) or revoked
        if revoked:
            raise InvalidToken(TOKEN_REVOKED)

    def resolve_bearer(self, token: str) -> Principal:
        """A kiosk device token or a staff access token -> the principal (blocking: may read the store)."""
        if is_device_token(token):
            return self.resolve_device(token)
        return self.resolve_claims(self.tokens.decode(token, "access"))

    def resolve_device(self, token: str) -> Principal:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        device = self.devices.resolve(token)
        if device is None:
            raise InvalidToken("invalid token")
        principal = Principal(device.device_id, "kiosk", "device", device.branch_id, device.device_id)
        self._cache.put(token, principal)
        return principal

    def resolve_claims(self, claims: TokenClaims) -> Principal:
        """The principal named by a valid token, while the token is not revoked and the account is still
        active with the same role (blocking: may read the store)."""
        self._check_not_revoked(claims)
        key = _user_key(claims)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        account = self.users.get(claims.username)
        if account is None or not account.active or account.role != claims.role:
            raise InvalidToken("invalid token")
        principal = Principal(account.username, account.role, "user", account.branch_id, None, account.display_name)
        self._cache.put(key, principal)
        return principal

    def forget_cached(self) -> None:
        """Drop resolved principals (after an account or device changed in this process)."""
        self._cache.clear()


def sign_in_limits(options: AuthOptions, redis_url: str) -> SignInLimits:
    """The sign-in counters: shared through Redis when `redis_url` is set, else in this process."""
    window, lockout = options.failure_window_s, options.lockout_s
    per_user, per_address = options.max_failed_sign_ins, options.max_failed_sign_ins_per_ip
    if redis_url:
        return SignInLimits.on_redis(redis_url, options.limit_key_prefix, per_user, per_address, window, lockout)
    return SignInLimits.in_memory(per_user, per_address, window, lockout)


def _user_key(claims: TokenClaims) -> str:
    return f"user:{claims.username}:{claims.role}"

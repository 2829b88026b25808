"""Lock-out of failed sign-ins, per username and per client address.

The counters live where every replica sees them: in Redis when `LOBBY_REDIS_URL` is set, so a lock
made on one replica holds on all of them, and in this process's memory otherwise (one replica). Real and
made-up usernames are counted by the same counters, so a lock never tells which names exist. When Redis
cannot be reached, counting goes on in memory (logged) instead of refusing or opening sign-in.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.logging import get_logger

if TYPE_CHECKING:
    import redis

MAX_KEYS = 10_000  # bounded memory whatever a flood of made-up usernames does
log = get_logger("lobby.auth")


class Limiter(Protocol):
    """After `max_failures` failures of a key within a window, the key is locked for a while."""

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it is not locked."""
        ...

    def fail(self, key: str) -> float:
        """Count one failure; returns the seconds of lock it caused (0 when none)."""
        ...

    def reset(self, key: str) -> None: ...


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class FailureLimiter:
    """The in-memory limiter: after `max_failures` failures within `window_s`, a key is locked for `lockout_s`."""

    def __init__(
        self, max_failures: int, window_s: float, lockout_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            return max(0.0, entry.locked_until - self._clock())

    def fail(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            self._entries[key] = entry
            while len(self._entries) > MAX_KEYS:
                self._entries.popitem(last=False)
            while entry.failures and entry.failures[0] <= now - self.window_s:
                entry.failures.popleft()
            entry.failures.append(now)
            if len(entry.failures) >= self.max_failures:
                entry.failures.clear()
                entry.locked_until = now + self.lockout_s
                return self.lockout_s
            return 0.0

    def reset(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


# One failure, atomically: forget failures older than the window, add this one, lock at the limit.
# The time is the Redis server's, so replicas with skewed clocks still agree. Times in milliseconds.
_FAIL = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, limit, lockout = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], '1', 'PX', lockout)
  return lockout
end
return 0
"""


class RedisFailureLimiter:
    """The shared limiter: failures are a sorted set of times, a lock is a key that expires.

    Keys are `{prefix}{sha256(key)}:failures` and `...:lock`; the key is hashed so that what people type
    as a username (sometimes their password) is not stored in Redis."""

    def __init__(self, client: redis.Redis, prefix: str, max_failures: int, window_s: float, lockout_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._client = client
        self._prefix = prefix
        self._fail_script = client.register_script(_FAIL)
        self._fallback = FailureLimiter(max_failures, window_s, lockout_s)
        self._healthy = True  # log once when Redis goes away, not at every sign-in

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"{self._prefix}{digest}:failures", f"{self._prefix}{digest}:lock"

    def _degraded(self, exc: Exception) -> None:
        if self._healthy:
            log.warning("sign_in_limits_degraded", error=str(exc), note="counting in this process until Redis is back")
        self._healthy = False

    def retry_after(self, key: str) -> float:
        import redis as redis_lib

        try:
            ttl_ms = int(self._client.pttl(self._keys(key)[1]))  # -2: no lock, -1: no expiry (never set so)
        except redis_lib.RedisError as exc:
            self._degraded(exc)
            return self._fallback.retry_after(key)
        self._healthy = True
        return max(ttl_ms / 1000.0, self._fallback.retry_after(key), 0.0)

    def fail(self, key: str) -> float:
        import redis as redis_lib

        window_ms, lockout_ms = int(self.window_s * 1000), int(self.lockout_s * 1000)
        args: list[int | str] = [window_ms, self.max_failures, lockout_ms, uuid.uuid4().hex]
        try:
            locked_ms = int(self._fail_script(keys=list(self._keys(key)), args=args))
        except redis_lib.RedisError as exc:
            self._degraded(exc)
            return self._fallback.fail(key)
        return locked_ms / 1000.0

    def reset(self, key: str) -> None:
        import redis as redis_lib

        self._fallback.reset(key)
        try:
            self._client.delete(*self._keys(key))
        except redis_lib.RedisError as exc:
            self._degraded(exc)


class SignInLimits:
    """The two limits sign-in consults: per username (from any address) and per client address (a much
    higher ceiling, since a branch's staff may share one address behind NAT)."""

    def __init__(self, by_user: Limiter, by_address: Limiter, closer: Callable[[], None] | None = None) -> None:
        self.by_user = by_user
        self.by_address = by_address
        self._closer = closer

    @classmethod
    def in_memory(cls, max_user: int, max_address: int, window_s: float, lockout_s: float) -> SignInLimits:
        return cls(FailureLimiter(max_user, window_s, lockout_s), FailureLimiter(max_address, window_s, lockout_s))

    @classmethod
    def on_redis(
        cls, url: str, prefix: str, max_user: int, max_address: int, window_s: float, lockout_s: float
    ) -> SignInLimits:
        """Limits shared by every replica using the Redis server at `url` (connects lazily)."""
        import redis as redis_lib

        client = redis_lib.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        by_user = RedisFailureLimiter(client, f"{prefix}user:", max_user, window_s, lockout_s)
        by_address = RedisFailureLimiter(client, f"{prefix}address:", max_address, window_s, lockout_s)
        return cls(by_user, by_address, client.close)

    def close(self) -> None:
        if self._closer is not None:
            self._closer()

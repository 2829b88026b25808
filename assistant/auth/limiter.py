"""Lock-out of failed sign-ins, per username and per client address, in this process's memory.

Known users are also counted in the `users` table (see UserStore.record_failure) so a lock holds on
every replica and across restarts; this in-memory limiter covers client addresses and usernames that do
not exist, so that guessing names gets the same answer as guessing passwords.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_KEYS = 10_000  # bounded memory whatever a flood of made-up usernames does


@dataclass
class _Entry:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class FailureLimiter:
    """After `max_failures` failures within `window_s`, a key is locked for `lockout_s`."""

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
        """Seconds until `key` may try again; 0 when it is not locked."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return 0.0
            return max(0.0, entry.locked_until - self._clock())

    def fail(self, key: str) -> float:
        """Count one failure; returns the seconds of lock it caused (0 when none)."""
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

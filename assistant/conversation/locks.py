"""One turn at a time per session, in arrival order.

asyncio.Lock wakes waiters first-in first-out, so concurrent turns of one session queue in order.
Locks of idle sessions are dropped so memory does not grow with the number of visits. Across replicas
the session row's version number is the guard (a stale write is refused by the store).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class SessionLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(session_id, asyncio.Lock())
        self._users[session_id] = self._users.get(session_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[session_id] -= 1
            if self._users[session_id] == 0:
                del self._users[session_id]
                del self._locks[session_id]

    def __len__(self) -> int:
        return len(self._locks)

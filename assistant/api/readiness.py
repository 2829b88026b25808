"""Readiness checks: each subsystem reports `{"ok": bool, ...}`; `/readyz` is 200 only when all are ok.

Subsystems register a check when the app starts (store, models, bank back-end, ...). A check that
raises or exceeds its time budget counts as not ready, with the reason in the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Check = Callable[[], Awaitable[dict[str, Any]]]


class Readiness:
    def __init__(self, timeout_s: float = 3.0) -> None:
        self._checks: dict[str, Check] = {}
        self._timeout_s = timeout_s

    def register(self, name: str, check: Check) -> None:
        self._checks[name] = check

    @property
    def names(self) -> list[str]:
        return list(self._checks)

    async def report(self) -> tuple[bool, dict[str, Any]]:
        results = await asyncio.gather(*(self._run(name, c) for name, c in self._checks.items()))
        subsystems = dict(zip(self._checks, results, strict=True))
        ready = bool(subsystems) and all(r.get("ok") for r in subsystems.values())
        return ready, subsystems

    async def _run(self, name: str, check: Check) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(check(), self._timeout_s)
        except TimeoutError:
            return {"ok": False, "error": f"{name} check timed out after {self._timeout_s}s"}
        except Exception as exc:  # a readiness probe reports failures, it never raises
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

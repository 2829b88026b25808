"""What `lobby eval dialogues` and `lobby eval risk` share: load a scripted set, pick by id, run it.

Why: both commands read a YAML set from a file or directory, narrow it with `--only`, then run it
through one real runtime; the steps and their one-line errors should not drift apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from assistant.cli.common import fail, load_settings
from assistant.logging import configure_logging
from assistant.runtime import Runtime, open_runtime


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def select(path: Path, load: Callable[[Path], list[T]], error: type[Exception], only: str | None, noun: str) -> list[T]:
    """The items `load` finds at `path` whose id contains `only`; any problem stops the command.

    `noun` is the plural the user reads ("no dialogues selected").
    """
    if not path.exists():
        fail(f"{path}: no such file or directory")
    try:
        selected = load(path)
    except error as exc:
        fail(str(exc))
    if only:
        selected = [item for item in selected if only in item.id]
    if not selected:
        fail(f"no {noun} selected")
    return selected


def run_on_runtime(run: Callable[[Runtime, list[T]], Awaitable[dict[str, Any]]], selected: list[T]) -> dict[str, Any]:
    """`run(runtime, selected)` on one runtime opened from checked settings, logging only warnings."""
    settings = load_settings(runtime=True)
    configure_logging("WARNING", json_output=False)

    async def _main() -> dict[str, Any]:
        async with open_runtime(settings) as runtime:
            return await run(runtime, selected)

    return asyncio.run(_main())

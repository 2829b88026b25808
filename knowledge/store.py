"""Named knowledge bases on disk and the atomic swap between generations.

`var/kb/<name>/CURRENT` names the live generation directory. A new generation is written under a
temporary name, renamed into place, and only then is CURRENT replaced (os.replace is atomic), so a
reader sees either the old index or the new one, never a half-built one. Ingestions of the same base
are serialised with a file lock; the previous generation is kept for readers still holding it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
POINTER = "CURRENT"


class KBNameError(ValueError):
    """A knowledge-base name that could escape its folder or is otherwise unusable."""


class KBStore:
    """The folder of one named knowledge base."""

    def __init__(self, var_dir: Path, name: str) -> None:
        if not _NAME.match(name):
            raise KBNameError(f"invalid knowledge base name '{name}' (letters, digits, '_', '-', '.'; max 64)")
        self.name = name
        self.path = Path(var_dir) / "kb" / name

    def exists(self) -> bool:
        return self.current_path() is not None

    def current_path(self) -> Path | None:
        """The live generation, or None when the base was never built."""
        try:
            gen = (self.path / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = self.path / gen
        return path if gen and path.is_dir() else None

    def stamp(self) -> int:
        """Changes whenever a new generation is published (cheap enough to call on every query)."""
        try:
            return (self.path / POINTER).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive right to build the next generation (blocks other ingestions of this base)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / ".lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def new_build_dir(self) -> Path:
        """A fresh temporary directory name for the next generation (not created)."""
        return self.path / f".build-{uuid.uuid4().hex[:12]}"

    def publish(self, build_dir: Path) -> Path:
        """Move a complete build into place and point CURRENT at it; older generations are pruned."""
        previous = self.current_path()
        final = self.path / f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        os.replace(build_dir, final)
        tmp_pointer = self.path / f".{POINTER}.{uuid.uuid4().hex[:8]}"
        tmp_pointer.write_text(final.name, encoding="utf-8")
        os.replace(tmp_pointer, self.path / POINTER)
        self._prune(keep={final.name, previous.name if previous else ""})
        return final

    def _prune(self, keep: set[str]) -> None:
        for child in self.path.iterdir():
            if child.is_dir() and child.name not in keep and (child.name.startswith(("gen-", ".build-"))):
                shutil.rmtree(child, ignore_errors=True)

    def discard(self, build_dir: Path) -> None:
        shutil.rmtree(build_dir, ignore_errors=True)


def list_bases(var_dir: Path) -> list[str]:
    root = Path(var_dir) / "kb"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / POINTER).is_file())

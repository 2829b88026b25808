"""Where recordings live: one small interface, a disk store (the default, under var/) and an
S3-compatible store (`assistant.recording.s3`) for several replicas.

Keys are relative paths (`<session>/<part>.ogg`); the stores never interpret them beyond that, so a
purge or a listing works the same on every backend. All methods block; call them from a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from assistant.recording.options import RecordingOptions


class RecordingMissing(LookupError):
    """No object under that key."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime


class RecordingStore(Protocol):
    name: str

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> list[StoredObject]: ...


def check_key(key: str) -> str:
    """Keys are made here from session ids; refuse anything that could leave the store's folder."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"not a recording key: {key!r}")
    return key


class DiskStore:
    """Files under one folder; writes go to a temporary file first, so a crash never leaves half a file."""

    name = "disk"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise RecordingMissing(key) from None

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        if path.parent != self.root:
            with contextlib.suppress(OSError):  # the session's folder, once empty
                path.parent.rmdir()

    def list(self, prefix: str = "") -> list[StoredObject]:
        if not self.root.is_dir():
            return []
        found = []
        for path in sorted(self.root.rglob("*")):
            if not path.is_file() or path.name.startswith(".part-"):
                continue
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                stat = path.stat()
                found.append(StoredObject(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
        return found


def open_store(options: RecordingOptions, var_dir: Path) -> RecordingStore:
    """The configured store (the S3 client is imported only when asked for)."""
    if options.store == "s3":
        from assistant.recording.s3 import S3Store

        return S3Store.from_options(options)
    return DiskStore(options.dir if options.dir is not None else var_dir / "recordings")

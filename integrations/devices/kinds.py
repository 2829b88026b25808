"""Device kinds, states and a branch's default fleet, read once from `data/kinds.yaml`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DATA = Path(__file__).parent / "data" / "kinds.yaml"
LegacyStatus = Literal["online", "offline", "paper-low", "jammed"]


class Kind(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    commands: tuple[str, ...]
    consumable: Literal["paper", "stock"] | None
    capacity: int = Field(ge=1)
    low_at: int = Field(ge=0)


class State(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    accepts: bool
    legacy: LegacyStatus


class FleetEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    suffix: str
    kind: str
    count: int = Field(1, ge=1)


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: dict[str, Kind]
    states: dict[str, State]
    fleet: tuple[FleetEntry, ...]

    def kind_of_command(self, command: str) -> str | None:
        return next((name for name, k in self.kinds.items() if command in k.commands), None)

    def accepts(self, state: str) -> bool:
        found = self.states.get(state)
        return found is not None and found.accepts

    def legacy(self, state: str) -> LegacyStatus:
        found = self.states.get(state)
        return found.legacy if found is not None else "offline"

    def fleet_for(self, branch: str) -> list[tuple[str, str]]:
        """(device id, kind) of a branch's default fleet: `PRN-BJ001-1`, `PRN-BJ001-2`, `DSP-BJ001-1` ..."""
        return [(f"{entry.suffix}-{branch}-{n}", entry.kind) for entry in self.fleet for n in range(1, entry.count + 1)]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(DATA.read_text(encoding="utf-8")))

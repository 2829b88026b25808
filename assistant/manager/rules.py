"""The alert thresholds of the branch manager's console, read from `data/alerts.yaml` so that a branch
operations person can change them without touching code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

RULES_FILE = Path(__file__).resolve().parent / "data" / "alerts.yaml"


class AlertRules(BaseModel):
    kiosk_idle_s: float = Field(600, gt=0)
    queue_wait_s: float = Field(1200, gt=0)
    handoff_wait_s: float = Field(180, gt=0)
    device_fault_states: list[str] = Field(default_factory=lambda: ["jammed", "paper-out", "empty", "offline"])
    device_warn_states: list[str] = Field(default_factory=lambda: ["paper-low", "out-of-service"])
    risk_hold_reasons: list[str] = Field(default_factory=lambda: ["risk", "risk_hold"])
    watch_s: float = Field(2.0, gt=0)


@lru_cache(maxsize=1)
def alert_rules(path: Path = RULES_FILE) -> AlertRules:
    return AlertRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

"""The routing policy: one understood turn and the visit's state -> one action, read from a table.

Why a table (`data/routing.yaml`): what the kiosk does with "a question about a business it can do",
"a request it cannot do" or "a yes while a journey waits" is a business decision a reviewer should be
able to read and a test should be able to enumerate, not a chain of ifs spread over the service.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

ROUTING_FILE = Path(__file__).resolve().parent / "data" / "routing.yaml"
SWITCH_MIN_CONFIDENCE = 0.6  # leaving a started journey for another needs a sure business
SURE_MIN_CONFIDENCE = 0.15  # acting on a business (a journey, its documents) needs at least this
# Below this the act head cannot tell "can I ...?" from "please ...": such a request is answered and
# offered rather than started (LOWO on the openings: requests read at p < 0.7 were questions 45% of the
# time; an unwanted journey costs a cancel and a rephrase, an offer costs one "yes").
ACT_SURE_MIN_CONFIDENCE = 0.7
ACTIONS = frozenset(
    {
        "handoff_requested",
        "handoff_complaint",
        "journey_cancel",
        "journey_yes",
        "journey_no",
        "journey_back",
        "journey_restart",
        "journey_reply",
        "journey_side_answer",
        "journey_switch",
        "start_journey",
        "answer_and_offer",
        "accept_offer",
        "decline_offer",
        "answer_business",
        "refuse_out_of_scope",
        "small_talk",
        "idle_control",
        "answer_or_clarify",
    }
)


@dataclass(frozen=True)
class Facts:
    """What the policy may look at: the understood turn and the visit's state, as plain values."""

    act: str
    business: str
    kind: str
    in_journey: bool = False
    cancel: bool = False
    fills_awaited: bool = False
    other_journey: bool = False
    confident: bool = False
    has_slots: bool = False
    answered_by_journey: bool = False
    question_cue: bool = False
    sure: bool = True
    act_sure: bool = True
    offer_pending: bool = False
    not_the_journey: bool = False
    could_answer: bool = False
    follow_up: bool = False


FACT_NAMES = frozenset(Facts.__dataclass_fields__)


class RoutingRule(BaseModel):
    when: dict[str, list[str] | bool] = Field(default_factory=dict)
    action: str

    @field_validator("when")
    @classmethod
    def _known_facts(cls, when: dict[str, list[str] | bool]) -> dict[str, list[str] | bool]:
        unknown = set(when) - FACT_NAMES
        if unknown:
            raise ValueError(f"unknown facts {sorted(unknown)}")
        return when

    @field_validator("action")
    @classmethod
    def _known_action(cls, action: str) -> str:
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        return action

    def holds(self, facts: dict[str, Any]) -> bool:
        for name, allowed in self.when.items():
            value = facts[name]
            if isinstance(allowed, bool):
                if bool(value) != allowed:
                    return False
            elif value not in allowed:
                return False
        return True


class RoutingTable(BaseModel):
    rules: list[RoutingRule]

    def decide(self, facts: Facts) -> tuple[str, int]:
        """The action and the row (0-based) that chose it; the table must end with a catch-all."""
        values = asdict(facts)
        for number, rule in enumerate(self.rules):
            if rule.holds(values):
                return rule.action, number
        raise LookupError("no routing rule matched: the table needs a last row with no conditions")


class RoutingError(ValueError):
    """The routing file cannot be used; the message names the file and the problem."""


def load_routing(path: Path = ROUTING_FILE) -> RoutingTable:
    try:
        table = RoutingTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RoutingError(f"{path}: {exc}") from exc
    if not table.rules or table.rules[-1].when:
        raise RoutingError(f"{path}: the last rule must have no conditions (the catch-all)")
    return table


@lru_cache(maxsize=1)
def shipped_routing() -> RoutingTable:
    return load_routing()

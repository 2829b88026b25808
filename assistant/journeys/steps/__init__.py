"""Step handlers by kind: each takes (step spec, run, input or None) and returns an Outcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from assistant.journeys.runtime import Outcome, Run
from assistant.journeys.steps.delivery import deliver
from assistant.journeys.steps.identity import identify, precheck
from assistant.journeys.steps.interaction import collect, confirm
from assistant.journeys.steps.money import authorise, execute, risk_screen
from assistant.journeys.steps.orders import reserve
from assistant.journeys.steps.service import follow_up, handoff, recommend
from assistant.journeys.steps.verification import verify
from assistant.journeys.types import JourneyInput

Handler = Callable[[Any, Run, JourneyInput | None], Awaitable[Outcome]]

HANDLERS: dict[str, Handler] = {
    "identify": identify,
    "precheck": precheck,
    "risk_screen": risk_screen,
    "collect": collect,
    "confirm": confirm,
    "verify": verify,
    "authorise": authorise,
    "execute": execute,
    "deliver": deliver,
    "reserve": reserve,
    "recommend": recommend,
    "handoff": handoff,
    "follow_up": follow_up,
}

__all__ = ["HANDLERS", "Handler"]

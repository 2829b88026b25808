"""Journeys: flows declared as data, run by an engine against a narrow bank port.

The conversation calls `JourneyEngine.start(journey, context, slots, event)` and then
`JourneyEngine.advance(state, JourneyInput)`, storing `result.state` (a plain JSON dict) between turns.
"""

from assistant.journeys.engine import JourneyEngine, JourneyError
from assistant.journeys.loader import FlowError, load_flow, load_flows
from assistant.journeys.ports import BankError, BankNotFound, BankPort, BankRejected, BankUnavailable
from assistant.journeys.types import (
    AdvanceResult,
    BankCall,
    Card,
    Event,
    HandoffRequest,
    JourneyContext,
    JourneyInfo,
    JourneyInput,
    JourneyState,
    ReplyPiece,
)

__all__ = [
    "AdvanceResult",
    "BankCall",
    "BankError",
    "BankNotFound",
    "BankPort",
    "BankRejected",
    "BankUnavailable",
    "Card",
    "Event",
    "FlowError",
    "HandoffRequest",
    "JourneyContext",
    "JourneyEngine",
    "JourneyError",
    "JourneyInfo",
    "JourneyInput",
    "JourneyState",
    "ReplyPiece",
    "load_flow",
    "load_flows",
]

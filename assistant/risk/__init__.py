"""Risk control across the visit: fraud scripts heard, camera events seen, the money step weighed
against local rules and the bank's screening; one decision (allow / warn / hold / block) with reasons."""

from assistant.risk.combiner import RiskDecision
from assistant.risk.engine import RiskEngine, money_journeys
from assistant.risk.rules import ACTIONS

__all__ = ["ACTIONS", "RiskDecision", "RiskEngine", "money_journeys"]

"""Supervisor review: filtered sessions, masked transcripts with audited unmasking, risk timelines,
annotations and quality scores, masked exports and dashboard aggregates.

Reads the conversation's store (sessions, turns, handoffs, compliance findings); writes only annotations.
"""

from assistant.supervision.filters import SessionFilter
from assistant.supervision.queries import SupervisionStore

__all__ = ["SessionFilter", "SupervisionStore"]

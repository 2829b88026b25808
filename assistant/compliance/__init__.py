"""After the visit: the compliance pass over finished sessions, its findings and the daily report."""

from assistant.compliance.reviewer import ComplianceReviewer
from assistant.compliance.store import ComplianceStore

__all__ = ["ComplianceReviewer", "ComplianceStore"]

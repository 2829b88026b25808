"""The tamper-evident audit trail: `AuditLog.record(...)` appends, `AuditLog.verify()` checks the chain."""

from assistant.audit.log import ACTIONS, AuditEntry, AuditLog, ChainReport

__all__ = ["ACTIONS", "AuditEntry", "AuditLog", "ChainReport"]

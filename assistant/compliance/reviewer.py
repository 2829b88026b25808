"""Runs the compliance pass when a visit ends, and sweeps up ended visits nobody reviewed.

Why both: `ConversationService.end` reviews at once (off the event loop), but visits also end idle
(the runtime's sweeper), on another replica, or while the store hiccups; the sweeper reviews every
ended session without a `review_completed` mark. A failing review is logged and retried by the
sweeper; it never fails the end of a visit.
"""

from __future__ import annotations

import asyncio

from assistant.compliance.review import Finding, review
from assistant.compliance.rules import Matcher, default_matcher
from assistant.compliance.store import ComplianceStore
from assistant.logging import get_logger
from assistant.store.db import Database

log = get_logger("lobby.compliance")
SWEEP_BATCH = 50


class ComplianceReviewer:
    def __init__(self, db: Database, matcher: Matcher | None = None) -> None:
        self.store = ComplianceStore(db)
        self.matcher = matcher or default_matcher()

    def review_session(self, session_id: str) -> list[Finding]:
        """Review one visit and store its findings (replacing an earlier review)."""
        rules = self.matcher.rules
        visit = self.store.visit(session_id, rules.sale_handoff_reasons, rules.sale_operations)
        findings = review(visit, self.matcher)
        self.store.replace(session_id, findings)
        return findings

    def after_end(self, session_id: str) -> None:
        """The hook for a visit's end: never raises."""
        try:
            self.review_session(session_id)
        except Exception as exc:  # the sweeper retries; the end of the visit must not fail
            log.warning("compliance_review_failed", session_id=session_id, error=str(exc))

    def sweep(self) -> int:
        """Review ended sessions that have no review yet; returns how many were reviewed."""
        done = 0
        for session_id in self.store.unreviewed_ended(SWEEP_BATCH):
            self.after_end(session_id)
            done += 1
        return done

    async def run_forever(self, period_s: float = 60.0) -> None:
        """The background sweeper of a process (cancelled when the runtime closes)."""
        while True:
            await asyncio.sleep(period_s)
            try:
                await asyncio.to_thread(self.sweep)
            except Exception as exc:  # a database hiccup must not stop the sweeper
                log.warning("compliance_sweep_failed", error=str(exc))

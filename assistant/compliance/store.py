"""Compliance findings in the relational store (`compliance_findings`), and the facts the pass reads.

Each reviewed session also gets one `review_completed` row (severity `info`): it marks the session as
reviewed (so the sweeper does not review it twice) and lets the daily report count reviewed visits.
A rerun replaces the session's rows in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import delete, select

from assistant.compliance.review import AuditDecision, Finding, TurnFacts, Visit, authorization_ids
from assistant.store.db import Database
from assistant.store.sessions import as_utc
from assistant.store.tables import AuditRow, ComplianceFindingRow, HandoffRow, SessionRow, TurnRow, utcnow

REVIEWED = "review_completed"
SEVERITY_ORDER = ("high", "medium", "low", "info")


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def finding_dict(row: ComplianceFindingRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "session_id": row.session_id,
        "turn_seq": row.turn_seq,
        "rule": row.rule,
        "severity": row.severity,
        "detail": row.detail,
        "created_at": as_utc(row.created_at).isoformat(),
    }


class ComplianceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writing ----------------------------------------------------------------------------------

    def replace(self, session_id: str, findings: list[Finding]) -> None:
        """Store a session's findings (and its reviewed mark), replacing an earlier review."""
        now = utcnow()
        rows = [
            ComplianceFindingRow(
                session_id=session_id, turn_seq=f.turn_seq, rule=f.rule, severity=f.severity, detail=f.detail
            )
            for f in findings
        ]
        rows.append(
            ComplianceFindingRow(
                session_id=session_id, turn_seq=None, rule=REVIEWED, severity="info", detail={"findings": len(findings)}
            )
        )
        for row in rows:
            row.created_at = now
        with self._db.session() as s:
            s.execute(delete(ComplianceFindingRow).where(ComplianceFindingRow.session_id == session_id))
            s.add_all(rows)

    # -- reading ----------------------------------------------------------------------------------

    def findings(
        self, session_id: str | None = None, date: dt.date | None = None, include_marks: bool = False
    ) -> list[dict[str, Any]]:
        """Findings of one session and/or of the visits that ended on one day (UTC), most severe first."""
        query = select(ComplianceFindingRow).order_by(ComplianceFindingRow.id)
        if session_id is not None:
            query = query.where(ComplianceFindingRow.session_id == session_id)
        if date is not None:  # the day the visit ended (UTC): a late review still counts for its day
            start, end = _day_bounds(date)
            ended = select(SessionRow.id).where(SessionRow.ended_at >= start, SessionRow.ended_at < end)
            query = query.where(ComplianceFindingRow.session_id.in_(ended))
        if not include_marks:
            query = query.where(ComplianceFindingRow.rule != REVIEWED)
        with self._db.session() as s:
            rows = [finding_dict(r) for r in s.scalars(query)]
        return sorted(rows, key=lambda r: SEVERITY_ORDER.index(r["severity"]) if r["severity"] in SEVERITY_ORDER else 9)

    def reviewed(self, session_id: str) -> bool:
        query = select(ComplianceFindingRow.id).where(
            ComplianceFindingRow.session_id == session_id, ComplianceFindingRow.rule == REVIEWED
        )
        with self._db.session() as s:
            return s.scalar(query.limit(1)) is not None

    def unreviewed_ended(self, limit: int = 100) -> list[str]:
        """Ended sessions without a review (ended idle, on another replica, or whose review failed)."""
        marked = select(ComplianceFindingRow.session_id).where(ComplianceFindingRow.rule == REVIEWED)
        query = (
            select(SessionRow.id)
            .where(SessionRow.status == "ended", SessionRow.id.not_in(marked))
            .order_by(SessionRow.ended_at)
            .limit(limit)
        )
        with self._db.session() as s:
            return list(s.scalars(query))

    def report(self, date: dt.date) -> dict[str, Any]:
        """The daily report: visits of that day reviewed, findings by rule and severity, and the findings."""
        rows = self.findings(date=date, include_marks=True)
        reviewed = [r for r in rows if r["rule"] == REVIEWED]
        findings = [r for r in rows if r["rule"] != REVIEWED]
        return {
            "date": date.isoformat(),
            "sessions_reviewed": len(reviewed),
            "sessions_with_findings": len({r["session_id"] for r in findings}),
            "findings": len(findings),
            "by_rule": dict(sorted(Counter(r["rule"] for r in findings).items())),
            "by_severity": {k: v for k in SEVERITY_ORDER if (v := sum(r["severity"] == k for r in findings))},
            "items": findings,
        }

    def visit(self, session_id: str, sale_reasons: list[str], sale_operations: list[str]) -> Visit:
        """The facts of one visit the pass reads: turns, sales, audited decisions, pending authorisations."""
        with self._db.session() as s:
            session = s.get(SessionRow, session_id)
            if session is None:
                raise LookupError(session_id)
            turns = [
                TurnFacts(
                    seq=t.seq,
                    speaker=t.speaker,
                    text=t.text or "",
                    source=t.source,
                    intent=t.intent,
                    slots=dict(t.slots or {}),
                    backend_calls=list(t.backend_calls or []),
                    created_at=as_utc(t.created_at),
                )
                for t in s.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq))
            ]
            handoffs = list(
                s.scalars(
                    select(HandoffRow).where(HandoffRow.session_id == session_id, HandoffRow.reason.in_(sale_reasons))
                )
            )
            state = dict(session.state or {})
        sales = [_seq_at(turns, as_utc(h.created_at)) for h in handoffs]
        sales += [
            t.seq
            for t in turns
            for c in t.backend_calls
            if isinstance(c, dict) and c.get("operation") in sale_operations and c.get("ok")
        ]
        awaiting = (state.get("journey") or {}).get("awaiting") or {}
        pending = [str(awaiting["id"])] if awaiting.get("kind") == "authorization" and awaiting.get("id") else []
        visit = Visit(session_id, turns, [s for s in sales if s is not None], [], pending)
        visit.decisions = self._decisions(visit)
        with self._db.session() as s:  # recordings kept of this visit (assistant/recording audits each)
            stored = select(AuditRow.seq).where(AuditRow.action == "recording_store", AuditRow.subject == session_id)
            visit.recordings = len(s.scalars(stored).all())
            analysed = (  # the latest after-visit analysis of its recording, if any
                select(AuditRow.details)
                .where(AuditRow.action == "recording_analysis", AuditRow.subject == session_id)
                .order_by(AuditRow.seq.desc())
                .limit(1)
            )
            details = s.scalar(analysed)
        findings = details.get("findings") if isinstance(details, dict) else None
        visit.analysis = [f for f in findings if isinstance(f, dict)] if isinstance(findings, list) else []
        return visit

    def _decisions(self, visit: Visit) -> list[AuditDecision]:
        ids = list(authorization_ids(visit)) + visit.pending_authorizations
        if not ids:
            return []
        query = select(AuditRow).where(AuditRow.action == "authorization_decide", AuditRow.subject.in_(ids))
        with self._db.session() as s:
            return [AuditDecision(str(r.subject), r.actor, r.role) for r in s.scalars(query)]


def _seq_at(turns: list[TurnFacts], moment: dt.datetime) -> int | None:
    """The last turn recorded at or before a moment (a handoff is created within its turn)."""
    before = [t.seq for t in turns if t.created_at is not None and t.created_at <= moment]
    return max(before) if before else (turns[-1].seq if turns else None)

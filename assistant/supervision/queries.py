"""Reading sessions for review: the filtered list, one session in detail, the raw value behind a mask.

Cheap filters (dates, branch, channel, language, status) run in SQL; filters that need the whole session
(intent, outcome, risk flag, handoff) run over the summaries, which read only the newest `scan_limit` matching
sessions, in chunks, so one query never loads an unbounded history.

The words search (`q`) matches only what the searcher sees: the masked transcript. Matching the raw text let prefix
searches ("1391", "13911", ...) read a masked phone or ID number back one digit at a time, or confirm a customer's
name. SQL only narrows the candidates (with the parts of `q` that masking never changes, so nothing that matches
the masked text is missed); the decision is taken on each session's masked turns (`_said`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from assistant.store.db import Database
from assistant.store.sessions import SessionNotFound
from assistant.store.tables import ComplianceFindingRow, HandoffRow, SessionRow, TurnRow
from assistant.supervision.annotations import AnnotationStore, TurnNotFound
from assistant.supervision.filters import SessionFilter
from assistant.supervision.masking import session_masker, state_names
from assistant.supervision.outcomes import OUTCOMES
from assistant.supervision.schemas import Facets, SessionDetail, SessionPage, SessionSummary
from assistant.supervision.summary import (
    SessionFacts,
    TurnFacts,
    finding,
    handoff_brief,
    summarize,
    timeline,
    transcript,
    turn_data,
)

SCAN_LIMIT = 5000
CHUNK = 500
KNOWN_FLAGS = ["warn", "hold", "block", "prompt_injection"]


class FieldNotFound(LookupError):
    """The session has no such field to unmask."""


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# What masking may put in place of raw text (stars) or take out of it (digits, the separators between digit
# groups): a part of the query made of other characters appears in the raw text as it does in the masked text.
_MASKABLE = re.compile(r"[*\d \-\u3000\uff0d\u2013\u2014]+")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _loose_like(query: str) -> str:
    """A LIKE pattern the raw text of every session whose masked text contains `query` matches (and more)."""
    parts = [_escape(p) for p in _MASKABLE.split(query.lower()) if p]
    return "%" + "%".join(parts) + "%" if parts else "%"


def _said(facts: SessionFacts, query: str) -> bool:
    """The session's id starts with `query`, or one of its turns says it as the searcher sees it (masked)."""
    needle = query.lower()
    return facts.row.id.startswith(query) or any(needle in facts.masker.text(t.text).lower() for t in facts.turns)


class SupervisionStore:
    def __init__(self, db: Database, scan_limit: int = SCAN_LIMIT) -> None:
        self._db = db
        self.scan_limit = scan_limit
        self.annotations = AnnotationStore(db)

    # -- the list ---------------------------------------------------------------------------------

    def _query(self, f: SessionFilter) -> Select[SessionRow]:
        f.check_search()
        query = select(SessionRow)
        start, end = f.utc_range()
        if start is not None:
            query = query.where(SessionRow.created_at >= start)
        if end is not None:
            query = query.where(SessionRow.created_at < end)
        for column, value in (
            (SessionRow.branch_id, f.branch_id),
            (SessionRow.channel, f.channel),
            (SessionRow.language, f.language),
            (SessionRow.status, f.status),
            (SessionRow.id, f.session_id),
        ):
            if value:
                query = query.where(column == value)
        if f.q:
            pattern = _loose_like(f.q)
            said = exists().where(TurnRow.session_id == SessionRow.id, func.lower(TurnRow.text).like(pattern, "\\"))
            query = query.where(or_(said, SessionRow.id.startswith(f.q)))
        return query.order_by(SessionRow.created_at.desc(), SessionRow.id)

    def summaries(self, f: SessionFilter) -> tuple[list[SessionSummary], bool]:
        """Every matching session (newest first) and whether the scan limit cut the candidates short."""
        with self._db.session() as s:
            rows = list(s.scalars(self._query(f).limit(self.scan_limit + 1)))
        truncated = len(rows) > self.scan_limit
        facts = self._facts(rows[: self.scan_limit])
        if f.q:
            facts = [x for x in facts if _said(x, f.q or "")]
        summaries = [summarize(x) for x in facts]
        return [x for x in summaries if _keep(x, f)], truncated

    def page(self, f: SessionFilter, limit: int = 50, offset: int = 0) -> SessionPage:
        items, truncated = self.summaries(f)
        return SessionPage(total=len(items), truncated=truncated, items=items[offset : offset + limit])

    def _facts(self, rows: Sequence[SessionRow]) -> list[SessionFacts]:
        facts = {r.id: SessionFacts(row=r) for r in rows}
        ids = list(facts)
        with self._db.session() as s:
            for chunk in _chunks(ids):
                turns = s.execute(
                    select(
                        TurnRow.session_id,
                        TurnRow.seq,
                        TurnRow.speaker,
                        TurnRow.intent,
                        TurnRow.risk,
                        TurnRow.text,
                        TurnRow.slots,
                    )
                    .where(TurnRow.session_id.in_(chunk))
                    .order_by(TurnRow.session_id, TurnRow.seq)
                )
                for sid, seq, speaker, intent, risk, text, slots in turns:
                    facts[sid].turns.append(TurnFacts(seq, speaker, intent, risk or [], text or "", slots or {}))
                for h in s.scalars(select(HandoffRow).where(HandoffRow.session_id.in_(chunk))):
                    facts[h.session_id].handoffs.append(h)
                counted = s.execute(
                    select(ComplianceFindingRow.session_id, func.count())
                    .where(ComplianceFindingRow.session_id.in_(chunk))
                    .group_by(ComplianceFindingRow.session_id)
                )
                for sid, count in counted:
                    facts[sid].findings = int(count)
        for chunk in _chunks(ids):
            for sid, quality in self.annotations.for_sessions(chunk):
                facts[sid].annotations += 1
                if quality is not None:
                    facts[sid].quality.append(quality)
        return list(facts.values())

    def handoffs(self, session_ids: Sequence[str]) -> list[HandoffRow]:
        rows: list[HandoffRow] = []
        with self._db.session() as s:
            for chunk in _chunks(list(session_ids)):
                rows.extend(s.scalars(select(HandoffRow).where(HandoffRow.session_id.in_(chunk))))
        return rows

    def findings_by_severity(self, session_ids: Sequence[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        with self._db.session() as s:
            for chunk in _chunks(list(session_ids)):
                rows = s.execute(
                    select(ComplianceFindingRow.severity, func.count())
                    .where(ComplianceFindingRow.session_id.in_(chunk))
                    .group_by(ComplianceFindingRow.severity)
                )
                for severity, count in rows:
                    counts[severity] = counts.get(severity, 0) + int(count)
        return counts

    def facets(self) -> Facets:
        """The values the filter drop-downs offer."""
        return Facets(
            branches=values_of(self._db, SessionRow.branch_id),
            channels=values_of(self._db, SessionRow.channel),
            languages=values_of(self._db, SessionRow.language),
            intents=values_of(self._db, TurnRow.intent),
            outcomes=list(OUTCOMES),
            risk_flags=KNOWN_FLAGS,
        )

    # -- one session ------------------------------------------------------------------------------

    def detail(self, session_id: str) -> SessionDetail:
        with self._db.session() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                raise SessionNotFound(session_id)
            turns = list(s.scalars(select(TurnRow).where(TurnRow.session_id == session_id).order_by(TurnRow.seq)))
            handoffs = list(
                s.scalars(select(HandoffRow).where(HandoffRow.session_id == session_id).order_by(HandoffRow.created_at))
            )
            findings = list(
                s.scalars(
                    select(ComplianceFindingRow)
                    .where(ComplianceFindingRow.session_id == session_id)
                    .order_by(ComplianceFindingRow.created_at, ComplianceFindingRow.id)
                )
            )
        notes = self.annotations.for_session(session_id)
        facts = SessionFacts(
            row=row,
            turns=[TurnFacts(t.seq, t.speaker, t.intent, t.risk or [], t.text or "", t.slots or {}) for t in turns],
            handoffs=handoffs,
            findings=len(findings),
            annotations=len(notes),
            quality=[n.quality for n in notes if n.quality is not None],
        )
        customer = row.state.get("customer") if isinstance(row.state, dict) else None
        masker = session_masker(row.state, turn_data(turns))
        masked = masker.data(customer, person=True) if isinstance(customer, dict) else None
        return SessionDetail(
            summary=summarize(facts),
            customer=masked,
            customer_masked_fields=sorted(k for k in (masked or {}) if masked and masked[k] != customer[k]),  # type: ignore[index]
            transcript=transcript(turns, notes, masker),
            timeline=timeline(row, turns, handoffs, findings),
            findings=[finding(f, masker) for f in findings],
            handoffs=[handoff_brief(h) for h in handoffs],
        )

    def export_turns(self, session_ids: Sequence[str]) -> Iterator[tuple[str, list[TurnRow]]]:
        """Each session's turns in order, read in chunks (for exports)."""
        for chunk in _chunks(list(session_ids)):
            by_session: dict[str, list[TurnRow]] = {sid: [] for sid in chunk}
            with self._db.session() as s:
                for t in s.scalars(
                    select(TurnRow).where(TurnRow.session_id.in_(chunk)).order_by(TurnRow.session_id, TurnRow.seq)
                ):
                    by_session[t.session_id].append(t)
            for sid in chunk:
                yield sid, by_session[sid]

    def export_names(self, session_ids: Sequence[str]) -> dict[str, set[str]]:
        """The names each session's state knows (its customer, screened payees), for masking its export."""
        names: dict[str, set[str]] = {}
        with self._db.session() as s:
            for chunk in _chunks(list(session_ids)):
                for sid, state in s.execute(select(SessionRow.id, SessionRow.state).where(SessionRow.id.in_(chunk))):
                    names[sid] = state_names(state)
        return names

    # -- the raw value behind a mask (the caller audits) -------------------------------------------

    def raw_value(self, session_id: str, field: str, turn_seq: int | None) -> str:
        with self._db.session() as s:
            row = s.get(SessionRow, session_id)
            if row is None:
                raise SessionNotFound(session_id)
            if field == "text":
                if turn_seq is None:
                    raise FieldNotFound("unmasking a turn's text needs turn_seq")
                text = s.scalar(select(TurnRow.text).where(TurnRow.session_id == session_id, TurnRow.seq == turn_seq))
                if text is None:
                    raise TurnNotFound(f"session {session_id} has no turn {turn_seq}")
                return str(text)
            prefix, _, key = field.partition(".")
            customer = row.state.get("customer") if isinstance(row.state, dict) else None
            if prefix == "customer" and isinstance(customer, dict) and key in customer:
                value = customer[key]
                if isinstance(value, str | int | float):
                    return str(value)
            raise FieldNotFound(f"session {session_id} has no field {field!r} to unmask")


def values_of(db: Database, column: Any) -> list[str]:
    with db.session() as s:
        return sorted(str(v) for v in s.scalars(select(column).distinct().where(column.is_not(None))) if v)


def _keep(summary: SessionSummary, f: SessionFilter) -> bool:
    if f.intent and f.intent not in summary.intents:
        return False
    if f.outcome and summary.outcome != f.outcome:
        return False
    if f.handoff is not None and (summary.handoff is not None) != f.handoff:
        return False
    if f.risk == "any":
        return bool(summary.risk_flags)
    if f.risk == "none":
        return not summary.risk_flags
    return not f.risk or f.risk in summary.risk_flags

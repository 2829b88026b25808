"""Supervisors' notes and quality scores on turns (`turn_annotations`).

An annotation belongs to one turn of one session; its author may delete it (an admin may delete any).
Notes are free text written by staff, so they are masked like everything else before they are shown.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from assistant.store.db import Database
from assistant.store.sessions import SessionNotFound
from assistant.store.tables import SessionRow, TurnAnnotationRow, TurnRow, utcnow
from assistant.supervision.schemas import Annotation, AnnotationIn
from assistant.supervision.summary import iso
from integrations.pii import mask_text


class TurnNotFound(LookupError):
    """The session has no turn with this number."""


class AnnotationNotFound(LookupError):
    """No annotation with this id."""


class NotYourAnnotation(PermissionError):
    """Only the author (or an admin) may delete an annotation."""


def as_annotation(row: TurnAnnotationRow) -> Annotation:
    return Annotation(
        id=row.id,
        session_id=row.session_id,
        turn_seq=row.turn_seq,
        author=row.author,
        label=row.label,
        note=mask_text(row.note or ""),
        quality=row.quality,
        created_at=iso(row.created_at) or "",
    )


class AnnotationStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, session_id: str, author: str, note: AnnotationIn) -> Annotation:
        with self._db.session() as s:
            if s.get(SessionRow, session_id) is None:
                raise SessionNotFound(session_id)
            turn = s.scalar(select(TurnRow.id).where(TurnRow.session_id == session_id, TurnRow.seq == note.turn_seq))
            if turn is None:
                raise TurnNotFound(f"session {session_id} has no turn {note.turn_seq}")
            row = TurnAnnotationRow(
                session_id=session_id,
                turn_seq=note.turn_seq,
                author=author,
                label=(note.label or "").strip() or None,
                note=note.note.strip(),
                quality=note.quality,
                created_at=utcnow(),
            )
            s.add(row)
            s.flush()
            return as_annotation(row)

    def for_session(self, session_id: str) -> list[Annotation]:
        with self._db.session() as s:
            rows = s.scalars(
                select(TurnAnnotationRow)
                .where(TurnAnnotationRow.session_id == session_id)
                .order_by(TurnAnnotationRow.turn_seq, TurnAnnotationRow.id)
            )
            return [as_annotation(r) for r in rows]

    def for_sessions(self, session_ids: Sequence[str]) -> list[tuple[str, int | None]]:
        """(session_id, quality) of every annotation of these sessions, for counts and averages."""
        if not session_ids:
            return []
        with self._db.session() as s:
            rows = s.execute(
                select(TurnAnnotationRow.session_id, TurnAnnotationRow.quality).where(
                    TurnAnnotationRow.session_id.in_(session_ids)
                )
            )
            return [(sid, quality) for sid, quality in rows]

    def delete(self, annotation_id: int, actor: str, is_admin: bool = False) -> Annotation:
        with self._db.session() as s:
            row = s.get(TurnAnnotationRow, annotation_id)
            if row is None:
                raise AnnotationNotFound(annotation_id)
            if row.author != actor and not is_admin:
                raise NotYourAnnotation(annotation_id)
            gone = as_annotation(row)
            s.delete(row)
            return gone

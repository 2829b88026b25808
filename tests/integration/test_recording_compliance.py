"""The compliance pass knows about recordings: a visit whose audio was kept without the customer's
standing consent to recording is a high finding; a consented one is clean (real SQLite store and audit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.audit import AuditLog
from assistant.compliance import ComplianceReviewer
from assistant.store import Database
from assistant.store.sessions import NewTurn, SessionStore

pytestmark = pytest.mark.integration


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'lobby.db'}")
    database.upgrade()
    yield database
    database.dispose()


def recorded_visit(db: Database, consents: list[bool]) -> str:
    sessions = SessionStore(db)
    row = sessions.create("kiosk", "BJ001", "KIOSK-BJ001-01", "zh", {"language": "zh"})
    turns = [
        NewTurn("customer", "[consent]", source="device", intent="event:consent", slots={"recording": given})
        for given in consents
    ]
    sessions.record(row.id, [*turns, NewTurn("customer", "我要查余额", source="speech"), NewTurn("assistant", "好的")])
    sessions.end(row.id)
    AuditLog(db).record("system:recorder", None, "recording_store", row.id, {"sha256": "0" * 64, "part": 1})
    return row.id


@pytest.mark.parametrize(
    ("consents", "flagged"),
    [([True], False), ([], True), ([False], True), ([True, False], True), ([False, True], False)],
)
def test_a_kept_recording_needs_standing_consent(db: Database, consents: list[bool], flagged: bool) -> None:
    sid = recorded_visit(db, consents)
    rules = [f.rule for f in ComplianceReviewer(db).review_session(sid)]
    assert ("recording_kept_without_consent" in rules) is flagged


def test_a_visit_without_a_recording_is_not_flagged_for_one(db: Database) -> None:
    sessions = SessionStore(db)
    row = sessions.create("kiosk", "BJ001", "KIOSK-BJ001-01", "zh", {"language": "zh"})
    sessions.record(row.id, [NewTurn("customer", "营业时间", source="typed"), NewTurn("assistant", "9点")])
    sessions.end(row.id)
    assert "recording_kept_without_consent" not in [f.rule for f in ComplianceReviewer(db).review_session(row.id)]


def test_a_recording_waits_for_analysis_until_analysed_and_again_when_a_part_is_added(db: Database) -> None:
    """What a restarted worker picks up: the chain says which recordings are not analysed since stored."""
    from assistant.recording.analysis import ACTION, ACTOR, pending_sessions

    audit = AuditLog(db)
    first, second = recorded_visit(db, [True]), recorded_visit(db, [True])
    assert pending_sessions(db) == [first, second]
    audit.record(ACTOR, None, ACTION, first, {"parts": [1], "findings": []})
    assert pending_sessions(db) == [second]
    audit.record("system:recorder", None, "recording_store", first, {"sha256": "1" * 64, "part": 2})
    assert pending_sessions(db) == [second, first]  # a later part is analysed again
    assert pending_sessions(db, limit=1) == [second]


def test_the_analysis_findings_reach_the_review_from_the_chain(db: Database) -> None:
    from assistant.recording.analysis import ACTION, ACTOR

    sid = recorded_visit(db, [True])
    finding = {
        "rule": "heard_answer_differs",
        "severity": "high",
        "turn_seq": 2,
        "detail": {"message": "customer said no: live took yes"},
    }
    AuditLog(db).record(ACTOR, None, ACTION, sid, {"findings": [{**finding, "detail": {"message": "older"}}]})
    AuditLog(db).record(ACTOR, None, ACTION, sid, {"findings": [finding]})  # the latest analysis counts
    [carried] = [f for f in ComplianceReviewer(db).review_session(sid) if f.rule == "heard_answer_differs"]
    assert carried.turn_seq == 2 and carried.detail == {"message": "customer said no: live took yes"}

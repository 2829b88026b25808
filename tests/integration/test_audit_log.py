"""The audit log's hash chain on SQLite and PostgreSQL: appends from many threads stay one chain, and
an edit, deletion or reordering made with SQL is found at the record it broke."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from assistant.audit import AuditLog
from assistant.audit.chain import record_hash
from assistant.store import Database

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'audit.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    database = Database(url)
    database.upgrade()
    if request.param == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))
    yield database
    database.dispose()


def fill(audit: AuditLog, n: int) -> None:
    for i in range(n):
        audit.record(f"teller{i % 3}", "teller", "unmask", f"session-{i}", {"reason": "客户来电核实", "turn": i})


def test_clean_chain_verifies(db: Database):
    audit = AuditLog(db)
    assert audit.verify().ok and audit.verify().records == 0
    fill(audit, 5)
    report = audit.verify()
    assert report.ok and report.records == 5 and report.head_hash == audit.list(limit=1)[0].hash
    entries = audit.list()
    assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
    assert all(newer.prev_hash == older.hash for newer, older in itertools.pairwise(entries))
    assert entries[-1].details == {"reason": "客户来电核实", "turn": 0}


def test_edited_details_are_named_by_seq(db: Database):
    audit = AuditLog(db)
    fill(audit, 6)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET details = :d WHERE seq = 4"), {"d": '{"reason": "nothing to see"}'})
    report = audit.verify()
    assert not report.ok and report.broken_seq == 4 and "contents changed" in (report.problem or "")
    assert report.records == 3


def test_edited_record_with_a_recomputed_hash_breaks_the_next_link(db: Database):
    audit = AuditLog(db)
    fill(audit, 4)
    second = audit.list()[-2]
    forged = record_hash(second.prev_hash, 2, second.at, "someone", "teller", "unmask", second.subject, second.details)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone', hash = :h WHERE seq = 2"), {"h": forged})
    report = audit.verify()
    assert not report.ok and report.broken_seq == 3 and "prev_hash" in (report.problem or "")


def test_deleted_record_is_named(db: Database):
    audit = AuditLog(db)
    fill(audit, 5)
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 3"))
    report = audit.verify()
    assert not report.ok and report.broken_seq == 3 and "missing" in (report.problem or "")


def test_concurrent_appends_form_one_chain(db: Database):
    audits = [AuditLog(db) for _ in range(4)]  # separate instances: only the database serialises them
    errors: list[BaseException] = []

    def work(audit: AuditLog, who: int) -> None:
        try:
            for i in range(10):
                audit.record(f"expert{who}", "expert", "handoff_accept", f"h-{who}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a, n)) for n, a in enumerate(audits)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audits[0].verify()
    assert report.ok and report.records == 40


def test_bad_action_and_long_fields(db: Database):
    audit = AuditLog(db)
    with pytest.raises(ValueError):
        audit.record("a", None, "Drop Table")
    entry = audit.record("x" * 500, None, "sign_in_failed", "s" * 500, {"when": object.__name__})
    assert len(entry.actor) == 64 and entry.subject is not None and len(entry.subject) == 128
    assert audit.verify().ok

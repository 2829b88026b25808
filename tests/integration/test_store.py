"""The store on SQLite and on PostgreSQL: migrations, schema in step with the models, repositories."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from assistant.store import Database
from assistant.store.handoffs import HandoffStore
from assistant.store.sessions import NewTurn, SessionNotFound, SessionStore, StaleSession
from assistant.store.tables import Base

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lobby.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()


def test_migrations_reach_head_and_match_models(db: Database):
    assert db.current_revision() == db.head_revision() == "0005"
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_is_idempotent_and_downgrade_removes_tables(db: Database):
    db.upgrade()
    assert {"sessions", "turns", "handoffs"} <= set(inspect(db.engine).get_table_names())
    db.downgrade("base")
    assert "sessions" not in inspect(db.engine).get_table_names()
    db.upgrade()
    assert db.ping()["ok"] is True


def test_session_and_turns_round_trip(db: Database):
    store = SessionStore(db)
    session = store.create("kiosk", branch_id="BJ001", device_id="K1", language="zh")
    store.append_turn(
        session.id,
        NewTurn(
            speaker="customer",
            text="我想挂失",
            intent="card_loss",
            slots={"card_tail": "1234"},
            latency_ms={"nlu": 3.5},
        ),
    )
    store.append_turn(session.id, NewTurn(speaker="assistant", text="好的", citations=[{"doc_id": "card-loss"}]))
    turns = store.turns(session.id)
    assert [t.seq for t in turns] == [1, 2]
    assert turns[0].slots == {"card_tail": "1234"}
    assert turns[1].citations == [{"doc_id": "card-loss"}]
    store.save_state(session.id, {"journey": {"name": "card_loss", "step": 2}}, expected_version=0)
    assert store.get(session.id).version == 1
    with pytest.raises(StaleSession):  # another process saved version 1 meanwhile
        store.save_state(session.id, {"journey": None}, expected_version=0)
    assert store.get(session.id).state["journey"]["step"] == 2
    ended = store.end(session.id)
    assert ended.status == "ended" and ended.ended_at is not None


def test_unknown_session_is_a_typed_error(db: Database):
    store = SessionStore(db)
    with pytest.raises(SessionNotFound):
        store.get("no-such-session")
    with pytest.raises(SessionNotFound):
        store.append_turn("no-such-session", NewTurn(speaker="customer", text="hi"))


def test_concurrent_turn_appends_never_share_a_sequence_number(db: Database):
    store = SessionStore(db)
    session = store.create("teller")
    errors: list[Exception] = []

    def append(i: int) -> None:
        try:
            store.append_turn(session.id, NewTurn(speaker="customer", text=f"t{i}"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = [t.seq for t in store.turns(session.id)]
    assert sorted(seqs) == list(range(1, 9))


def test_handoff_queue_order_and_positions(db: Database):
    sessions, handoffs = SessionStore(db), HandoffStore(db)
    ids = [sessions.create("kiosk").id for _ in range(3)]
    first = handoffs.create(ids[0], "requested", "general", 0, {"intent": "human"})
    second = handoffs.create(ids[1], "requested", "general", 0, {})
    urgent = handoffs.create(ids[2], "risk", "general", 5, {"risk": ["safe_account"]})
    assert [h.id for h in handoffs.queue("general")] == [urgent.id, first.id, second.id]
    assert handoffs.position(urgent.id) == 1
    assert handoffs.position(second.id) == 3
    assert handoffs.open_for_session(ids[0]).id == first.id
    assert handoffs.accept(urgent.id, "expert-1") is True
    assert handoffs.position(first.id) == 1 and handoffs.position(urgent.id) == 0
    handoffs.close(urgent.id)
    assert handoffs.get(urgent.id).status == "finished"
    assert handoffs.open_for_session(ids[2]) is None


def test_two_experts_accepting_at_once_exactly_one_wins(db: Database):
    session = SessionStore(db).create("kiosk")
    handoffs = HandoffStore(db)
    handoff = handoffs.create(session.id, "requested", "general", 0, {})
    barrier = threading.Barrier(6)
    wins: list[bool] = []

    def accept(name: str) -> None:
        barrier.wait()
        wins.append(handoffs.accept(handoff.id, name))

    threads = [threading.Thread(target=accept, args=(f"expert-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 5 + [True]
    assert handoffs.get(handoff.id).assigned_to.startswith("expert-")


def test_idle_sessions_are_ended(db: Database):
    from datetime import timedelta

    from assistant.store.tables import utcnow

    store = SessionStore(db)
    idle, fresh = store.create("kiosk"), store.create("kiosk")
    store.save_state(fresh.id, {"touched": True})
    ended = store.end_idle(idle_since=utcnow() + timedelta(seconds=1))
    assert {idle.id, fresh.id} <= set(ended)  # the database is shared by this run's tests: theirs may end too
    assert store.end_idle(idle_since=utcnow() + timedelta(seconds=1)) == []  # already ended
    assert store.get(idle.id).status == store.get(fresh.id).status == "ended"
    other = store.create("kiosk")
    assert store.end_idle(idle_since=utcnow() - timedelta(minutes=5)) == []
    assert store.get(other.id).status == "active"


def test_a_turn_is_recorded_in_one_transaction_or_not_at_all(db: Database):
    store = SessionStore(db)
    session = store.create("kiosk")
    rows = store.record(
        session.id,
        [NewTurn(speaker="customer", text="你好"), NewTurn(speaker="assistant", text="您好")],
        state={"step": 1},
        expected_version=0,
    )
    assert [r.seq for r in rows] == [1, 2]
    with pytest.raises(StaleSession):
        store.record(session.id, [NewTurn(speaker="customer", text="lost")], state={"step": 9}, expected_version=0)
    assert [t.text for t in store.turns(session.id)] == ["你好", "您好"]  # nothing of the refused turn
    assert store.get(session.id).state == {"step": 1}


def test_the_idle_sweep_tells_the_kiosk_showing_the_session_to_clear(db: Database):
    """A kiosk's page learns of a server-side end (its last customer's conversation must not stay on screen)."""
    import asyncio
    from datetime import timedelta

    from assistant.events.bus import InProcessBus
    from assistant.runtime import end_idle_once
    from assistant.store.tables import utcnow

    store, bus = SessionStore(db), InProcessBus()
    walked_away = store.create("kiosk")

    async def sweep() -> object:
        line = await bus.subscribe(f"session:{walked_away.id}")
        ended = await end_idle_once(store, bus, utcnow() + timedelta(seconds=1))
        assert walked_away.id in ended
        return await line.get(wait_s=2.0)

    message = asyncio.run(sweep())
    assert message == {"type": "session_ended", "reason": "idle"}
    assert store.get(walked_away.id).status == "ended"

"""Dispatch over a real store: offers by skill and fairness, timeouts that re-offer then fall back to the
branch's tellers, wait-time metrics, and two experts accepting at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from assistant.conversation.dispatch import TELLER, Dispatcher, DispatchOptions
from assistant.events.bus import InProcessBus
from assistant.store import Database
from assistant.store.handoffs import HandoffStore, PresenceStore
from assistant.store.sessions import SessionStore
from assistant.store.tables import UserRow, utcnow

pytestmark = pytest.mark.integration


def add_user(db: Database, username: str, role: str = "expert", skills=("general",), presence="online") -> None:
    with db.session() as s:
        s.add(
            UserRow(
                username=username,
                role=role,
                password_hash="x",
                display_name=username,
                branch_id="BJ001",
                skills=list(skills),
                presence=presence,
                active=True,
                failed_logins=0,
                created_at=utcnow(),
            )
        )


def migrated(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    return db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = migrated(f"sqlite:///{tmp_path / 'lobby.db'}")
    yield database
    database.dispose()


def new_handoff(db: Database, skill: str = "general", priority: int = 0) -> str:
    session = SessionStore(db).create("kiosk", "BJ001")
    return HandoffStore(db).create(session.id, "requested", skill, priority, {}, branch_id="BJ001").id


def dispatcher(db: Database, **options) -> tuple[Dispatcher, InProcessBus]:
    bus = InProcessBus()
    return Dispatcher(HandoffStore(db), PresenceStore(db), bus, DispatchOptions(**options)), bus


async def test_a_new_handoff_is_offered_to_the_online_expert_with_the_skill_who_took_fewest(db: Database):
    add_user(db, "busy_bee", skills=["loans"])
    add_user(db, "fresh", skills=["loans"])
    add_user(db, "wrong_skill", skills=["wealth"])
    add_user(db, "away", skills=["loans"], presence="offline")
    d, bus = dispatcher(db)
    earlier = new_handoff(db, "loans")
    assert d.accept(earlier, "busy_bee")
    d.finish(earlier, "busy_bee")
    sub = await bus.subscribe("handoffs")
    hid = new_handoff(db, "loans")
    changed = await d.tick()
    assert [(what, row.id) for what, row in changed] == [("offered", hid)]
    message = await sub.get(1)
    assert message["type"] == "handoff_created" and message["handoff"]["offered_to"] == "fresh"
    assert await d.tick() == []  # announced once


async def test_an_offer_nobody_takes_is_re_offered_then_falls_back_to_the_branch_teller(db: Database):
    add_user(db, "e1")
    add_user(db, "e2")
    d, _bus = dispatcher(db, offer_timeout_s=30, max_offers=2)
    hid = new_handoff(db)
    now = dt.datetime.now(dt.UTC)
    (first,) = await d.tick(now)
    offered = first[1].summary["dispatch"]["offered_to"]
    assert await d.tick(now + dt.timedelta(seconds=10)) == []  # not yet timed out
    ((what, row),) = await d.tick(now + dt.timedelta(seconds=31))
    assert what == "reoffered" and row.summary["dispatch"]["offered_to"] not in (None, offered)
    assert row.priority == 1
    ((what, row),) = await d.tick(now + dt.timedelta(seconds=62))
    assert what == "teller" and row.skill == TELLER and row.summary["dispatch"]["fallback_from"] == "general"
    assert REGISTRY.get_sample_value("lobby_handoff_timeouts_total", {"outcome": "teller"}) >= 1
    assert await d.tick(now + dt.timedelta(seconds=200)) == []  # with the tellers now: it waits for them
    assert [h["id"] for h in d.queue_for("t1", "teller", "BJ001")] == [hid]


async def test_without_an_online_expert_the_timeout_goes_straight_to_the_teller(db: Database):
    add_user(db, "sleepy", presence="offline")
    d, _bus = dispatcher(db, offer_timeout_s=5)
    new_handoff(db)
    now = dt.datetime.now(dt.UTC)
    ((what, row),) = await d.tick(now)
    assert what == "offered" and row.summary["dispatch"]["offered_to"] is None
    ((what, row),) = await d.tick(now + dt.timedelta(seconds=6))
    assert what == "teller"


async def test_next_skips_a_fresh_offer_to_someone_else_and_accept_records_the_wait(db: Database):
    add_user(db, "e1")
    add_user(db, "e2")
    d, _bus = dispatcher(db, offer_timeout_s=60)
    a = new_handoff(db, priority=5)
    b = new_handoff(db, priority=0)
    await d.tick()
    offered_a = d.handoffs.get(a).summary["dispatch"]["offered_to"]
    other = "e2" if offered_a == "e1" else "e1"
    assert d.next_for(offered_a, "expert", "BJ001").id == a
    assert d.next_for(other, "expert", "BJ001").id == b  # a is offered to the colleague
    before = REGISTRY.get_sample_value("lobby_handoff_wait_seconds_count", {"skill": "general"}) or 0
    assert d.accept(a, offered_a)
    assert REGISTRY.get_sample_value("lobby_handoff_wait_seconds_count", {"skill": "general"}) == before + 1
    assert d.presence.get(offered_a).presence == "busy"
    d.finish(a, offered_a)
    assert d.presence.get(offered_a).presence == "online"
    await d.tick()
    assert REGISTRY.get_sample_value("lobby_handoffs_queued", {"skill": "general"}) == 1


def race(db: Database, experts: int = 8) -> list[bool]:
    """`experts` threads accept the same handoff at the same moment."""
    hid = new_handoff(db)
    store = HandoffStore(db)
    barrier = threading.Barrier(experts)
    results: list[bool] = [False] * experts

    def take(i: int) -> None:
        barrier.wait()
        results[i] = store.accept(hid, f"expert{i}")

    threads = [threading.Thread(target=take, args=(i,)) for i in range(experts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winner = store.get(hid).assigned_to
    assert results.count(True) == 1 and winner == f"expert{results.index(True)}"
    return results


def test_two_experts_accepting_at_once_exactly_one_wins_on_sqlite(db: Database):
    for _ in range(5):
        race(db)


@pytest.mark.postgres
def test_two_experts_accepting_at_once_exactly_one_wins_on_postgres(postgres_url: str):
    db = migrated(postgres_url)
    try:
        for _ in range(5):
            race(db)
    finally:
        db.dispose()


def check_awaiting_authorisation_gets_one_handoff(db: Database) -> None:
    sessions = SessionStore(db)
    waiting = sessions.create(
        "kiosk", "BJ001", state={"journey_info": {"name": "transfer", "status": "waiting_authorization"}}
    )
    sessions.create("kiosk", "BJ001", state={"journey_info": {"name": "transfer", "status": "active"}})
    opened: list[str] = []

    def open_handoff(session) -> None:
        opened.append(session.id)
        HandoffStore(db).create(session.id, "authorization", "remote_verification", 0, {}, "BJ001")

    d = Dispatcher(HandoffStore(db), PresenceStore(db), InProcessBus(), DispatchOptions(), open_handoff)
    d.sweep()
    d.sweep()  # the open handoff keeps it from being asked twice
    assert opened == [waiting.id]


def test_a_journey_waiting_for_an_authorisation_gets_one_handoff_on_sqlite(db: Database):
    check_awaiting_authorisation_gets_one_handoff(db)


@pytest.mark.postgres
def test_a_journey_waiting_for_an_authorisation_gets_one_handoff_on_postgres(postgres_url: str):
    db = migrated(postgres_url)
    try:
        check_awaiting_authorisation_gets_one_handoff(db)
    finally:
        db.dispose()

"""Queue hygiene with the real app and stores: a visit's end closes its handoffs (accepting then answers
410), authorisations rank above plain questions, and a long wait escalates (flag, higher rank, a second
offer, a `handoff_escalated` event for the consoles). Store-level races on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.config import Settings
from assistant.conversation.dispatch import Dispatcher, DispatchOptions, base_priority
from assistant.conversation.queue_hygiene import VISIT_ENDED, close_ended_visits, escalate
from assistant.events.bus import InProcessBus
from assistant.store import Database
from assistant.store.handoffs import HandoffStore, PresenceStore
from assistant.store.sessions import SessionStore
from knowledge.config import KnowledgeOptions
from tests.conftest import PREPARED_MODELS, TEST_AUTH
from tests.integration.test_dispatch import add_user, migrated

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(  # type: ignore[call-arg]
        env="test",
        var_dir=tmp_path_factory.mktemp("hygiene-var"),
        models_dir=Path(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        knowledge=KnowledgeOptions(auto_ingest=False),
        auth=TEST_AUTH,
        handoff=DispatchOptions(escalate_after_s=120),
        _env_file=None,
    )
    with TestClient(create_app(settings)) as client:
        for name, skills in (("hy_a", ["general"]), ("hy_b", ["general"])):
            client.app.state.users.add(name, "expert", "not-a-hash", f"专家 {name}", "BJ001", skills)
        yield client


def staff(app: TestClient, username: str) -> dict[str, str]:
    token = app.app.state.auth.tokens.issue(username, "expert", 600)
    return {"Authorization": f"Bearer {token}"}


def kiosk(app: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.app.state.demo_kiosk_token}"}


def asked_for_a_person(app: TestClient) -> tuple[str, str]:
    sid = app.post("/api/v1/sessions", json={"channel": "kiosk", "branch_id": "BJ001"}, headers=kiosk(app)).json()[
        "session_id"
    ]
    turn = app.post(f"/api/v1/sessions/{sid}/turns", json={"text": "我要找人工客服"}, headers=kiosk(app)).json()
    assert turn["handoff"], turn
    return sid, turn["handoff"]["id"]


def next_of(app: TestClient, line: object, kind: str, wait_s: float = 3) -> dict | None:
    """The next message of `kind` on a bus line, or None when none comes within `wait_s` per message."""
    while (message := app.portal.call(line.get, wait_s)) is not None:  # type: ignore[attr-defined]
        if message.get("type") == kind:
            return message
    return None


def tick(app: TestClient, now: dt.datetime | None = None) -> None:
    app.portal.call(app.app.state.dispatch.tick, now)


def test_an_ended_visit_closes_its_handoff_and_accepting_it_answers_410(app: TestClient):
    sid, hid = asked_for_a_person(app)
    assert app.post(f"/api/v1/sessions/{sid}/end", headers=kiosk(app)).status_code == 200
    late = app.post(f"/api/v1/handoffs/{hid}/accept", headers=staff(app, "hy_a"))  # before the loop's next pass
    assert late.status_code == 410 and "visit has ended" in late.json()["detail"]
    row = app.app.state.handoffs.get(hid)
    assert row.status == "cancelled" and row.summary["closed"]["reason"] == VISIT_ENDED
    queue = app.get("/api/v1/handoffs", headers=staff(app, "hy_a")).json()["handoffs"]
    assert hid not in [h["id"] for h in queue]


def test_the_loop_closes_accepted_handoffs_of_ended_visits_and_tells_the_consoles(app: TestClient):
    sid, hid = asked_for_a_person(app)
    expert = staff(app, "hy_b")
    assert app.post(f"/api/v1/handoffs/{hid}/accept", headers=expert).status_code == 200
    line = app.portal.call(app.app.state.events.subscribe, "handoffs")
    app.app.state.sessions.end(sid)  # the idle sweep's way: no request, only the store
    tick(app)
    event = next_of(app, line, "handoff_closed")
    assert event is not None
    app.portal.call(app.app.state.events.unsubscribe, line)
    assert event["handoff"]["id"] == hid and event["handoff"]["closed_reason"] == VISIT_ENDED
    said = app.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "您好"}, headers=expert)
    assert said.status_code == 410
    assert app.app.state.dispatch.presence.get("hy_b").presence == "online"  # nothing else assigned: free again


def test_authorisations_rank_above_plain_questions_and_complaints():
    question, complaint = base_priority("requested"), base_priority("complaint")
    authorisation = base_priority("authorization", "remote_verification")
    assert authorisation > complaint > question
    assert base_priority("risk") > authorisation


def test_a_long_wait_escalates_once_with_a_flag_an_event_and_a_second_offer(app: TestClient):
    _sid, hid = asked_for_a_person(app)
    tick(app)  # the first offer
    before = app.app.state.handoffs.get(hid)
    line = app.portal.call(app.app.state.events.subscribe, "handoffs")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=121)
    tick(app, later)
    event = next_of(app, line, "handoff_escalated")
    assert event is not None
    assert event["handoff"]["id"] == hid and event["handoff"]["escalated"] is True
    row = app.app.state.handoffs.get(hid)
    assert row.priority > before.priority and row.summary["dispatch"]["escalated_at"] == later.isoformat()
    assert row.summary["dispatch"]["offers"] > before.summary["dispatch"]["offers"]
    listed = app.get("/api/v1/handoffs", headers=staff(app, "hy_a")).json()["handoffs"]
    assert next(h for h in listed if h["id"] == hid)["escalated"] is True
    tick(app, later + dt.timedelta(seconds=5))  # once only
    assert app.app.state.handoffs.get(hid).priority == row.priority
    app.portal.call(app.app.state.events.unsubscribe, line)


def _store_races(db: Database) -> None:
    sessions, handoffs = SessionStore(db), HandoffStore(db)
    add_user(db, "race_exp")
    dispatcher = Dispatcher(handoffs, PresenceStore(db), InProcessBus(), DispatchOptions(escalate_after_s=60))
    ended = sessions.create("kiosk", "BJ001")
    alive = sessions.create("kiosk", "BJ001")
    gone = handoffs.create(ended.id, "requested", "general", 0, {}, branch_id="BJ001")
    kept = handoffs.create(alive.id, "requested", "general", 0, {}, branch_id="BJ001")
    sessions.end(ended.id)
    closed = [r.id for r in close_ended_visits(dispatcher)]  # the database may hold other tests' visits too
    assert gone.id in closed and kept.id not in closed
    assert not handoffs.accept(gone.id, "race_exp")  # closed: nobody can take it any more
    assert handoffs.close_with(gone.id, VISIT_ENDED) is None  # closed once
    assert handoffs.get(kept.id).status == "queued"
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)
    assert kept.id in [r.id for r in escalate(dispatcher, now)]
    assert kept.id not in [r.id for r in escalate(dispatcher, now)]  # once only
    assert handoffs.get(kept.id).summary["dispatch"]["offered_to"] == "race_exp"


def test_closing_and_escalating_on_sqlite(tmp_path: Path):
    db = migrated(f"sqlite:///{tmp_path / 'lobby.db'}")
    try:
        _store_races(db)
    finally:
        db.dispose()


@pytest.mark.postgres
def test_closing_and_escalating_on_postgres(postgres_url: str):
    db = migrated(postgres_url)
    try:
        _store_races(db)
    finally:
        db.dispose()

"""The supervisor's words search matches only what the supervisor sees (the masked transcript), is audited, and
the customer box, transcript and exports mask names: the oracle of issue 17 (a masked phone number read back by
prefix searches) on SQLite and PostgreSQL, then through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assistant.store import Database
from assistant.store.tables import SessionRow, TurnRow
from assistant.supervision import SessionFilter, SupervisionStore
from integrations.pii import mask_text
from tests.conftest import auth_headers

pytestmark = pytest.mark.integration

PHONE = "13911260451"
MASKED_PHONE = "139****0451"
STATE = {
    "customer": {"customer_id": "C1001", "name": "张伟", "identified_by": "id_card"},
    "risk": {"screened": ["李秀英"]},
}
TEXTS = [
    ("assistant", "张伟，您好，已确认您的身份。", {}),
    ("customer", f"我的手机号是{PHONE}", {}),
    ("customer", "收款人李秀英", {"payee": "李秀英"}),
    ("assistant", "请核对：向李秀英转账500.00元。", {}),
]


def add_visit(db: Database) -> str:
    """One visit as the conversation stores it: the customer identified, a phone number said, a payee named."""
    sid = str(uuid.uuid4())
    while mask_text(sid[:8]) != sid[:8]:  # a prefix like "31415926" reads as a number: searching it is refused
        sid = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    with db.session() as s:
        s.add(
            SessionRow(
                id=sid,
                channel="kiosk",
                branch_id="BJ001",
                device_id="K1",
                language="zh",
                status="ended",
                state=STATE,
                version=1,
                created_at=now,
                updated_at=now,
                ended_at=now,
            )
        )
        s.flush()
        for seq, (speaker, text, slots) in enumerate(TEXTS, start=1):
            s.add(
                TurnRow(
                    session_id=sid,
                    seq=seq,
                    speaker=speaker,
                    text=text,
                    source="typed",
                    intent=None,
                    slots=slots,
                    citations=[],
                    backend_calls=[],
                    risk=[],
                    latency_ms={},
                    created_at=now + dt.timedelta(seconds=seq),
                )
            )
    return sid


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'lobby.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()


def finds(store: SupervisionStore, q: str, sid: str) -> bool:
    """Whether searching `q` lists the visit (the PostgreSQL database is shared by the tests of a run)."""
    return sid in {s.session_id for s in store.page(SessionFilter(q=q)).items}


def test_prefix_searches_cannot_read_a_masked_number_back(db: Database):
    store = SupervisionStore(db)
    sid = add_visit(db)
    # the attack: grow a prefix one digit at a time; every step past what the mask shows must find nothing
    assert finds(store, "139", sid)
    assert not any(finds(store, f"139{d}", sid) for d in "0123456789")
    assert not finds(store, "我的手机号是1391", sid) and not finds(store, "1126", sid)
    # what the supervisor sees is found, the masked form included
    assert finds(store, MASKED_PHONE, sid) and finds(store, "0451", sid)
    assert finds(store, "手机号", sid) and finds(store, sid[:8], sid)


def test_names_are_searched_as_they_are_shown(db: Database):
    store = SupervisionStore(db)
    sid = add_visit(db)
    assert not any(finds(store, q, sid) for q in ("张伟", "李秀英", "李秀", "Zhang"))
    assert finds(store, "张*，您好", sid) and finds(store, "向李*英转账", sid)
    (summary,) = store.page(SessionFilter(session_id=sid)).items
    assert summary.preview == f"我的手机号是{MASKED_PHONE}"


def test_search_is_audited_and_review_and_export_mask_names(client: TestClient):
    db = client.app.state.db  # type: ignore[attr-defined]
    audit = client.app.state.audit  # type: ignore[attr-defined]
    sid = add_visit(db)
    sup = auth_headers(client, "supervisor")
    for q, hits in (("1391", 0), ("手机号", 1)):
        page = client.get("/api/v1/supervisor/sessions", params={"q": q}, headers=sup)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == hits
        last = audit.list(action="search")[0]
        assert (
            last.details["filters"]["q"] == q
            and last.details["sessions"] == hits
            and last.details["view"] == "sessions"
        )
    board = client.get("/api/v1/supervisor/dashboard", params={"q": "您好"}, headers=sup)
    assert board.status_code == 200 and audit.list(action="search")[0].details["view"] == "dashboard"
    assert client.get("/api/v1/supervisor/sessions", headers=sup).status_code == 200
    assert len(audit.list(action="search")) == 3  # a list without words is not a search

    detail = client.get(f"/api/v1/supervisor/sessions/{sid}", headers=sup).json()
    assert detail["customer"]["name"] == "张*" and "name" in detail["customer_masked_fields"]
    shown = json.dumps(detail, ensure_ascii=False)
    assert "张伟" not in shown and "李秀英" not in shown and PHONE not in shown
    unmask = client.post(
        f"/api/v1/supervisor/sessions/{sid}/unmask",
        json={"field": "customer.name", "reason": "complaint #7"},
        headers=sup,
    )
    assert unmask.status_code == 200 and unmask.json()["value"] == "张伟"
    assert audit.list(action="unmask")[0].details["field"] == "customer.name" and audit.verify().ok

    for fmt in ("jsonl", "csv"):
        body = client.get("/api/v1/supervisor/export", params={"format": fmt, "session_id": sid}, headers=sup).text
        assert "张伟" not in body and "李秀英" not in body and PHONE not in body
        texts = (
            [t["text"] for t in json.loads(body)["transcript"]]
            if fmt == "jsonl"
            else [r["text"] for r in csv.DictReader(io.StringIO(body.lstrip("\ufeff")))]
        )
        assert texts[0] == "张*，您好，已确认您的身份。" and texts[3] == "请核对：向李*英转账500.00元。"

"""Customer and payee names are masked in the review views and exports, like the numbers (no database)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from assistant.store.tables import SessionRow, TurnRow
from assistant.supervision.export import csv_lines, jsonl_lines
from assistant.supervision.masking import state_names
from assistant.supervision.summary import SessionFacts, TurnFacts, summarize, timeline, transcript

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)
STATE = {
    "customer": {"customer_id": "C1001", "name": "张伟", "identified_by": "id_card"},
    "journey_info": {"name": "transfer", "status": "completed"},
    "risk": {"screened": ["李秀英"]},
}
LOOKUP = {
    "operation": "lookup_customer",
    "arguments": {"id_number": "110***********0319"},
    "result": {"customer_id": "C1001", "name": "张伟", "name_en": "Zhang Wei"},
}
PAYEE_CHECK = {
    "operation": "lookup_payee",
    "arguments": {"account_number": "************2002", "name": "李秀英"},
    "result": {"holder_name_masked": "*秀英", "name_matches": True},
}
TRANSFER = {"operation": "transfer", "arguments": {"to_name": "李秀英", "amount": "500.00"}}


def row(state: dict | None = None) -> SessionRow:
    return SessionRow(
        id="s1",
        channel="kiosk",
        branch_id="BJ001",
        device_id="K1",
        language="zh",
        status="ended",
        state=STATE if state is None else state,
        version=1,
        created_at=T0,
        updated_at=T0,
        ended_at=T0 + dt.timedelta(minutes=5),
    )


def turn(seq: int, speaker: str, text: str, slots: dict | None = None, calls: list | None = None) -> TurnRow:
    return TurnRow(
        session_id="s1",
        seq=seq,
        speaker=speaker,
        text=text,
        source="typed",
        intent=None,
        slots=slots or {},
        citations=[],
        backend_calls=calls or [],
        risk=[],
        latency_ms={},
        created_at=T0 + dt.timedelta(seconds=seq),
    )


TURNS = [
    turn(1, "customer", "[id_card_read]"),
    turn(2, "assistant", "张伟，您好，已确认您的身份。请问今天想办理什么业务？", calls=[LOOKUP]),
    turn(3, "customer", "收款人李秀英", slots={"payee": "李秀英"}),
    turn(4, "assistant", "请问转账金额是多少？", calls=[PAYEE_CHECK]),
    turn(5, "assistant", "请核对：向李秀英转账500.00元。确认请说“确认”。", calls=[TRANSFER]),
]


def test_the_state_names_the_customer_and_screened_payees_but_not_the_journey():
    assert state_names(STATE) == {"张伟", "李秀英"}


def test_preview_and_transcript_mask_the_names():
    facts = SessionFacts(row=row(), turns=[TurnFacts(t.seq, t.speaker, None, [], t.text, t.slots) for t in TURNS])
    summary = summarize(facts)
    assert summary.preview == "收款人李*英" and summary.has_personal_data
    items = transcript(TURNS, [])
    shown = json.dumps([i.model_dump() for i in items], ensure_ascii=False)
    assert "张伟" not in shown and "李秀英" not in shown and "*秀英" not in shown and "Zhang Wei" not in shown
    assert items[1].text.startswith("张*，您好") and items[1].masked
    assert items[4].text == "请核对：向李*英转账500.00元。确认请说“确认”。"
    assert items[2].slots == {"payee": "李*英"}
    assert items[4].backend_calls[0]["arguments"]["to_name"] == "李*英"
    events = timeline(row(), TURNS, [], [])
    assert "张伟" not in json.dumps([e.model_dump() for e in events], ensure_ascii=False)


def test_exports_mask_the_names_of_the_state_and_of_the_turns():
    facts = SessionFacts(row=row(), turns=[TurnFacts(t.seq, t.speaker, None, [], t.text, t.slots) for t in TURNS])
    summaries = {"s1": summarize(facts)}
    # the customer named in the state only (no lookup call stored): the store passes the state's names
    bare = [turn(1, "assistant", "张伟，您好"), turn(2, "customer", "给李秀英转账")]
    names = {"s1": state_names(STATE)}
    for rows in (TURNS, bare):
        jsonl = "".join(jsonl_lines(summaries, [("s1", rows)], names))
        text = "".join(csv_lines(summaries, [("s1", rows)], names))
        for out in (jsonl, text):
            assert "张伟" not in out and "李秀英" not in out and "张*，您好" in out
    record = json.loads(jsonl)
    assert [t["text"] for t in record["transcript"]] == ["张*，您好", "给李*英转账"]
    assert [r["text"] for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))] == ["张*，您好", "给李*英转账"]

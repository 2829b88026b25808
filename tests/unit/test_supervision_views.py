"""Summaries, masked transcripts, timelines, dashboard aggregates and exports built from rows (no database)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from assistant.conversation import replies
from assistant.store.tables import ComplianceFindingRow, HandoffRow, SessionRow, TurnRow
from assistant.supervision.dashboard import build_dashboard, wait_stats
from assistant.supervision.export import csv_lines, jsonl_lines
from assistant.supervision.schemas import Annotation
from assistant.supervision.summary import SessionFacts, TurnFacts, summarize, timeline, transcript
from integrations.pii import id_check_digit

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
ID17 = "11010119900307851"
ID_NUMBER = ID17 + id_check_digit(ID17)


def session(sid: str = "s1", status: str = "ended", journey: dict | None = None, at: dt.datetime = T0) -> SessionRow:
    state = {"journey_info": journey} if journey else {}
    state["customer"] = {"name": "张伟", "id_number": ID_NUMBER, "phone": "13911260451"}
    return SessionRow(
        id=sid,
        channel="kiosk",
        branch_id="BJ001",
        device_id="K1",
        language="zh",
        status=status,
        state=state,
        version=1,
        created_at=at,
        updated_at=at,
        ended_at=at + dt.timedelta(minutes=5) if status == "ended" else None,
    )


def turn(seq: int, speaker: str, text: str, intent: str | None = None, risk: list | None = None) -> TurnRow:
    return TurnRow(
        session_id="s1",
        seq=seq,
        speaker=speaker,
        text=text,
        source="typed" if speaker == "customer" else "system",
        intent=intent,
        slots={"id_number": ID_NUMBER} if speaker == "customer" else {},
        citations=[],
        backend_calls=[],
        risk=risk or [],
        latency_ms={},
        created_at=T0 + dt.timedelta(seconds=seq),
    )


def handoff(accepted_after_s: float | None, status: str = "accepted") -> HandoffRow:
    return HandoffRow(
        id=f"h{accepted_after_s}",
        session_id="s1",
        reason="requested",
        skill="general",
        priority=0,
        status=status,
        summary={},
        assigned_to="expert1" if accepted_after_s is not None else None,
        created_at=T0 + dt.timedelta(seconds=10),
        accepted_at=None if accepted_after_s is None else T0 + dt.timedelta(seconds=10 + accepted_after_s),
    )


TURNS = [
    turn(1, "assistant", "您好"),
    turn(2, "customer", f"我的身份证号是{ID_NUMBER}，我要挂失", intent="card_loss"),
    turn(3, "assistant", replies.render("knowledge_abstain", "zh")),
    turn(
        4, "customer", "转五万给他", intent="transfer", risk=[{"type": "risk_decision", "action": "hold", "score": 0.8}]
    ),
]


def facts(**kw) -> SessionFacts:
    rows = kw.pop("turns", TURNS)
    return SessionFacts(
        row=kw.pop("row", session()),
        turns=[TurnFacts(t.seq, t.speaker, t.intent, t.risk, t.text) for t in rows],
        **kw,
    )


def test_summary_masks_the_preview_and_reads_outcome_flags_and_quality():
    summary = summarize(facts(quality=[4, 5], annotations=2, findings=1))
    assert summary.outcome == "abstained"
    assert summary.intents == ["card_loss", "transfer"]
    assert summary.risk_flags == ["hold"]
    assert summary.abstentions == 1
    assert summary.has_personal_data
    assert ID_NUMBER not in summary.preview
    assert ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:] in summary.preview
    assert summary.quality_avg == 4.5
    assert summary.customer_turns == 2


def test_summary_with_a_handoff_is_handed_off_with_its_wait():
    summary = summarize(facts(handoffs=[handoff(42.0)]))
    assert summary.outcome == "handed_off"
    assert summary.handoff is not None and summary.handoff.wait_s == 42.0


def test_transcript_masks_text_and_slots_and_places_annotations():
    note = Annotation(
        id=1, session_id="s1", turn_seq=2, author="sup", label="pii", note="ok", quality=3, created_at=T0.isoformat()
    )
    items = transcript(TURNS, [note])
    said = items[1]
    assert said.masked and ID_NUMBER not in said.text and said.text.endswith("，我要挂失")
    assert ID_NUMBER not in json.dumps(said.slots)
    assert said.annotations == [note]
    assert not items[0].masked and items[0].annotations == []
    assert items[2].abstained and items[3].risk_flags == ["hold"]


def test_timeline_orders_risk_handoff_and_findings():
    finding = ComplianceFindingRow(
        id=7,
        session_id="s1",
        turn_seq=4,
        rule="large_transfer_without_warning",
        severity="high",
        detail={"account_number": "6222020200112233445"},
        created_at=T0 + dt.timedelta(hours=1),
    )
    events = timeline(session(), TURNS, [handoff(30.0)], [finding])
    labels = [e.label for e in events]
    assert labels[0] == "session_started" and labels[-1] == "session_ended"
    assert labels.index("hold") < labels.index("handoff_requested") < labels.index("handoff_accepted")
    found = next(e for e in events if e.kind == "finding")
    assert found.at == (T0 + dt.timedelta(seconds=4)).isoformat()  # placed at its turn, not when it was written
    assert "6222020200112233445" not in json.dumps(found.detail)
    assert next(e for e in events if e.label == "hold").severity == "high"


def test_wait_stats_percentiles_and_buckets():
    stats = wait_stats([handoff(10), handoff(50), handoff(100), handoff(700), handoff(None, status="queued")])
    assert (stats.handoffs, stats.accepted, stats.waiting) == (5, 4, 1)
    assert stats.median_s == 50 and stats.p90_s == 700 and stats.max_s == 700
    assert {b.key: b.count for b in stats.buckets} == {
        "<=30s": 1,
        "<=60s": 1,
        "<=120s": 1,
        "<=300s": 0,
        "<=600s": 0,
        ">600s": 1,
    }
    assert wait_stats([]).median_s is None


def test_dashboard_counts_hours_in_local_time_and_containment():
    abstained = summarize(facts())
    handed = summarize(facts(row=session("s2", at=T0 + dt.timedelta(hours=3)), handoffs=[handoff(20)]))
    open_one = summarize(facts(row=session("s3", status="active")))
    answered_turns = [turn(1, "assistant", "您好"), turn(2, "customer", "几点开门", intent="branch_info")]
    answered = summarize(facts(row=session("s4"), turns=answered_turns))
    assert (abstained.outcome, handed.outcome, answered.outcome) == ("abstained", "handed_off", "answered")
    board = build_dashboard([abstained, handed, open_one, answered], [handoff(20)], {"high": 2}, "Asia/Shanghai")
    assert board.sessions == 4
    assert board.volume_by_hour[9] == 3 and board.volume_by_hour[12] == 1 and sum(board.volume_by_hour) == 4
    # finished without a human: only the answered visit (the abstained one ended unresolved)
    assert board.containment == {"ended_sessions": 3, "contained": 1, "handed_off": 1, "rate": 0.3333}
    assert {c.key: c.count for c in board.top_intents} == {"card_loss": 3, "transfer": 3, "branch_info": 1}
    assert {c.key: c.count for c in board.risk_events} == {"hold": 3}
    assert board.handoff_waits.median_s == 20
    assert board.findings[0].key == "high" and board.findings[0].count == 2
    assert board.abstentions["sessions"] == 3


def test_exports_are_masked_in_both_formats():
    summary = summarize(facts())
    turns = [("s1", TURNS)]
    jsonl = "".join(jsonl_lines({"s1": summary}, turns))
    record = json.loads(jsonl.splitlines()[0])
    assert len(jsonl.splitlines()) == 1 and len(record["transcript"]) == 4
    assert ID_NUMBER not in jsonl and "13911260451" not in jsonl
    assert ID_NUMBER[:3] in record["transcript"][1]["text"]
    text = "".join(csv_lines({"s1": summary}, turns))
    assert text.startswith("\ufeff") and ID_NUMBER not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["seq"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[3]["turn_risk_flags"] == "hold" and rows[2]["abstained"] == "yes"


def test_csv_export_defuses_spreadsheet_formulas():
    rows = [("s1", [turn(1, "customer", '=HYPERLINK("http://x")')])]
    text = "".join(csv_lines({"s1": summarize(facts())}, rows))
    assert "'=HYPERLINK" in text


def test_exports_keep_session_ids_whole():
    uuid_like = "8e6f7172-8651-47ab-9dcd-58db87bf5240"  # digit groups that look like a phone number to a masker
    summary = summarize(facts(row=session(uuid_like)))
    record = json.loads("".join(jsonl_lines({uuid_like: summary}, [(uuid_like, TURNS)])))
    assert record["session_id"] == uuid_like
    text = "".join(csv_lines({uuid_like: summary}, [(uuid_like, TURNS)]))
    assert text.count(uuid_like) == len(TURNS)

"""The pure parts of the after-visit analysis and of the stills: comparing a live turn with what was
re-heard (amounts through the NLU's parser, numbers, yes/no), the utterance windows, the review rules
that carry the findings over, the moments that ask for a still, and HTTP Range parsing."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from assistant.api.byte_range import Unsatisfiable, parse_range
from assistant.compliance.review import TurnFacts, Visit, review
from assistant.compliance.rules import default_matcher
from assistant.recording.capture import Capture
from assistant.recording.compare import LiveTurn, compare_turn
from assistant.recording.options import RecordingOptions
from assistant.recording.recorder import VisitRecorder
from assistant.recording.rehear import windows
from assistant.recording.stills import decode_still, events_of

pytestmark = pytest.mark.unit
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_an_amount_said_in_chinese_numerals_is_compared_as_a_number() -> None:
    live = LiveTurn(5, "我要转账一千五百元", {"amount": {"value": 1500, "currency": "CNY", "text": "一千五百元"}})
    [finding] = compare_turn(live, "我要转账一千二百元")
    assert finding["rule"] == "heard_amount_differs" and finding["severity"] == "high" and finding["turn_seq"] == 5
    assert finding["detail"]["message"] == "amount heard differently: live 1500, re-heard 1200"
    assert compare_turn(live, "我要转账1500元") == []  # 一千五百 and 1500 are the same amount
    assert compare_turn(LiveTurn(6, "转一万二"), "转12000块") == []  # cn2an's colloquial 一万二 = 12000


def test_numbers_are_compared_as_digits_and_shown_masked() -> None:
    live = LiveTurn(3, "账号是6222021234567890123")
    [finding] = compare_turn(live, "账号是6222021234567890456")
    assert finding["rule"] == "heard_number_differs"
    message = finding["detail"]["message"]
    assert message.startswith("account number differs: live ") and "0123" in message and "0456" in message
    assert "622202123456789" not in str(finding)  # never the whole number, in the message or the texts


def test_a_no_taken_as_yes_is_high_and_silence_or_agreement_is_no_finding() -> None:
    [said_no] = compare_turn(LiveTurn(9, "确认"), "不对")
    assert said_no["detail"]["message"] == "customer said no: live took yes" and said_no["severity"] == "high"
    [said_yes] = compare_turn(LiveTurn(9, "不是"), "是的")
    assert said_yes["severity"] == "medium"
    assert compare_turn(LiveTurn(9, "确认"), "确认") == []
    assert compare_turn(LiveTurn(9, "转账一千五"), "") == []  # nothing re-heard is weaker than the live path
    assert compare_turn(LiveTurn(9, "转账一千五"), "我想查余额") == []  # no amount re-heard: not a disagreement


def test_windows_widen_each_utterance_but_never_into_the_next() -> None:
    segments = [
        {"seq": 2, "channel": "customer", "start_s": 1.0, "end_s": 2.0},
        {"seq": 3, "channel": "avatar", "start_s": 2.0, "end_s": 4.0},
        {"seq": 4, "channel": "customer", "start_s": 2.2, "end_s": 3.0},
    ]
    assert windows(segments, 3.2) == [(2, 0.5, 2.2), (4, 2.0, 3.2)]


def turns(*consents: bool) -> list[TurnFacts]:
    return [
        TurnFacts(i + 1, "customer", "[consent]", "device", "event:consent", {"recording": given})
        for i, given in enumerate(consents)
    ]


def test_the_review_carries_the_analysis_over_and_says_when_there_is_no_recording() -> None:
    finding = compare_turn(LiveTurn(2, "转账一千五"), "转账一千二")[0]
    visit = Visit("s1", turns(True), recordings=1, analysis=[finding])
    [carried] = [f for f in review(visit, default_matcher()) if f.rule == "heard_amount_differs"]
    assert carried.turn_seq == 2 and carried.detail["message"] == "amount heard differently: live 1500, re-heard 1200"

    refused = [f for f in review(Visit("s2", turns(False)), default_matcher()) if f.rule == "no_recording"]
    assert refused and refused[0].severity == "info" and "did not consent" in refused[0].detail["message"]
    withdrawn = review(Visit("s3", turns(True, False)), default_matcher())
    assert "no_recording" in [f.rule for f in withdrawn]
    assert "no_recording" not in [f.rule for f in review(Visit("s4", turns(True), recordings=1), default_matcher())]
    assert "no_recording" not in [f.rule for f in review(Visit("s5", []), default_matcher())]  # never asked


def test_moments_that_ask_for_a_still() -> None:
    assert events_of({"intent": "event:id_card_read"}) == ["identification"]
    assert events_of({"act": "confirm", "journey": {"name": "transfer"}}) == ["confirmation"]
    assert events_of({"act": "confirm"}) == []  # a "yes" outside a journey confirms nothing
    assert events_of({"handoff": {"reason": "authorization"}}) == ["authorisation"]
    assert events_of({"risk": [{"type": "fraud", "action": "warn"}]}) == ["risk"]
    assert events_of({"risk": [{"type": "fraud", "action": "allow"}], "intent": "balance"}) == []
    assert decode_still(base64.b64encode(JPEG).decode()) == JPEG
    assert decode_still(base64.b64encode(b"GIF89a...").decode()) is None and decode_still(None) is None


class FakeRecordings:
    def __init__(self, stills: bool = True) -> None:
        self.options = RecordingOptions(stills=stills)
        self.saved: list[Capture] = []

    async def save(self, capture: Capture) -> dict[str, Any]:
        self.saved.append(capture)
        return {}


def run(recorder: VisitRecorder, consent: bool, answer: str = "") -> list[dict[str, Any]]:
    asked: list[dict[str, Any]] = []
    recorder._ask = asked.append  # what the connection would send to the page
    recorder.observe({"type": "session", "session_id": "s1"})
    recorder.mic(b"\x10\x00" * 3200)
    turn = {"intent": "event:consent", "slots": {"recording": consent}}
    recorder.observe({"type": "reply", "reply_id": "r1", "turn": turn})
    recorder.mic(b"\x10\x00" * 3200)
    recorder.observe({"type": "reply", "reply_id": "r2", "turn": {"intent": "event:id_card_read"}})
    recorder.still("still-99", base64.b64encode(JPEG).decode())  # never asked: dropped
    for request in asked:
        recorder.still(request["request_id"], answer or base64.b64encode(JPEG).decode())
    recorder.observe({"type": "session_ended"})
    return asked


async def test_a_still_is_asked_only_in_a_recorded_visit_and_kept_only_when_asked() -> None:
    fake = FakeRecordings()
    recorder = VisitRecorder(fake, ask=lambda m: None)  # type: ignore[arg-type]
    asked = run(recorder, consent=True)
    await asyncio.sleep(0)
    await recorder.aclose()
    assert [a["event"] for a in asked] == ["identification"]
    [still] = fake.saved[0].stills
    assert still.event == "identification" and still.jpeg == JPEG and still.position > 0

    for consent, stills in ((False, True), (True, False)):
        other = FakeRecordings(stills=stills)
        quiet = VisitRecorder(other, ask=lambda m: None)  # type: ignore[arg-type]
        assert run(quiet, consent=consent) == []
        await quiet.aclose()
        assert all(not c.stills for c in other.saved)


def test_byte_ranges() -> None:
    assert parse_range(None, 100) is None and parse_range("bytes=0-9,20-29", 100) is None
    assert parse_range("items=1-2", 100) is None
    assert parse_range("bytes=10-19", 100) == (10, 19)
    assert parse_range("bytes=90-", 100) == (90, 99) and parse_range("bytes=90-500", 100) == (90, 99)
    assert parse_range("bytes=-10", 100) == (90, 99) and parse_range("bytes=-500", 100) == (0, 99)
    for bad in ("bytes=100-", "bytes=20-10", "bytes=-0"):
        with pytest.raises(Unsatisfiable):
            parse_range(bad, 100)

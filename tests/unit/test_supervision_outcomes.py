"""Outcome, risk-flag and abstention rules of the supervisor's review (pure functions)."""

from __future__ import annotations

import pytest

from assistant.conversation import replies
from assistant.supervision.outcomes import OUTCOMES, classify_outcome, is_abstention, risk_events, risk_flags

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("status", "journey", "handoff", "customer_turns", "abstentions", "expected"),
    [
        ("ended", "completed", True, 3, 0, "handed_off"),
        ("active", None, True, 1, 0, "handed_off"),
        ("ended", "completed", False, 3, 1, "completed"),
        ("active", "completed", False, 3, 0, "completed"),
        ("active", "active", False, 2, 0, "in_progress"),
        ("ended", "active", False, 2, 0, "abandoned"),
        ("ended", "waiting_authorization", False, 2, 0, "abandoned"),
        ("ended", None, False, 0, 0, "abandoned"),
        ("ended", "blocked", False, 4, 0, "blocked"),
        ("ended", "cancelled", False, 4, 1, "cancelled"),
        ("ended", None, False, 2, 1, "abstained"),
        ("ended", None, False, 2, 0, "answered"),
    ],
)
def test_outcome_precedence(status, journey, handoff, customer_turns, abstentions, expected):
    outcome = classify_outcome(status, journey, handoff, customer_turns, abstentions)
    assert outcome == expected
    assert outcome in OUTCOMES


def test_risk_decisions_and_screens_become_flags_allow_does_not():
    risk = [
        {"type": "risk_decision", "action": "hold", "score": 0.72, "reasons": ["elderly large transfer"]},
        {"type": "risk_screen", "decision": "allow", "hits": []},
        {
            "type": "risk_screen",
            "decision": "block",
            "hits": [{"list": "fraud", "reason": "known account", "score": 0.95}],
        },
        {"type": "prompt_injection", "action": "refused"},
        "not a dict",
    ]
    events = risk_events(4, risk)
    assert [e.flag for e in events] == ["hold", None, "block", "prompt_injection"]
    assert events[2].score == pytest.approx(0.95)
    assert events[2].reasons == ["known account"]
    assert events[0].reasons == ["elderly large transfer"]
    assert all(e.seq == 4 for e in events)
    assert risk_flags(events + risk_events(6, [{"type": "risk_decision", "action": "hold"}])) == [
        "hold",
        "block",
        "prompt_injection",
    ]


def test_unknown_risk_types_flag_by_type_unless_allowed():
    assert risk_flags(risk_events(1, [{"type": "vision_extra_face", "action": "warn_privacy"}])) == [
        "vision_extra_face"
    ]
    assert risk_flags(risk_events(1, [{"type": "vision_extra_face", "action": "allow"}])) == []
    assert risk_events(1, None) == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_abstention_replies_are_recognised_in_both_languages(language):
    assert is_abstention(replies.render("knowledge_abstain", language))
    assert is_abstention(replies.render("low_confidence_handoff", language, position=2))
    assert is_abstention("先回答一下。" + replies.render("knowledge_abstain", language))


def test_ordinary_replies_are_not_abstentions():
    assert not is_abstention(replies.render("welcome", "zh"))
    assert not is_abstention("工作日营业时间为 09:00-17:00。")
    assert not is_abstention("")

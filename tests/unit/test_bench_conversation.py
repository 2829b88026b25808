"""The conversation benchmark's own arithmetic: percentiles, fresh texts, memory reading, verdicts."""

from __future__ import annotations

import os

import pytest

from bench.conversation import _stats, fresh_texts, rss_kib, verdict

pytestmark = pytest.mark.unit


def test_stats_are_nearest_rank_percentiles() -> None:
    stats = _stats([float(v) for v in range(1, 101)])
    assert stats == {"n": 100, "p50": 50.0, "p95": 95.0, "max": 100.0, "mean": 50.5}
    assert _stats([7.0])["p95"] == 7.0
    assert _stats([]) == {"n": 0}


def test_fresh_texts_never_repeat_and_cover_every_kind() -> None:
    pairs = list(fresh_texts(300))
    texts = [text for _, text in pairs]
    assert len(texts) == 300 == len(set(texts))
    assert {kind for kind, _ in pairs} == {"knowledge_zh", "knowledge_en", "greeting"}
    assert texts == [text for _, text in fresh_texts(300)]  # seeded: runs compare


def test_rss_of_this_process_is_read_from_proc() -> None:
    assert rss_kib(os.getpid()) > 1024


def test_verdict_names_missed_targets() -> None:
    fast = {"n": 10, "p50": 10.0, "p95": 50.0}
    slow = {"n": 10, "p50": 40.0, "p95": 400.0}
    result = {
        "targets": {"turn_p50_ms": 30, "turn_p95_ms": 100, "concurrent_p95_ms": 300},
        "in_process": {
            "repeated_text_ms": fast,
            "fresh_text_ms": slow,
            "journey_turn_ms": fast,
            "all_text_turns_ms": slow,
        },
        "http": {"concurrent_repeated": {"turn_ms": slow}, "concurrent_fresh": {"turn_ms": fast}},
    }
    out = verdict(result)
    assert out["repeated_text_ms"] == {"p50_met": True, "p95_met": True}
    assert out["fresh_text_ms"] == {"p50_met": False, "p95_met": False}
    assert out["concurrent_repeated"] == {"p95_met": False}
    assert out["concurrent_fresh"] == {"p95_met": True}
    assert "concurrent_fresh_paced" not in out

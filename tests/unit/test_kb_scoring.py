"""Snippets, confidence calibration, evaluation metrics and the generation swap (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.confidence import ConfidenceModel, choose_threshold, fit_logistic
from knowledge.evaluation import EvalItem, EvalOutcome, summarize
from knowledge.snippets import mark, snippet
from knowledge.store import KBNameError, KBStore, list_bases

pytestmark = pytest.mark.unit


def test_marks_terms_in_the_original_traditional_text():
    assert mark("信用卡遺失請掛失", ["挂失"]) == "信用卡遺失請<mark>掛失</mark>"


def test_snippet_escapes_html_and_picks_the_matching_sentence():
    text = "第一句无关。<b>第二句</b>讲挂失的办法。第三句无关。" + "很长的填充内容。" * 40
    out = snippet(text, ["挂失"], max_chars=40)
    assert "<mark>挂失</mark>" in out and "&lt;b&gt;" in out and "<b>" not in out


def test_logistic_fit_separates_and_threshold_respects_budget():
    rng = np.random.default_rng(0)
    good = rng.normal([0.92, 0.93, 0.8, 0.0, 0.95, 0.7], 0.03, size=(100, 6))
    bad = rng.normal([0.83, 0.85, 0.2, 0.3, 0.85, 0.2], 0.03, size=(40, 6))
    x = np.vstack([good, bad])
    y = np.r_[np.ones(100), np.zeros(40)]
    weights, bias = fit_logistic(x, y)
    model = ConfidenceModel(list(weights), bias)
    conf_good = [model.score_vector(list(row)) for row in good]
    conf_bad = [model.score_vector(list(row)) for row in bad]
    assert min(conf_good) > max(conf_bad) - 0.5 and np.mean(conf_good) > 0.9 > 0.1 > np.mean(conf_bad)
    threshold = choose_threshold(conf_good, conf_bad, 0.05)
    assert sum(c < threshold for c in conf_good) <= 5


def test_calibration_round_trips_and_ignores_other_embedders(tmp_path):
    path = tmp_path / "cal.json"
    ConfidenceModel([1, 2, 3, 4, 5, 6, 7], -3.0, 0.4, {"embedder": "e1"}).save(path)
    assert ConfidenceModel.load(path, "e1").threshold == 0.4
    assert ConfidenceModel.load(path, "other").threshold == ConfidenceModel().threshold
    assert ConfidenceModel.load(tmp_path / "missing.json").bias == ConfidenceModel().bias


def test_summary_metrics_and_abstention():
    def outcome(relevant, rank, conf):
        return EvalOutcome(EvalItem("q", relevant), rank, conf, 1.0)

    outcomes = [outcome(["a"], 1, 0.9), outcome(["a"], 3, 0.8), outcome(["a"], None, 0.2), outcome([], None, 0.1)]
    data = summarize(outcomes, threshold=0.5)
    assert data["n"] == 4 and data["answerable"] == 3
    assert data["top1"] == round(1 / 3, 4) and data["top5"] == round(2 / 3, 4)
    assert data["mrr10"] == round((1 + 1 / 3) / 3, 4)
    assert data["abstain_unanswerable"] == 1.0 and data["abstain_answerable"] == round(1 / 3, 4)


def test_store_publishes_atomically_and_prunes_old_generations(tmp_path):
    store = KBStore(tmp_path, "demo")
    assert not store.exists() and store.stamp() == 0
    published = []
    for n in range(3):
        with store.writing():
            build = store.new_build_dir()
            build.mkdir()
            (build / "marker").write_text(str(n))
            published.append(store.publish(build))
        assert store.current_path() == published[-1]
        assert (store.current_path() / "marker").read_text() == str(n)
    assert not published[0].exists() and published[1].exists()  # previous kept for readers in flight
    assert list_bases(tmp_path) == ["demo"]


@pytest.mark.parametrize("name", ["../x", "", "a/b", ".hidden", "x" * 80])
def test_unsafe_kb_names_are_refused(tmp_path, name):
    with pytest.raises(KBNameError):
        KBStore(tmp_path, name)

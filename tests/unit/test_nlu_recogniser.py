"""The recogniser's mechanics on small made-up data (no embedding model): both heads, business-only rows,
term spotting with sound-alike rewriting, the cache, and the understander's floors and rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.nlu.catalogue import shipped_catalogue
from assistant.nlu.recogniser import Recogniser, TrainingSet, load_or_train
from assistant.nlu.terms import TermSpotter
from assistant.nlu.understanding import Understander, classifier_form

pytestmark = pytest.mark.unit

ROWS = [
    ("我要转账", "transfer", "request"),
    ("帮我转一笔钱", "transfer", "request"),
    ("转账多久到账", "transfer", "question"),
    ("转账要手续费吗", "transfer", "question"),
    ("我的卡丢了", "card_loss", "request"),
    ("卡丢了帮我挂失", "card_loss", "request"),
    ("挂失要带什么", "card_loss", "question"),
    ("挂失以后多久补卡", "card_loss", "question"),
    ("我想销户", "account_closing", "request"),
    ("销户要带什么", "account_closing", "question"),
    ("transfer money please", "transfer", None),
    ("i lost my card", "card_loss", None),
]
TERMS = {"transfer": ["转账", "transfer"], "card_loss": ["挂失", "丢了"], "account_closing": ["销户"]}


class FakeEmbedder:
    """Deterministic vectors from the characters, so tests need no model."""

    model_id = "fake"

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 16), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text:
                out[i, ord(ch) % 16] += 1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


def training_set() -> TrainingSet:
    texts = [classifier_form(t) for t, _, _ in ROWS]
    return TrainingSet(texts, FakeEmbedder().embed(texts), [b for _, b, _ in ROWS], [a for _, _, a in ROWS])


def test_both_heads_learn_and_business_only_rows_do_not_teach_acts() -> None:
    model = Recogniser.train(training_set(), terms=TERMS)
    assert set(model.business_head.labels) == {"transfer", "card_loss", "account_closing"}
    assert set(model.act_head.labels) == {"request", "question"}  # the act-less rows added no label
    seen = model.recognise("我要挂失", FakeEmbedder().embed(["我要挂失"])[0])
    assert seen.business.name == "card_loss"
    assert abs(sum(r.confidence for r in seen.businesses) - 1.0) < 0.01


def test_terms_are_found_by_sound_and_as_whole_latin_words() -> None:
    spotter = TermSpotter(
        {"card_loss": ["挂失"], "atm_issue": ["atm"], "ukey_token": ["u盾"], "card_password": ["pin"]}
    )
    assert spotter.spot("我要挂是") == ("我要挂失", {"card_loss"})
    assert spotter.spot("去ATM取钱")[1] == {"atm_issue"}
    assert spotter.spot("我的U盾坏了")[1] == {"ukey_token"}
    assert spotter.spot("shopping spin")[1] == set()


def test_a_fitted_recogniser_is_cached_by_its_data(tmp_path: Path) -> None:
    data = training_set()
    cache = tmp_path / f"recogniser-{data.key('x')}.pkl"
    first = load_or_train(cache, data, terms=TERMS)
    assert cache.exists()
    again = load_or_train(cache, data, terms=TERMS)
    assert again.business_head.labels == first.business_head.labels
    changed = TrainingSet(data.texts, data.vectors, data.businesses, [*data.acts[:-1], "request"])
    assert changed.key("x") != data.key("x")
    cache.write_bytes(b"not a pickle")  # a corrupt cache is rebuilt, not fatal
    assert load_or_train(cache, data, terms=TERMS).business_head.labels == first.business_head.labels


def test_the_understander_lets_rules_decide_short_acts_and_reads_digits_as_one_number() -> None:
    from assistant.nlu.data import load_intents, load_rules
    from assistant.nlu.rules import RuleMatcher

    rules = RuleMatcher(load_rules(known=[s.name for s in load_intents()]))
    understander = Understander(
        shipped_catalogue(), rules, FakeEmbedder(), Recogniser.train(training_set(), terms=TERMS)
    )
    yes = understander.understand("确认")
    assert (yes.act, yes.source) == ("confirm", "rule")
    assert understander.understand("转人工").business == "human_agent"
    assert classifier_form("转5000到6222 0212 3456 7890") == "转0到0"
    empty = understander.understand("   ")
    assert empty.source == "empty" and empty.unclear

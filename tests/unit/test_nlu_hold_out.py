"""`lobby eval intents --hold-out`: the named sets are never trained on and every row of them is read once;
an unknown set name is refused (on small made-up rows and a fake embedder: no model)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.nlu.catalogue import shipped_catalogue
from assistant.nlu.crossval import hold_out
from assistant.nlu.labelled import Row
from assistant.nlu.recogniser import Recogniser, TrainingSet
from assistant.nlu.understanding import Understander
from tests.unit.test_nlu_recogniser import FakeEmbedder

pytestmark = pytest.mark.unit

TRAIN = [
    ("我要转账", "request", "transfer"),
    ("帮我转一笔钱给我妈", "request", "transfer"),
    ("转账多久能到", "question", "transfer"),
    ("我的卡丢了快帮我挂失", "request", "card_loss"),
    ("挂失要带什么证件", "question", "card_loss"),
    ("卡丢了怎么办", "question", "card_loss"),
]
HELD = [("给我儿子转三千块", "request", "transfer"), ("银行卡找不到了要挂失", "request", "card_loss")]


def rows() -> list[Row]:
    out = [Row(t, a, b, f"openings_a:{i}", "spoken") for i, (t, a, b) in enumerate(TRAIN)]
    out += [Row(t, a, b, f"openings_z:{i}", "spoken") for i, (t, a, b) in enumerate(HELD)]
    return out


def understander() -> Understander:
    texts = [t for t, _, _ in TRAIN]
    data = TrainingSet(texts, FakeEmbedder().embed(texts), [b for *_, b in TRAIN], [a for _, a, _ in TRAIN])
    return Understander(shipped_catalogue(), None, FakeEmbedder(), Recogniser.train(data))


def test_the_held_out_set_is_read_once_and_never_trained_on(monkeypatch: pytest.MonkeyPatch) -> None:
    base = understander()
    trained_on: list[list[str]] = []
    original = Recogniser.train

    def spy(data: TrainingSet, *args: object, **kwargs: object) -> Recogniser:
        trained_on.append(list(data.texts))
        return original(data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Recogniser, "train", staticmethod(spy))
    labelled = rows()
    vectors = FakeEmbedder().embed([r.text for r in labelled])
    report = hold_out(base, [], np.zeros((0, 16), dtype=np.float32), labelled, vectors, ["openings_z"], errors=10)
    assert report["held_out"] == ["openings_z"]
    assert report["all"]["n"] == len(HELD)
    assert list(report["per_set"]) == ["openings_z"]
    assert len(trained_on) == 1
    assert not {"给我儿子转三千块", "银行卡找不到了要挂失"} & set(trained_on[0])
    assert len(trained_on[0]) == len(TRAIN)


def test_an_unknown_set_is_refused() -> None:
    labelled = rows()
    vectors = FakeEmbedder().embed([r.text for r in labelled])
    with pytest.raises(ValueError, match="openings_q"):
        hold_out(understander(), [], np.zeros((0, 16), dtype=np.float32), labelled, vectors, ["openings_q"])

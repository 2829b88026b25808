"""Normalisation, language detection and pinyin keyword spotting."""

from __future__ import annotations

import pytest

from assistant.nlu.pinyin import PinyinKeywordIndex, fuzzy, syllables
from assistant.nlu.text import compact, detect_language, is_filler, normalize

pytestmark = pytest.mark.unit


def test_normalize_traditional_fullwidth_and_spaces() -> None:
    assert normalize("  我想轉帳   給張三  ") == "我想转帐 给张三"
    assert normalize("１２３４５ＡＢＣ") == "12345ABC"
    assert normalize("￥5,000") == "¥5,000"
    assert normalize("Hello  World") == "Hello World"  # case is kept (payee names need it)


def test_compact_drops_case_punctuation_and_spaces() -> None:
    assert compact("Go back!") == "goback"
    assert compact("是的，是的。") == "是的是的"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我想转账", "zh"),
        ("我想轉帳", "zh"),
        ("I want to open an account", "en"),
        ("我要用ATM取钱", "zh"),  # acronyms do not make a Chinese turn mixed
        ("手机APP登录不了", "zh"),
        ("我想 transfer some money to my friend", "mixed"),
        ("can I 开户 here", "mixed"),
        ("12345", "zh"),  # nothing to go on: the default
        ("😀", "zh"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detect_language_default_is_the_sessions() -> None:
    assert detect_language("13812345678", default="en") == "en"


def test_syllables_and_fuzzy() -> None:
    assert syllables("挂失ATM卡") == ["gua", "shi", "ka"]
    assert fuzzy("zhang") == "zan"
    assert fuzzy("nian") == "lian"
    assert fuzzy("shi") == "si"


@pytest.fixture
def index() -> PinyinKeywordIndex:
    return PinyinKeywordIndex(
        [("挂失", "card_loss"), ("理财", "wealth"), ("转账", "transfer"), ("养老金", "pension"), ("手续费", "fees")]
    )


@pytest.mark.parametrize(
    ("heard", "corrected", "label"),
    [
        ("我的卡丢了要挂是", "我的卡丢了要挂失", "card_loss"),
        ("我想买点里财", "我想买点理财", "wealth"),
        ("转帐五千", "转账五千", "transfer"),
        ("个人养老今", "个人养老金", "pension"),
        ("首续费多少", "手续费多少", "fees"),  # shou/shou exact
        ("手需费多少", "手续费多少", "fees"),  # xu/xu
        ("个人氧老金", "个人养老金", "pension"),
    ],
)
def test_homophones_are_found_and_corrected(index: PinyinKeywordIndex, heard: str, corrected: str, label: str) -> None:
    hits = index.find(heard)
    assert [h.label for h in hits] == [label]
    assert not hits[0].exact
    assert PinyinKeywordIndex.correct(heard, hits) == corrected


def test_exact_hits_are_not_rewritten(index: PinyinKeywordIndex) -> None:
    hits = index.find("我想转账")
    assert hits[0].exact
    assert PinyinKeywordIndex.correct("我想转账", hits) == "我想转账"


def test_fuzzy_only_for_three_syllables_or_more(index: PinyinKeywordIndex) -> None:
    # zh/z merge: 养老金 (3 syllables) tolerates it, 转账 (2 syllables) does not.
    assert index.find("zan") == []
    assert [h.label for h in index.find("个人养脑金")] == ["pension"]  # nao ~ lao
    assert index.find("赞帐") == []  # zan zhang: not zhuan zhang


def test_single_character_keywords_are_ignored() -> None:
    assert PinyinKeywordIndex([("存", "deposit")]).find("存钱") == []


@pytest.mark.parametrize("text", ["嗯啊那个这个就是说", "啊啊啊", "那个，那个……", "um, well", "Uhh"])
def test_hesitation_only_turns_are_filler(text: str) -> None:
    assert is_filler(text)


@pytest.mark.parametrize("text", ["这个不要", "那个卡丢了", "well I lost my card", "", "嗯我要转账"])
def test_turns_with_content_are_not_filler(text: str) -> None:
    assert not is_filler(text)

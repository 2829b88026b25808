"""Mandarin readings: the bank polyphone list fixes what pypinyin gets wrong."""

from __future__ import annotations

import pytest

from speech.tts.engine_espeak import to_pinyin
from speech.tts.zh_frontend import apply_polyphones, pinyin_tone3, polyphones

pytestmark = pytest.mark.unit


def test_polyphone_list_is_well_formed() -> None:
    table = polyphones()
    assert table["支行"] == ["zhi1", "hang2"]
    assert all(len(word) == len(syllables) for word, syllables in table.items())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("北京朝阳支行", "bei3 jing1 chao2 yang2 zhi1 hang2"),
        ("跨行转账", "kua4 hang2 zhuan3 zhang4"),
        ("提前还款", "ti2 qian2 huan2 kuan3"),
        ("重置密码", "chong2 zhi4 mi4 ma3"),
        ("银行", "yin2 hang2"),
    ],
)
def test_bank_words_read_correctly(text: str, expected: str) -> None:
    assert " ".join(pinyin_tone3(text)) == expected


def test_overrides_apply_to_every_occurrence_only() -> None:
    assert apply_polyphones("支行和支行", ["zhi1", "xing2", "he2", "zhi1", "xing2"]) == [
        "zhi1", "hang2", "he2", "zhi1", "hang2",
    ]  # fmt: skip
    assert apply_polyphones("行走", ["xing2", "zou3"]) == ["xing2", "zou3"]


def test_espeak_pinyin_keeps_clause_punctuation() -> None:
    assert to_pinyin("您好，欢迎光临朝阳支行。") == "nin2 hao3, huan1 ying2 guang1 lin2 chao2 yang2 zhi1 hang2."

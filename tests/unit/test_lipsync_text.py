"""Lip-sync: Mandarin visemes from pinyin initials/finals, English from phonemes or spelling."""

from __future__ import annotations

import pytest

from avatar.lipsync import VISEMES, text_units
from avatar.lipsync.english import english_units, phonemes_to_visemes, spelling_visemes, syllable_count
from avatar.lipsync.mandarin import char_visemes, mandarin_units, syllable_visemes

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("initial", "final", "expected"),
    [
        ("b", "a", ("M", "A")),
        ("f", "an", ("F", "A")),
        ("d", "ian", ("L", "I", "E")),
        ("zh", "ang", ("S", "A")),
        ("x", "v", ("S", "U")),
        ("r", "i", ("R", "I")),
        ("h", "ao", ("A", "U")),  # a velar leaves the mouth to the vowel
        ("", "er", ("R",)),
        ("", "uo", ("U", "O")),
    ],
)
def test_pinyin_syllables(initial: str, final: str, expected: tuple[str, ...]) -> None:
    assert syllable_visemes(initial, final) == expected


def test_characters_use_their_reading_in_context() -> None:
    units = mandarin_units("银行卡")
    assert [u.text for u in units] == ["银", "行", "卡"]
    assert units[1].visemes == ("A",)  # 行 read hang in 银行, not xing
    assert char_visemes("妈") == ("M", "A")
    assert char_visemes("五") == ("U",)


def test_every_shape_is_in_the_shared_set() -> None:
    text = "您好，欢迎光临示范银行！请问您要办理什么业务？ATM机在右边。Transfer 5000 yuan, thanks."
    for unit in text_units(text, "zh"):
        assert unit.visemes and set(unit.visemes) <= set(VISEMES)
        assert "rest" not in unit.visemes


def test_mixed_text_keeps_reading_order() -> None:
    units = text_units("请打开APP扫码", "zh")
    assert [u.text for u in units] == ["请", "打", "开", "APP", "扫", "码"]
    assert units[3].visemes[:2] == ("E", "I")  # A-P-P spelled out: "ay"
    assert text_units("，。！", "zh") == []


def test_espeak_phonemes_map_to_mouth_shapes() -> None:
    assert phonemes_to_visemes("m'Vni") == ("M", "A", "L", "I")
    assert phonemes_to_visemes("tr'ansf3:") == ("L", "R", "A", "L", "S", "F", "R")
    assert phonemes_to_visemes("h@l'oU") == ("E", "L", "O")


def test_spelling_rules_when_no_phonemizer() -> None:
    assert spelling_visemes("bank")[0] == "M"
    assert spelling_visemes("thanks")[0] == "L"
    assert spelling_visemes("ATM") == ("E", "I", "L", "I", "E", "M")  # ay-tee-em
    assert syllable_count(spelling_visemes("money")) == 2


def test_phonemizer_output_is_used_only_when_words_line_up() -> None:
    calls: list[list[str]] = []

    def fake(words: list[str]) -> list[str] | None:
        calls.append(words)
        return ["m'Vni"] if words == ["money"] else None

    assert english_units("money", fake)[0].visemes == ("M", "A", "L", "I")
    fallback = english_units("thank you", fake)
    assert [u.visemes[0] for u in fallback] == ["L", "I"]  # spelling rules: th-, y-
    assert calls == [["money"], ["thank", "you"]]

"""Hallucination guard on decoded segments (no model: segments as whisper reports them)."""

from __future__ import annotations

import pytest

from speech.asr.base import Segment
from speech.asr.guard import HallucinationGuard

pytestmark = pytest.mark.unit


def seg(text: str, logprob: float = -0.2, no_speech: float = 0.05, ratio: float = 1.2) -> Segment:
    return Segment(0.0, 2.0, text, avg_logprob=logprob, no_speech_prob=no_speech, compression_ratio=ratio)


@pytest.mark.parametrize(
    "text",
    [
        "谢谢观看",
        "謝謝觀看！",
        "字幕by索兰娅",
        "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目",
        "Thank you for watching.",
        "Thanks for watching!",
        "字幕由Amara.org社区提供",
        "中文字幕志愿者 李宗盛",
        "Please subscribe to my channel",
    ],
)
def test_classic_inventions_are_dropped(text: str) -> None:
    guard = HallucinationGuard()
    kept, dropped = guard.filter([seg(text)])
    assert kept == [] and dropped == [text]
    assert (guard.reason(seg(text)) or "").startswith("pattern:")


@pytest.mark.parametrize(
    "text",
    [
        "我要挂失我的信用卡",
        "谢谢",
        "谢谢你的帮助",
        "请问在哪里观看理财视频",
        "Thank you",
        "I want to subscribe to a fund",
    ],
)
def test_real_speech_is_kept(text: str) -> None:
    kept, dropped = HallucinationGuard().filter([seg(text)])
    assert [s.text for s in kept] == [text] and dropped == []


def test_decoder_statistics() -> None:
    guard = HallucinationGuard()
    assert guard.reason(seg("我要取款", logprob=-0.9, no_speech=0.8)) == "no_speech"
    assert guard.reason(seg("我要取款", logprob=-0.3, no_speech=0.8)) is None  # confident speech stays
    assert guard.reason(seg("嗯嗯", logprob=-2.0)) == "low_logprob"
    assert guard.reason(seg("谢谢谢谢谢谢谢谢谢谢谢谢", ratio=3.1)) == "repetition"
    assert guard.reason(seg(" 。 ")) == "empty"


def test_only_bad_segments_go() -> None:
    kept, dropped = HallucinationGuard().filter([seg("我想查一下余额"), seg("谢谢观看")])
    assert [s.text for s in kept] == ["我想查一下余额"] and dropped == ["谢谢观看"]


def test_a_character_split_between_segments_leaves_no_replacement_glyph():
    from speech.asr.whisper import segment_text

    assert segment_text("我想查一下账户余额\ufffd") == "我想查一下账户余额"
    assert segment_text("\ufffd的银行卡丢了") == "的银行卡丢了"
    assert segment_text("你们几点开门") == "你们几点开门"


def test_a_sentence_said_again_in_the_next_segment_is_a_loop() -> None:
    sentence = "5年期定期存款年利率为百分之一点80。"
    kept, dropped = HallucinationGuard().filter([seg(sentence), seg(" 5年期定期存款，年利率为百分之一点80")])
    assert [s.text for s in kept] == [sentence] and len(dropped) == 1


def test_a_sentence_doubled_inside_one_segment_is_said_once() -> None:
    doubled = "5万元以内的跨行转账可以实时到账。5万元以内的跨行转账可以实时到账。"
    kept, dropped = HallucinationGuard().filter([seg(doubled)])
    assert [s.text for s in kept] == ["5万元以内的跨行转账可以实时到账。"]
    assert dropped == ["5万元以内的跨行转账可以实时到账。"]


@pytest.mark.parametrize("text", ["你好，你好", "对对对对", "转账，转账", "我想转账。我想查余额。", "一二三四一二三五"])
def test_people_repeating_short_words_or_saying_different_things_are_kept(text: str) -> None:
    kept, dropped = HallucinationGuard().filter([seg(text)])
    assert [s.text for s in kept] == [text] and dropped == []


def test_short_words_repeated_across_segments_are_kept() -> None:
    kept, _ = HallucinationGuard().filter([seg("好的"), seg("好的")])
    assert len(kept) == 2


def test_a_loop_is_found_however_whisper_writes_its_digits() -> None:
    doubled = "五年期定期存款年利率为1.80%。5年期定期存款年利率为1.80%。"
    kept, _ = HallucinationGuard().filter([seg(doubled)])
    assert [s.text for s in kept] == ["五年期定期存款年利率为1.80%。"]
    kept, _ = HallucinationGuard().filter([seg("转入账户尾号1018"), seg("转入账户尾号一〇一八")])
    assert [s.text for s in kept] == ["转入账户尾号1018"]

"""Pinyin domain correction, number normalisation, Simplified output and vocabulary files."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech.correction import (
    PinyinCorrector,
    Vocabulary,
    load_vocabulary,
    normalize_for_scoring,
    normalize_numbers,
    to_simplified,
)
from speech.correction.corrector import fuzzy
from speech.correction.vocabulary import parse_vocabulary

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def corrector() -> PinyinCorrector:
    return PinyinCorrector(load_vocabulary())


def test_packaged_vocabulary_is_substantial() -> None:
    vocab = load_vocabulary()
    assert len(vocab) >= 200
    assert {"信用卡", "挂失", "转账", "定期", "理财产品"} <= set(vocab.terms)
    assert vocab.variants["转帐"] == "转账"
    prompt = vocab.prompt()
    assert prompt.startswith("以下是普通话的句子") and "信用卡" in prompt and len(prompt) <= 160
    assert to_simplified(prompt) == prompt


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("我要挂书我的性用卡", "我要挂失我的信用卡"),
        ("我想办定其存款", "我想办定期存款"),
        ("转帐给我妈妈", "转账给我妈妈"),
        ("我想买理才产品", "我想买理财产品"),
        ("我要办理代款", "我要办理贷款"),
        ("我要取宽", "我要取款"),
        ("帮我查一下余鹅", "帮我查一下余额"),
        # branch and product terms a bank says all the time
        ("欢迎光临北京朝阳之行", "欢迎光临北京朝阳支行"),
        ("单闭转账金额最高为50万元", "单笔转账金额最高为50万元"),
        ("林时挂失的有效期为五天", "临时挂失的有效期为五天"),
        ("养老金账户每年搅存上限", "养老金账户每年缴存上限"),
        ("大额存单的起存机额", "大额存单的起存金额"),
        ("周末不办理对工业务", "周末不办理对公业务"),
        ("网点的资助服务区", "网点的自助服务区"),
        ("开立养老金账户需要身份证和医类借记卡", "开立养老金账户需要身份证和一类借记卡"),
    ],
)
def test_fixes_homophones_of_vocabulary_terms(corrector: PinyinCorrector, heard: str, expected: str) -> None:
    result = corrector.correct(heard)
    assert result.text == expected
    assert result.changes  # and says what it changed


@pytest.mark.parametrize(
    "sentence",
    [
        "确定其他事项",  # 定其 inside 确定/其他 is not 定期
        "他不理睬我",  # 理睬 is a word, not 理财
        "一定期待你的回复",
        "我的信用卡丢了，要挂失",
        "请问定期存款利率是多少",
        "我想买点理财产品",
        "今天天气很好，我们去公园散步",
        "同时他还担任过政治作战学校副教授",
        "比如生活的意义上帝真理等",
        "从来都不是停止练习的借口",
        "我想查一下余额",
        "他是学生，在学校学习",
        "这本书很有意思",
        "请稍等一下",
        "I would like to open an account",
        "",
        # real customer questions (BQ/ATEC) the corrector used to break: 有额 cuts through the term 额度,
        # 出账 and 存到 are words of their own, not near-misses of 查账 and 存单
        "花呗有额度为什么不能分期",
        "借呗什么时候才有额度",
        "花呗出账是多少号",
        "钱已经存到卡里了",
        "怎样获取授信额度",  # 信额 inside the word 授信额度 is not 限额
        "开通花呗可以不绑银行卡吗",  # 银行卡 is already right: 不绑 alone is no evidence for 补办银行卡
        # pypinyin lists rare readings (期 ji, 款 xin, 单 shan) that no vocabulary term uses
        "你们这个可以分几期",
        "从零钱还行不行",
        "我账上有足够资金",
    ],
)
def test_correct_text_is_left_alone(corrector: PinyinCorrector, sentence: str) -> None:
    result = corrector.correct(sentence)
    assert result.text == sentence
    assert result.changes == ()


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("柜台跨航转账手续费", "柜台跨行转账手续费"),  # 跨行 is kua hang, as 行 reads in 银行
        ("五万元以内的跨航转账", "五万元以内的跨行转账"),
        ("其他方式换款", "其他方式还款"),  # 还款 is huan kuan, as 还 reads in other terms; a real typed question
    ],
)
def test_heteronyms_match_as_the_vocabulary_reads_them(corrector: PinyinCorrector, heard: str, expected: str) -> None:
    assert corrector.fix(heard) == expected


@pytest.mark.parametrize(
    "sentence",
    ["老年客户可以使用大字模式", "释放安降九十天立才是和文件行客户"],
)
def test_bank_speech_mentions_the_domain(corrector: PinyinCorrector, sentence: str) -> None:
    """What decides the biased second pass: a sentence about the bank's customers is bank speech."""
    assert corrector.mentions_domain(sentence)


def test_corrector_knows_only_the_vocabulary_it_is_given() -> None:
    assert PinyinCorrector(Vocabulary(terms=())).fix("我要挂书我的性用卡") == "我要挂书我的性用卡"
    medical = PinyinCorrector(parse_vocabulary("挂号\n医保卡\n"))
    assert medical.fix("我要挂浩") == "我要挂号"
    assert medical.fix("我要挂书我的性用卡") == "我要挂书我的性用卡"


def test_fuzzy_merges_accent_confusions() -> None:
    assert fuzzy("xing") == fuzzy("xin")
    assert fuzzy("zhang") == fuzzy("zan")
    assert fuzzy("nan") == fuzzy("lan")
    assert fuzzy("shu") != fuzzy("shi")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要转五千元给他", "我要转5000元给他"),
        ("存两万块", "存20000块"),
        ("取一百美元", "取100美元"),
        ("三点五万元", "35000元"),
        ("两千五百块钱", "2500块钱"),
        ("利率是百分之三点五", "利率是3.5%"),
        ("活期存款年利率为百分之零点一零", "活期存款年利率为0.10%"),  # every digit said is kept
        ("手续费十二点五零元", "手续费12.50元"),
        ("周末营业时间是9.5至16点", "周末营业时间是9点半至16点"),  # whisper's half hours, in a range of times
        ("营业时间9.5到17:00", "营业时间9点半到17:00"),
        ("年利率为1.5至2.5%", "年利率为1.5至2.5%"),
        ("卡号尾号一二三四", "卡号尾号1234"),
        ("手机号幺三八零零一三八零零零", "手机号13800138000"),
        ("我想查一下余额", "我想查一下余额"),
        ("一块儿去吧", "一块儿去吧"),
        ("给我一块蛋糕", "给我一块蛋糕"),
        ("十分感谢，一定要来", "十分感谢，一定要来"),
        ("三心二意", "三心二意"),
        ("第一次来", "第一次来"),
    ],
)
def test_numbers_are_normalised_conservatively(text: str, expected: str) -> None:
    assert normalize_numbers(text) == expected


def test_simplified_and_scoring_normalisation() -> None:
    assert to_simplified("戰爭與和平中的人物") == "战争与和平中的人物"
    assert normalize_for_scoring("戰爭，與 和平！") == "战争 与 和平"
    assert normalize_for_scoring("Hello, World!") == "hello world"


def test_vocabulary_file_format(tmp_path: Path) -> None:
    path = tmp_path / "v.txt"
    path.write_text("# comment\n[prompt] 信用卡\n转账 | 转帐 | 轉賬  # trailing comment\n\n挂失\n", encoding="utf-8")
    vocab = load_vocabulary(path)
    assert vocab.terms == ("信用卡", "转账", "挂失")
    assert vocab.prompt_terms == ("信用卡",)
    assert vocab.variants == {"转帐": "转账", "轉賬": "转账"}
    with pytest.raises(FileNotFoundError, match="vocabulary file"):
        load_vocabulary(tmp_path / "missing.txt")

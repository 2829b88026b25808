"""The fraud-script detector: which known scam scripts a customer's words follow (Chinese and English).

Why regular expressions from a data file rather than a model: the scripts are few, well documented by
the police's anti-fraud centres and change by wording, which reviewers can add in minutes; every hit
names the pattern and the words that matched, so a warning and a supervisor can say exactly why.
Text is normalised first (NFKC, Traditional -> Simplified, lower case, no spaces inside Chinese).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.nlu.slots.payee import find_payee
from assistant.nlu.text import normalize
from assistant.risk.rules import Rules, default_rules

_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
# The common family names (about nine people in ten): a Chinese word is screened as a person's name only
# when it starts with one, so the bank is not asked about 客服, 领导 or 电话里.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢"
    "安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛"
    "靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_NOT_A_NAME = re.compile(
    r"安全|监管|指定|客服|领导|老板|朋友|对方|他们|有人|银行|账户|帐户|电话|公安|警察|法院|平台|导师|老师"
)
_EN_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}")


@dataclass(frozen=True)
class ScriptHit:
    """One scam pattern heard: its id, its weight and the words that matched."""

    pattern: str
    weight: float
    matched: str


def prepare(text: str) -> str:
    """The form patterns match on: normalised, lower case, no spaces between Chinese characters."""
    return _CJK_SPACE.sub("", normalize(text).lower())


class FraudScriptDetector:
    """Compiles the rules' patterns once; `detect` is a few microseconds per pattern."""

    def __init__(self, rules: Rules | None = None) -> None:
        self.rules = rules or default_rules()
        self._compiled = {
            name: [re.compile(expr) for expr in (pattern.zh + pattern.en)]
            for name, pattern in self.rules.patterns.items()
        }
        self._relations = {
            name: [re.compile(expr) for expr in (rel.zh + rel.en)] for name, rel in self.rules.relations.items()
        }
        listed = self.rules.listed_payee
        self._mentions = [re.compile(e) for e in (listed.mentions.zh + listed.mentions.en)] if listed else []

    def detect(self, text: str, prepared: str | None = None) -> list[ScriptHit]:
        """Every pattern the text follows (one hit per pattern, the first matching words); `prepared`
        is the text already through `prepare` (saves normalising twice)."""
        prepared = prepared if prepared is not None else prepare(text)
        hits: list[ScriptHit] = []
        for name, expressions in self._compiled.items():
            for expression in expressions:
                found = expression.search(prepared)
                if found is not None:
                    hits.append(ScriptHit(name, self.rules.patterns[name].weight, found.group()[:40]))
                    break
        return hits

    def relation(self, text: str, prepared: str | None = None) -> str | None:
        """Who the customer says the money is for: 'self', 'relative' or None."""
        prepared = prepared if prepared is not None else prepare(text)
        for name, expressions in self._relations.items():
            if any(e.search(prepared) for e in expressions):
                return name
        return None

    def payee_names(self, text: str) -> list[str]:
        """People the customer names as a payee or as the one telling them to pay, in the order said: the
        NLU's payee phrases (转给X, 给X转五万, 收款人X, "transfer to Zhang San") and the rules' `mentions`."""
        kept = _CJK_SPACE.sub("", normalize(text))
        found = []
        payee = find_payee(kept)
        if payee is not None and isinstance(payee.name, str):  # a relative named by kinship has no name
            found.append(payee.name)
        found += [m.group("name") for e in self._mentions for m in e.finditer(kept)]
        return list(dict.fromkeys(n for n in found if n and is_person_name(n)))


def is_person_name(name: str) -> bool:
    """A word worth screening as a person's name: two to four Chinese characters led by a family name, or
    one to three capitalised English words (not "my mother": a relative named by kinship is no name)."""
    if _EN_NAME.fullmatch(name):
        return True
    return 2 <= len(name) <= 4 and name[0] in _SURNAMES and not _NOT_A_NAME.search(name)


@lru_cache(maxsize=1)
def default_detector() -> FraudScriptDetector:
    return FraudScriptDetector()

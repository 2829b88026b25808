"""Payee names: 转给张三, 给李四转五千, 收款人是王芳, "transfer 500 to Zhang San", "payee is Li Si".

A name is taken from what follows a transfer word up to where the sentence moves on (an amount, a
verb, 的/账户/卡, punctuation or the end): two to four Chinese characters, a company or shop's whole name
(up to 有限公司, 商行, 超市...), or one to three capitalised English words. Words that are clearly not
people (卡, 账户, 银行...) are rejected rather than guessed. A relation word (给我妈转, 帮我女儿打, "pay my
mother") is not a name: it comes back as `relation` (a key such as `mother`, see `relations.py`) with no
name, so the journey still asks for the account holder's name; "给我妈刘芳转" gives both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.nlu.slots.relations import EN_RELATION, find_relation, relation_of, split_relation
from assistant.nlu.slots.surnames import SURNAMES


@dataclass(frozen=True)
class Payee:
    """`name` is a real name or None; `relation` is who the payee is to the customer (mother, son...)."""

    name: str | None
    start: int
    end: int
    relation: str | None = None


_CN_NUM = "零〇一二两三四五六七八九十百千万"
_STOP = rf"(?=转|汇|打|付|[\d{_CN_NUM}]|的|账户|帐户|卡|块|元|吧|呢|啊|$|[,，。.!！?？;；\s\x00])"
_ZH_PATTERNS = (
    re.compile(
        rf"(?:转账给|转帐给|转钱给|转给|汇款给|汇给|打给|付给|打款给|转到)(?P<name>[\u4e00-\u9fff]{{2,4}}?){_STOP}"
    ),
    re.compile(rf"(?:收款人|收款方|户名|对方)(?:是|为|叫|姓名是|:)?(?P<name>[\u4e00-\u9fff]{{2,4}}?){_STOP}"),
    # 给李四转五千, 给我外甥张伟打点钱 (a relation and a name before the verb: up to six characters)
    re.compile(
        r"(?<![转汇打付])给(?P<name>[\u4e00-\u9fff]{2,6}?)(?=转|汇款|汇钱|打钱|打款|打个|打点|打些|打一|打[\d\x00两三四五六七八九十几]|付)"
    ),
    # 往张伟账上打四万, 往我儿子卡里转点钱
    re.compile(r"往(?P<name>[\u4e00-\u9fff]{2,6}?)的?(?=账上|帐上|账户|帐户|卡上|卡里|账里|帐里)"),
    re.compile(rf"(?:转|汇|打)[^给，,。]{{0,10}}给(?P<name>[\u4e00-\u9fff]{{2,4}}?){_STOP}"),
    # "他叫李浩，木子李，浩然的浩": the name, not the spelling that follows
    re.compile(rf"(?:他|她|对方|收款人|户名)(?:的名字|名字)?叫(?P<name>[\u4e00-\u9fff]{{2,4}}?){_STOP}"),
    # a correction: "收款人说错了，是李秀英", "名字不对，应该是王芳"
    re.compile(
        rf"(?:错了|不对|搞错|弄错|写错|说错)[了]?[,，\s]*(?:应该)?(?:是|为|改成|改为)(?P<name>[\u4e00-\u9fff]{{2,4}}?){_STOP}"
    ),
)
# A company or shop as payee (收款人深圳鑫汇科技有限公司): the whole name, up to its kind of organisation.
_ORG_SUFFIX = (
    r"(?:股份有限公司|有限责任公司|有限公司|分公司|公司|集团|工厂|厂|商行|商店|超市|门市部|中心|学校|幼儿园|医院|"
    r"事务所|合作社|工作室|大学|学院|物业)"
)
_ORG_PATTERN = re.compile(
    r"(?:收款人|收款方|收款单位|收款的|户名|对方|转账给|转帐给|转钱给|转给|汇款给|汇给|打给|付给|打款给|转到|给)"
    rf"(?:是|为|叫|:)?(?P<name>[\u4e00-\u9fff（）()]{{2,24}}?{_ORG_SUFFIX})"
)
_PERSON_AT = re.compile(rf"的(?P<name>[\u4e00-\u9fff]{{2,3}}?){_STOP}")
_NOT_A_NAME = re.compile(
    r"卡|账|帐|银行|钱|现金|这个|那个|别人|他的|她的|我的|一下|自己|对方|多少|手机|支付宝|微信|错|不对|应该|公司|单位"
)
_CAP_NAME = r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}"
_FAMILY = EN_RELATION
_EN_PATTERNS = (
    # "to my colleague Zhang Wei": the relation and the name (split below)
    re.compile(
        rf"\b(?:transfer|send|pay|remit|wire|give)\b[^.?!]*?\bto\s+(?P<name>{_FAMILY}(?:,?\s+{_CAP_NAME})?|{_CAP_NAME})"
    ),
    re.compile(rf"\b(?:payee|recipient|beneficiary)(?:'s\s+name)?\s*(?:is|:)?\s*(?P<name>{_CAP_NAME})"),
    re.compile(rf"\b(?:pay|send)\s+(?P<name>{_FAMILY}|(?!The\b|My\b|This\b){_CAP_NAME})\s+[\d\x00]"),
)
_EN_STOPWORDS = {"The", "My", "This", "That", "Another", "It", "Me", "Him", "Her", "Them", "Account", "Bank"}
# A Latin name after a Chinese payee word: 收款人Lily Wang, 户名是 John Smith
_ZH_LATIN = re.compile(rf"(?:收款人|收款方|户名|对方)(?:是|为|叫|:)?\s*(?P<name>{_CAP_NAME})")
# A name given as one item of a transfer's list (转到这个账户，6222…，王磊，工商银行): a surname and one or two
# more characters, or two capitalised words, standing alone between commas. Only in a sentence with an
# account number, so an item of any other list is never taken for a payee.
_LISTED = re.compile(
    rf"(?:^|[,，;；\s\x00])(?P<name>[{''.join(sorted(SURNAMES))}][\u4e00-\u9fff]{{1,2}}|{_CAP_NAME}\s+{_CAP_NAME})(?=[,，。;；\s\x00]|$)"
)
# "我妈叫李秀英", "名字是王芳": a name said with 叫 / 名字是, led by a family name (not "叫我转")
_CALLED = re.compile(rf"(?:叫|名字是|名叫)(?P<name>[{''.join(sorted(SURNAMES))}][\u4e00-\u9fff]{{1,3}}?){_STOP}")
_ACCOUNT_DIGITS = re.compile(r"[\d\x00]{12,}")  # extract_slots blanks the numbers it took (\x00)


def find_payee(text: str) -> Payee | None:
    """The first payee named in `text` (normalised), or None: a name, a relation, or both."""
    org = _ORG_PATTERN.search(text)
    if org is not None and not re.search(r"卡|账|帐", org.group("name")):
        # "给装修公司的周小红": a person at the company is the payee, not the company
        person = _PERSON_AT.match(text, org.end("name"))
        if person is not None and not _NOT_A_NAME.search(person.group("name")):
            return Payee(person.group("name"), person.start("name"), person.end("name"))
        return Payee(org.group("name"), org.start("name"), org.end("name"))
    for pattern in _ZH_PATTERNS:
        for m in pattern.finditer(text):
            relation, name = split_relation(m.group("name"))
            if relation is not None:
                real = name if 2 <= len(name) <= 4 and not _NOT_A_NAME.search(name) else None
                start = m.end("name") - len(name) if real else m.start("name")
                return Payee(real, start, m.end("name"), relation)
            if not _NOT_A_NAME.search(name):
                return Payee(name, m.start("name"), m.end("name"))
    for pattern in _EN_PATTERNS:
        for m in pattern.finditer(text):
            name = m.group("name")
            relation = relation_of(name)
            if relation is not None:
                return Payee(None, m.start("name"), m.end("name"), relation)
            named = re.match(rf"(?P<rel>{_FAMILY}),?\s+(?P<real>{_CAP_NAME})$", name)
            if named is not None and (relation := relation_of(named.group("rel"))) is not None:
                return Payee(named.group("real"), m.start("name") + named.start("real"), m.end("name"), relation)
            if name.split()[0] not in _EN_STOPWORDS:
                return Payee(name, m.start("name"), m.end("name"))
    called = _CALLED.search(text)
    if called is not None and not _NOT_A_NAME.search(called.group("name")):
        said = find_relation(text[: called.start()])
        return Payee(called.group("name"), called.start("name"), called.end("name"), said[0] if said else None)
    latin = _ZH_LATIN.search(text)
    if latin is not None and latin.group("name").split()[0] not in _EN_STOPWORDS:
        return Payee(latin.group("name"), latin.start("name"), latin.end("name"))
    found = find_relation(text)
    if found is not None:
        return Payee(None, found[1], found[2], found[0])
    if _ACCOUNT_DIGITS.search(text):
        for m in _LISTED.finditer(text):
            if not _NOT_A_NAME.search(m.group("name")) and m.group("name").split()[0] not in _EN_STOPWORDS:
                return Payee(m.group("name"), m.start("name"), m.end("name"))
    return None

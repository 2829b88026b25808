"""Relation words: "我妈", "我女儿", "my mother" say who the payee is to the customer, not their name.

A transfer to "我妈" still needs the payee's real name (the account holder's name the bank checks), so
a relation is kept as its own slot (`payee_relation`, a stable key such as `mother`) and never as a name.
"""

from __future__ import annotations

import re

# key -> (Chinese words, English words). One-character Chinese words (妈, 哥) count only after 我/咱/俺.
RELATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mother": (("妈妈", "母亲", "老妈", "妈", "娘"), ("mother", "mom", "mum", "mommy")),
    "father": (("爸爸", "父亲", "老爸", "爸", "爹"), ("father", "dad", "daddy")),
    "parents": (("父母", "爸妈", "爹妈"), ("parents",)),
    "son": (("儿子", "大儿子", "小儿子", "儿子娃", "娃儿"), ("son",)),
    "daughter": (("女儿", "大女儿", "小女儿", "闺女", "丫头"), ("daughter",)),
    "child": (("孩子", "小孩"), ("child", "kid", "kids", "children")),
    "wife": (("老婆", "妻子", "媳妇", "媳妇儿", "太太", "婆娘", "婆姨", "堂客"), ("wife",)),
    "spouse": (("爱人", "配偶", "对象", "另一半", "老伴儿", "老伴"), ("spouse", "partner")),
    "husband": (("老公", "丈夫", "先生", "男人", "当家的", "老头子", "老头儿"), ("husband",)),
    "brother": (("哥哥", "弟弟", "哥", "弟"), ("brother",)),
    "sister": (("姐姐", "妹妹", "姐", "妹"), ("sister",)),
    "grandchild": (("孙子", "孙女", "外孙", "外孙女"), ("grandson", "granddaughter", "grandchild")),
    "grandparent": (
        ("爷爷", "奶奶", "姥姥", "姥爷", "外公", "外婆"),
        ("grandfather", "grandmother", "grandma", "grandpa"),
    ),
    "parent_in_law": (("岳父", "岳母", "公公", "婆婆", "丈母娘", "老丈人"), ("father-in-law", "mother-in-law")),
    "child_in_law": (("女婿", "儿媳", "儿媳妇"), ("son-in-law", "daughter-in-law")),
    "relative": (
        (
            "亲戚",
            "叔叔",
            "阿姨",
            "舅舅",
            "姑姑",
            "侄子",
            "侄女",
            "外甥",
            "外甥女",
            "表哥",
            "表姐",
            "表弟",
            "表妹",
            "堂哥",
            "堂弟",
        ),
        ("uncle", "aunt", "nephew", "niece", "cousin"),
    ),
    "friend": (("朋友", "同学", "哥们"), ("friend",)),
    "colleague": (("同事",), ("colleague",)),
    "landlord": (("房东",), ("landlord",)),
}

_OWNER = r"(?:我的|我|咱的|咱|俺的|俺|自己的)"
_ZH_WORDS = sorted(((w, k) for k, (zh, _) in RELATIONS.items() for w in zh), key=lambda p: -len(p[0]))
_ZH_INDEX = dict(_ZH_WORDS)
_EN_INDEX = {w: k for k, (_, en) in RELATIONS.items() for w in en}
_ZH_ALT = "|".join(re.escape(w) for w, _ in _ZH_WORDS)
_ZH_LEADING = re.compile(rf"^(?P<owner>{_OWNER})?(?P<rel>{_ZH_ALT})")
EN_RELATION = r"my\s+(?:" + "|".join(re.escape(w) for w in sorted(_EN_INDEX, key=len, reverse=True)) + r")"
# 帮我女儿打三万, 给我妈转, 转给我儿子, 收款人是我爱人: a relation after a giving word
ZH_RELATION = re.compile(
    rf"(?:转账给|转帐给|转钱给|转给|汇给|打给|付给|给|帮|替|为|收款人是|收款人为|收款人)(?P<owner>{_OWNER})?(?P<rel>{_ZH_ALT})"
    r"(?!们)"
)


def split_relation(words: str) -> tuple[str | None, str]:
    """("我妈刘芳") -> ("mother", "刘芳"); ("我儿子") -> ("son", ""); ("刘洋") -> (None, "刘洋").

    A one-character relation (妈, 哥) needs an owner word before it, so the surname 马 or a name like
    妹妹 on its own are not mistaken for a relation."""
    m = _ZH_LEADING.match(words)
    if m is None:
        return None, words
    rel = m.group("rel")
    if len(rel) == 1 and not m.group("owner"):
        return None, words
    return _ZH_INDEX[rel], words[m.end() :]


def relation_of(words: str) -> str | None:
    """The relation key of a Chinese relation phrase ("我女儿") or an English one ("my mother")."""
    lowered = words.strip().lower()
    if lowered.startswith("my "):
        return _EN_INDEX.get(lowered[3:].strip())
    key, rest = split_relation(words)
    return key if key is not None and not rest else None


def find_relation(text: str) -> tuple[str, int, int] | None:
    """A relation named after a giving word anywhere in the text: (key, start, end)."""
    for m in ZH_RELATION.finditer(text):
        rel = m.group("rel")
        if len(rel) == 1 and not m.group("owner"):
            continue
        return _ZH_INDEX[rel], m.start("rel"), m.end("rel")
    return None

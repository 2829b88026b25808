"""Text normalisation and per-turn language detection.

Everything the NLU matches runs on the same normal form, so exemplars, rules, keywords and the
customer's words meet on equal terms: NFKC (full-width digits and letters become ASCII, "￥" becomes
"¥"), Traditional -> Simplified characters (OpenCC t2s, so Hong Kong and Taiwan customers and ASR
output in Traditional still match), collapsed whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

from opencc import OpenCC

Language = Literal["zh", "en", "mixed"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[\s,.!?;:，。！？；：、~～…\"'“”‘’()（）\[\]【】<>《》]+")
# Latin tokens that are at home in Chinese sentences and say nothing about the speaker's language.
_FILLERS = re.compile(
    r"(?:嗯|啊|呃|额|哦|噢|唔|哎|诶|欸|呀|那个|这个|就是说|就是|然后|那么|怎么说呢|我想想|让我想想|"
    r"um+|uh+|er+m*|hm+|em+|well|like|youknow|so|okso)+"
)
_LOANWORDS = frozenset({"app", "atm", "vip", "id", "ok", "pos", "qr", "usd", "eur", "jpy", "hkd", "gbp", "rmb", "cny"})


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC + Traditional -> Simplified + single spaces, stripped. Keeps case and punctuation."""
    text = unicodedata.normalize("NFKC", text)
    if _CJK.search(text):
        text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()


def compact(text: str) -> str:
    """Lower case without punctuation or spaces: the form short rules (是的 / ok / 不用了) match on."""
    return _PUNCT.sub("", text.lower())


def is_filler(text: str) -> bool:
    """True when the turn is only hesitation (嗯啊那个这个就是说, "um, well"): nothing to classify."""
    short = compact(text)
    return bool(short) and _FILLERS.fullmatch(short) is not None


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def detect_language(text: str, default: Language = "zh") -> Language:
    """zh, en or mixed for one turn.

    CJK characters are weighed against Latin words (two characters make about one word). Acronyms
    and loanwords common in Chinese speech (ATM, APP, USD...) do not make a Chinese turn "mixed".
    Text with neither (digits, emoji) gets `default`, normally the session's language.
    """
    cjk = cjk_count(text)
    words = [w for w in _LATIN_WORD.findall(text) if not (w.isupper() and len(w) <= 5) and w.lower() not in _LOANWORDS]
    if cjk == 0 and not words:
        return default
    if cjk == 0:
        return "en"
    if not words:
        return "zh"
    english_share = len(words) / (len(words) + cjk / 2)
    if english_share < 0.2:
        return "zh"
    if english_share > 0.92:
        return "en"
    return "mixed"

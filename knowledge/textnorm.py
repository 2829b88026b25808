"""Text normalisation and tokenisation for indexing.

The index sees one canonical form (NFKC folds full-width letters/digits/punctuation, Traditional is
converted to Simplified, Latin is lower-cased) while the original text is kept for display. BM25 gets
jieba words plus character bigrams (robust to segmentation mistakes and ASR errors); a separate
pinyin field lets a homophone mis-hearing ("挂湿" for "挂失") still match.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

_lock = threading.Lock()
_converter = None
_jieba_ready = False

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_WORD = re.compile(r"[0-9a-z]+(?:[.\-'][0-9a-z]+)*|[\u3400-\u4dbf\u4e00-\u9fff]+")
_SPACE = re.compile(r"\s+")

# Function words that carry no retrieval signal; kept small on purpose (BM25's IDF does the rest).
_STOPWORD_TEXT = """
的 了 吗 呢 吧 啊 呀 么 是 我 你 他 她 它 我们 你们 在 有 和 与 及 或 就 都 也 要 会 能 可以 请问 请 一下
怎么 怎么样 怎样 如何 什么 哪些 哪个 多少 几 是否 是不是 这个 那个 这 那 个 想 知道 问 问问
the a an of to is are be do does i you we my your for in on at and or how what can with it
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _opencc():  # type: ignore[no-untyped-def]
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                _converter = OpenCC("t2s")
    return _converter


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (OpenCC phrase tables); text without CJK passes untouched."""
    if not _CJK.search(text):
        return text
    return str(_opencc().convert(text))


def normalize(text: str) -> str:
    """The canonical form used for indexing and matching (never for display)."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _SPACE.sub(" ", text.lower()).strip()


def _jieba():  # type: ignore[no-untyped-def]
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _lock:
            if not _jieba_ready:
                jieba.setLogLevel(60)
                jieba.initialize()
                _jieba_ready = True
    return jieba


def words(normalized: str) -> list[str]:
    """jieba words (search mode: long words plus their parts) and Latin/number tokens, no stopwords."""
    out: list[str] = []
    for span in _WORD.findall(normalized):
        if _CJK.match(span):
            out.extend(w for w in _jieba().cut_for_search(span) if w not in STOPWORDS)
        elif span not in STOPWORDS:
            out.append(span)
    return out


def bigrams(normalized: str) -> list[str]:
    """Overlapping CJK character bigrams (and lone characters of one-character runs)."""
    out: list[str] = []
    for span in _WORD.findall(normalized):
        if not _CJK.match(span):
            continue
        if len(span) == 1:
            out.append(span)
        out.extend(span[i : i + 2] for i in range(len(span) - 1))
    return out


def lexical_tokens(normalized: str) -> list[str]:
    """BM25 tokens: words plus bigrams marked apart so the two vocabularies never collide."""
    return words(normalized) + ["#" + b for b in bigrams(normalized)]


@lru_cache(maxsize=65536)
def _char_pinyin(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return str(lazy_pinyin(char, style=Style.NORMAL)[0])


def pinyin_tokens(normalized: str) -> list[str]:
    """Toneless pinyin syllable bigrams of CJK runs: homophones share tokens, tones are ignored
    because ASR confusions often cross tones."""
    out: list[str] = []
    for span in _WORD.findall(normalized):
        if not _CJK.match(span):
            continue
        syl = [_char_pinyin(c) for c in span]
        if len(syl) == 1:
            out.append(syl[0])
        out.extend(f"{syl[i]}_{syl[i + 1]}" for i in range(len(syl) - 1))
    return out


def query_terms(normalized: str) -> list[str]:
    """Distinct content words of a query, longest first: what the snippet marks and answers match."""
    seen: dict[str, None] = {}
    for w in words(normalized):
        if len(w) > 1 or not _CJK.match(w):
            seen.setdefault(w, None)
    return sorted(seen, key=len, reverse=True)


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))

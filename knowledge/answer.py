"""A short grounded answer: sentences copied from the best passages, with their citations.

No sentence is written here, only chosen: an FAQ answer is quoted (up to a few sentences), a
document section contributes the sentences that share the most wording with the question. Flagged
(instruction-like) sentences are never quoted. Below the confidence threshold the answer is an
abstention that offers a colleague instead.
"""

from __future__ import annotations

import re

from knowledge.chunking import split_sentences
from knowledge.models import Answer, Hit, SearchResponse
from knowledge.safety import is_injection
from knowledge.snippets import count_matches
from knowledge.textnorm import bigrams, has_cjk, normalize, query_terms, words

ABSTAIN_ZH = "抱歉，这个问题我没有把握回答准确。我请工作人员来为您解答，好吗？"
ABSTAIN_EN = "Sorry, I am not sure I can answer that correctly. May I ask a colleague to help you?"
MAX_SENTENCES = 3
MAX_CHARS = 220


# One-character words that carry no topic ("咋租" keeps 租, "能取吗" keeps 取).
_FUNCTION_CHARS = frozenset(
    "我你他她它的了吗呢啊吧呀嘛是在有和与就都也要想能会可不没个这那咋怎么啥什哪"
    "多少点下一把给让被对从到去来上还又再很太挺得地着过"
)


def _single_terms(question_norm: str) -> list[str]:
    """The question's one-character content words (the verb of "咋租", "能取吗"), weak evidence for a sentence."""
    return [w for w in dict.fromkeys(words(question_norm)) if len(w) == 1 and has_cjk(w) and w not in _FUNCTION_CHARS]


def _sentence_score(sentence: str, terms: list[str], grams: set[str], singles: list[str] | None = None) -> float:
    norm = normalize(sentence)
    return (
        count_matches(sentence, terms) * 2
        + sum(1 for g in grams if g in norm) * 0.5
        + sum(1 for c in singles or [] if c in norm) * 0.5
    )


# a quotation, also one cut open by the sentence splitter at a 。 inside it
QUOTES = re.compile(r"“[^”]*(?:”|$)|^[^“]*”|「[^」]*(?:」|$)|\"[^\"]*\"|^\"[^\"]*$|^[^\"]*\"[.!?;]?$")


def is_quotation(sentence: str) -> bool:
    """Mostly someone else's quoted words (a scammer's lines in "骗子怎么说"): never said as the avatar's own,
    though they stay searchable, since customers retell exactly those lines."""
    text = sentence.strip()
    quoted = sum(len(m.group()) for m in QUOTES.finditer(text))
    return bool(text) and quoted / len(text) >= 0.6


def _pick(hit: Hit, question_norm: str) -> list[str]:
    sentences = [s for s in split_sentences(hit.text) if not is_injection(s) and not is_quotation(s)]
    if not sentences:
        return []
    if hit.kind == "faq":
        chosen = sentences[:MAX_SENTENCES]
    else:
        terms = query_terms(question_norm)
        grams = set(bigrams(question_norm))
        singles = _single_terms(question_norm)
        scored = [(_sentence_score(s, terms, grams, singles), i) for i, s in enumerate(sentences)]
        best = sorted(scored, key=lambda si: (-si[0], si[1]))[:MAX_SENTENCES]
        keep = sorted(i for score, i in best if score > 0) or [0]
        chosen = [sentences[i] for i in keep]
    out: list[str] = []
    total = 0
    for s in chosen:
        if out and total + len(s) > MAX_CHARS:
            break
        out.append(_standalone(s))
        total += len(s)
    return out


def _standalone(clause: str) -> str:
    """A clause cut at a semicolon reads as a sentence of its own: "for the counter, ..." -> "For the
    counter, ...", and a trailing ；/; becomes 。/. (the answer joins its pieces as sentences)."""
    if clause[:1].islower():
        clause = clause[0].upper() + clause[1:]
    if clause.endswith("；"):
        clause = clause[:-1] + "。"
    elif clause.endswith(";"):
        clause = clause[:-1] + "."
    return clause


def compose(question: str, response: SearchResponse, threshold: float) -> Answer:
    """The answer to `question` from `response`, or an abstention when confidence < threshold."""
    english = not has_cjk(question)
    if not response.results or response.confidence < threshold:
        return Answer(
            question=question,
            answer=ABSTAIN_EN if english else ABSTAIN_ZH,
            citations=[],
            confidence=round(response.confidence, 4),
            abstained=True,
            language="en" if english else "zh",
        )
    question_norm = normalize(question)
    # the best passage that has something of our own to say (a passage of quotations only gives way)
    top, sentences = response.results[0], []
    for hit in response.results[:3]:
        top, sentences = hit, _pick(hit, question_norm)
        if sentences:
            break
    if not sentences:
        return Answer(
            question,
            ABSTAIN_EN if english else ABSTAIN_ZH,
            [],
            round(response.confidence, 4),
            True,
            "en" if english else "zh",
        )
    joiner = " " if english or not has_cjk(sentences[0]) else ""
    citation = {**top.citation(), "chunk_id": top.chunk_id, "score": top.score}
    return Answer(
        question=question,
        answer=joiner.join(sentences),
        citations=[citation],
        confidence=round(response.confidence, 4),
        abstained=False,
        language="en" if english else "zh",
    )

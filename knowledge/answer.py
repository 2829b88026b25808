"""A short grounded answer: sentences copied from the best passages, with their citations.

No sentence is written here, only chosen: an FAQ answer is quoted (up to a few sentences), a
document section contributes the sentences that share the most wording with the question. Flagged
(instruction-like) sentences are never quoted. Below the confidence threshold the answer is an
abstention that offers a colleague instead.
"""

from __future__ import annotations

from knowledge.chunking import split_sentences
from knowledge.models import Answer, Hit, SearchResponse
from knowledge.safety import is_injection
from knowledge.snippets import count_matches
from knowledge.textnorm import bigrams, has_cjk, normalize, query_terms

ABSTAIN_ZH = "抱歉，这个问题我没有把握回答准确。我请工作人员来为您解答，好吗？"
ABSTAIN_EN = "Sorry, I am not sure I can answer that correctly. May I ask a colleague to help you?"
MAX_SENTENCES = 3
MAX_CHARS = 220


def _sentence_score(sentence: str, terms: list[str], grams: set[str]) -> float:
    norm = normalize(sentence)
    return count_matches(sentence, terms) * 2 + sum(1 for g in grams if g in norm) * 0.5


def _pick(hit: Hit, question_norm: str) -> list[str]:
    sentences = [s for s in split_sentences(hit.text) if not is_injection(s)]
    if not sentences:
        return []
    if hit.kind == "faq":
        chosen = sentences[:MAX_SENTENCES]
    else:
        terms = query_terms(question_norm)
        grams = set(bigrams(question_norm))
        scored = [(_sentence_score(s, terms, grams), i) for i, s in enumerate(sentences)]
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
    top = response.results[0]
    sentences = _pick(top, normalize(question))
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

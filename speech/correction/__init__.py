"""Transcript post-processing: Simplified Chinese, vocabulary-driven pinyin correction, numbers.

The corrector knows only the vocabulary it is given (`Vocabulary`), never a domain of its own.
"""

from speech.correction.corrector import Correction, PinyinCorrector
from speech.correction.numbers import normalize_numbers
from speech.correction.text import normalize_for_scoring, to_simplified
from speech.correction.vocabulary import Vocabulary, load_vocabulary, packaged_vocabulary_path

__all__ = [
    "Correction",
    "PinyinCorrector",
    "Vocabulary",
    "load_vocabulary",
    "normalize_for_scoring",
    "normalize_numbers",
    "packaged_vocabulary_path",
    "to_simplified",
]

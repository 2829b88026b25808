"""Labelled utterances: the real customer questions we labelled (`data/labelled/*.jsonl`, see
docs/labelling-guide.md) and the shipped intent exemplars, both as (text, act, business) rows.

The recogniser is trained on both and measured, cross-validated, on the real rows only. A spoken
variant is grouped with the real utterance it was written from (`source: variant:<source>`), so a fold
never tests on a paraphrase of one of its own training rows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.nlu.catalogue import NO_BUSINESS, Catalogue
from assistant.nlu.data import DATA_DIR, NluDataError, load_intents

LABELLED_DIR = DATA_DIR / "labelled"
ACTS = ("request", "question", "complaint", "chitchat", "confirm", "deny", "correction")
# Rows whose business comes from their dataset's own intent label through a mapping table, with no act
# label: they teach the business head only and are never measured (docs/labelling-guide.md).
BUSINESS_ONLY_STYLES = {"en_mapped"}
# Exemplars of these intents are decided by rules only (go back, start over): not taught to the heads.
RULE_ONLY_INTENTS = {"go_back", "start_over"}
DIALOGUE_ACT_OF_INTENT = {
    "greeting": "chitchat",
    "thanks": "chitchat",
    "goodbye": "chitchat",
    "chitchat": "chitchat",
    "confirm": "confirm",
    "deny": "deny",
    "complaint": "complaint",
}
_QUESTION_CUE = re.compile(
    r"(吗|么|呢|多少|几点|几天|怎么|怎样|咋|如何|什么|啥|哪|是否|能不能|可不可以|可以.{0,8}吗|有没有|[?？]"
    r"|\b(what|how|when|where|why|which)\b|^(can|could|is|are|do|does|will|should|may)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Row:
    text: str
    act: str
    business: str
    source: str
    style: str

    @property
    def measured(self) -> bool:
        """Labelled by hand (act and business), so cross-validation may test on it."""
        return bool(self.act)

    @property
    def group(self) -> str:
        """The real utterance this row belongs to (itself, or the original of a variant)."""
        return self.source.removeprefix("variant:")


def read_labelled(path: Path, catalogue: Catalogue) -> list[Row]:
    """Rows of one JSON Lines file; a bad line stops with the file, line and problem named."""
    rows: list[Row] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            row = Row(str(raw["text"]), str(raw["act"]), str(raw["business"]), str(raw["source"]), str(raw["style"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise NluDataError(f"{path}:{number}: {exc}") from exc
        if row.act not in ACTS and not (row.act == "" and row.style in BUSINESS_ONLY_STYLES):
            raise NluDataError(f"{path}:{number}: unknown act {row.act!r}")
        if catalogue.get(row.business) is None:
            raise NluDataError(f"{path}:{number}: unknown business {row.business!r}")
        rows.append(row)
    return rows


def labelled_rows(catalogue: Catalogue, directory: Path = LABELLED_DIR) -> list[Row]:
    """Every labelled file of `directory`, in name order."""
    rows: list[Row] = []
    for path in sorted(directory.glob("*.jsonl")):
        rows.extend(read_labelled(path, catalogue))
    return rows


def looks_like_question(text: str) -> bool:
    """A question cue in the wording (吗, 怎么, 多少, what, how, ?...)."""
    return bool(_QUESTION_CUE.search(text.strip()))


def guess_act(text: str) -> str:
    """An exemplar's act from its wording (exemplars carry no act label): a question cue or not."""
    return "question" if looks_like_question(text) else "request"


def exemplar_rows(catalogue: Catalogue, data_dir: Path = DATA_DIR) -> list[Row]:
    """The intent exemplars as rows: business from the catalogue, act from the intent or the wording."""
    rows: list[Row] = []
    for spec in load_intents(data_dir):
        if spec.name in RULE_ONLY_INTENTS:
            continue
        business = spec.name if catalogue.get(spec.name) is not None else NO_BUSINESS
        for language, texts in (("zh", spec.examples.zh), ("en", spec.examples.en)):
            for i, text in enumerate(texts):
                act = DIALOGUE_ACT_OF_INTENT.get(spec.name) or guess_act(text)
                rows.append(Row(text, act, business, f"exemplar:{spec.name}:{language}:{i}", "exemplar"))
    return rows

"""Checks over the shipped Demo Bank knowledge content and the retrieval dev set (not the engine).

The content is data that business people edit by hand, so these tests are its lint: every file parses, ids
are unique and stable, the metadata the engine filters on is present and valid, the dev set only points at
entries that exist, and the key facts of docs/demo-bank-facts.md are stated the same way everywhere.
Front matter is split here on purpose with a plain `---` split, independent of the engine's parser.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.unit

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = REPO_ROOT / "knowledge" / "content"
DEVSET = REPO_ROOT / "knowledge" / "eval" / "devset.jsonl"

REQUIRED_FRONT_MATTER = ("id", "title", "audience", "products", "tags", "language", "effective_from", "source")
AUDIENCES = {"customer", "staff"}
LANGUAGES = {"zh", "en"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEVSET_KINDS = {"paraphrase", "colloquial", "asr", "traditional", "english", "mixed", "unanswerable"}
# The day the current rate table took effect; entries that ended before it are history, not current facts.
RATES_EFFECTIVE = dt.date(2026, 6, 1)


@dataclass
class Entry:
    """One knowledge entry (a Markdown document or one FAQ item), flattened for checking."""

    id: str
    kind: str
    path: Path
    audience: str
    language: str
    texts: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def expired_before_rates(self) -> bool:
        until = self.meta.get("effective_until")
        return isinstance(until, dt.date) and until < RATES_EFFECTIVE


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    if not text.startswith("---\n"):
        raise AssertionError(f"{path}: no front matter")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert isinstance(meta, dict), f"{path}: front matter is not a mapping"
    return meta, body


def _markdown_entry(path: Path) -> Entry:
    meta, body = _split_front_matter(path.read_text(encoding="utf-8"), path)
    return Entry(
        id=str(meta.get("id")),
        kind="markdown",
        path=path,
        audience=str(meta.get("audience")),
        language=str(meta.get("language")),
        texts=[str(meta.get("title", "")), body],
        meta=meta,
    )


def _faq_items(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        items = yaml.safe_load(text)
    assert isinstance(items, list), f"{path}: an FAQ file holds a list of entries"
    return items


def _faq_entry(item: dict[str, Any], path: Path) -> Entry:
    questions = item.get("questions") or []
    return Entry(
        id=str(item.get("id")),
        kind="faq",
        path=path,
        audience=str(item.get("audience", "customer")),
        language=str(item.get("language", "zh")),
        texts=[str(item.get("title", "")), *map(str, questions), str(item.get("answer", ""))],
        meta=item,
    )


def _content_files() -> list[Path]:
    return sorted(p for p in CONTENT_DIR.rglob("*") if p.suffix in {".md", ".yaml", ".yml", ".jsonl"})


def _load_entries() -> list[Entry]:
    entries: list[Entry] = []
    for path in _content_files():
        if path.suffix == ".md":
            entries.append(_markdown_entry(path))
        else:
            entries.extend(_faq_entry(item, path) for item in _faq_items(path))
    return entries


ENTRIES = _load_entries()
BY_ID = {entry.id: entry for entry in ENTRIES}


def _load_devset() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


def _sentences(text: str) -> list[str]:
    """Split into clauses small enough that a number and the rule it belongs to stay together."""
    return [s for s in re.split(r"[。；;！？!?\n]|\.\s", text) if s.strip()]


_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万)?\s*(?:元|yuan)")


def _amounts(text: str) -> list[float]:
    return [float(n.replace(",", "")) * (10_000 if wan else 1) for n, wan in _AMOUNT.findall(text)]


# --- files, ids, metadata -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _content_files(), ids=lambda p: str(p.relative_to(CONTENT_DIR)))
def test_every_content_file_parses(path: Path) -> None:
    if path.suffix == ".md":
        entry = _markdown_entry(path)
        assert entry.meta, path
    else:
        assert _faq_items(path), f"{path}: empty FAQ file"


def test_ids_are_unique_and_well_formed() -> None:
    duplicates = [i for i, n in Counter(e.id for e in ENTRIES).items() if n > 1]
    assert not duplicates, duplicates
    bad = [e.id for e in ENTRIES if not ID_PATTERN.match(e.id)]
    assert not bad, bad


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "markdown"], ids=lambda e: e.id)
def test_markdown_front_matter(entry: Entry) -> None:
    missing = [k for k in REQUIRED_FRONT_MATTER if entry.meta.get(k) in (None, "", [])]
    assert not missing, f"{entry.path}: missing {missing}"
    assert "effective_until" in entry.meta, f"{entry.path}: state effective_until (null when open-ended)"
    assert entry.path.stem == entry.id, "file name follows the id so an id can be found on disk"
    assert isinstance(entry.meta["products"], list) and isinstance(entry.meta["tags"], list)
    start, until = entry.meta["effective_from"], entry.meta["effective_until"]
    assert isinstance(start, dt.date)
    assert until is None or (isinstance(until, dt.date) and until >= start)
    assert len(re.findall(r"^## \S", entry.texts[1], flags=re.M)) >= 2, "documents are chunked by ## headings"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.kind == "faq"], ids=lambda e: e.id)
def test_faq_entry_shape(entry: Entry) -> None:
    questions = entry.meta.get("questions")
    assert isinstance(questions, list) and 3 <= len(questions) <= 6, f"{entry.id}: 3-6 question variants"
    assert all(isinstance(q, str) and q.strip() for q in questions)
    assert len(set(questions)) == len(questions), f"{entry.id}: repeated variant"
    answer = entry.meta.get("answer")
    assert isinstance(answer, str) and answer.strip()
    # Short enough to speak: at most three sentences.
    assert len(re.findall(r"[。！？]|[.!?](?:\s|$)", answer.strip())) <= 3, f"{entry.id}: answer too long to speak"


def test_audience_and_language_values() -> None:
    assert {e.audience for e in ENTRIES} <= AUDIENCES
    assert {e.language for e in ENTRIES} <= LANGUAGES
    assert any(e.audience == "staff" for e in ENTRIES)


def test_volume_minimums() -> None:
    by_language = Counter(e.language for e in ENTRIES)
    assert by_language["zh"] >= 150, by_language
    assert by_language["en"] >= 40, by_language


def test_english_entries_mirror_a_chinese_entry() -> None:
    for entry in (e for e in ENTRIES if e.language == "en"):
        assert entry.id.endswith("-en"), entry.id
        twin = BY_ID.get(entry.id.removesuffix("-en"))
        assert twin is not None and twin.language == "zh", entry.id
        assert twin.audience == entry.audience and twin.kind == entry.kind, entry.id


def test_date_filtering_has_something_to_filter() -> None:
    expired = [e for e in ENTRIES if e.expired_before_rates]
    assert expired, "keep at least one entry that is no longer in force"
    assert all(e.meta.get("effective_until") is not None for e in expired)


# --- dev set -----------------------------------------------------------------------------------------------


def test_devset_shape_and_size() -> None:
    rows = _load_devset()
    for row in rows:
        assert set(row) >= {"query", "relevant", "kind", "audience"}, row
        assert row["kind"] in DEVSET_KINDS, row
        assert row["audience"] in AUDIENCES, row
        assert isinstance(row["relevant"], list) and row["query"].strip()
        assert (row["kind"] == "unanswerable") == (row["relevant"] == []), row
    answerable = [r for r in rows if r["relevant"]]
    assert len(answerable) >= 250
    assert len(rows) - len(answerable) >= 30
    assert {r["kind"] for r in answerable} == DEVSET_KINDS - {"unanswerable"}
    duplicates = [q for q, n in Counter(r["query"] for r in rows).items() if n > 1]
    assert not duplicates, duplicates


def test_devset_points_at_existing_entries_the_audience_may_see() -> None:
    for row in _load_devset():
        for doc_id in row["relevant"]:
            assert doc_id in BY_ID, f"unknown id {doc_id!r} in {row['query']!r}"
            if BY_ID[doc_id].audience == "staff":
                assert row["audience"] == "staff", f"customer query points at staff entry: {row}"
        if row["audience"] == "staff" and row["relevant"]:
            assert any(BY_ID[d].audience == "staff" for d in row["relevant"]), row


def _normalised(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text).lower()


def test_devset_does_not_copy_faq_variants() -> None:
    variants = {_normalised(q) for e in ENTRIES if e.kind == "faq" for q in e.meta["questions"]}
    copied = [r["query"] for r in _load_devset() if _normalised(r["query"]) in variants]
    assert not copied, copied


# --- facts stay consistent with docs/demo-bank-facts.md --------------------------------------------------------

_THRESHOLD = re.compile(
    r"(?:超过|大于|高于|more than|above|over|exceeding)\s*"
    + _AMOUNT.pattern
    + r"|"
    + _AMOUNT.pattern
    + r"\s*(?:以上|及以上|or more)"
)


def _all_sentences(entries: list[Entry] = ENTRIES) -> list[tuple[Entry, str]]:
    return [(e, s) for e in entries for t in e.texts for s in _sentences(t)]


def test_authorisation_threshold_is_50000_everywhere() -> None:
    seen = 0
    for entry, sentence in _all_sentences():
        if not re.search(r"授权|authori[sz]", sentence, flags=re.I) or "委托书" in sentence:
            continue
        for match in _THRESHOLD.finditer(sentence):
            seen += 1
            assert _amounts(match.group(0)) == [50_000], f"{entry.id}: {sentence}"
    assert seen >= 5, "the threshold should be stated in several places"


def test_large_cash_threshold_is_50000() -> None:
    for entry, sentence in _all_sentences():
        if re.search(r"大额现金|大额取现|large cash", sentence, flags=re.I):
            assert set(_amounts(sentence)) <= {50_000}, f"{entry.id}: {sentence}"


def test_card_fee_is_5_yuan() -> None:
    for entry, sentence in _all_sentences():
        if re.search(r"工本费|card fee|replacement card costs", sentence, flags=re.I):
            assert set(_amounts(sentence)) <= {5}, f"{entry.id}: {sentence}"


def test_pension_cap_is_12000() -> None:
    for entry, sentence in _all_sentences():
        if re.search(r"养老金|pension", sentence, flags=re.I):
            assert set(_amounts(sentence)) <= {12_000}, f"{entry.id}: {sentence}"


def test_kiosk_transfer_limits() -> None:
    allowed = {50_000, 500_000, 1_000_000}
    for entry, sentence in _all_sentences():
        about_transfers = re.search(r"转账|transfer", sentence, flags=re.I)
        about_fees = re.search(r"费|fee|cost", sentence, flags=re.I)
        if re.search(r"智能柜台|kiosk", sentence, flags=re.I) and about_transfers and not about_fees:
            assert set(_amounts(sentence)) <= allowed, f"{entry.id}: {sentence}"


def test_temporary_loss_report_lasts_5_days() -> None:
    for entry, sentence in _all_sentences():
        if re.search(r"临时挂失|temporary (?:loss )?report", sentence, flags=re.I):
            days = re.findall(r"(\d+)\s*(?:天|days?)", sentence)
            assert set(days) <= {"5"}, f"{entry.id}: {sentence}"


def test_elderly_age_is_65() -> None:
    for entry, sentence in _all_sentences():
        ages = re.findall(r"(\d+)\s*岁及以上|aged (\d+) or above", sentence)
        assert {a or b for a, b in ages} <= {"65"}, f"{entry.id}: {sentence}"


def test_only_the_one_hotline_number() -> None:
    for entry, sentence in _all_sentences():
        for number in re.findall(r"(?<!\d)9559\d*(?!\d)", sentence):
            assert number == "955990", f"{entry.id}: {sentence}"


def test_current_rates_and_percentages_match_the_facts_sheet() -> None:
    # Deposit rates, the counter fee, remittance fee, credit-card minimum repayment, pension withdrawal tax.
    allowed = {0.10, 1.05, 1.25, 1.35, 1.45, 1.75, 1.80, 1.90, 0.02, 10.0, 3.0}
    current = [e for e in ENTRIES if not e.expired_before_rates]
    for entry, sentence in _all_sentences(current):
        for value in re.findall(r"(\d+(?:\.\d+)?)\s*%", sentence):
            assert float(value) in allowed, f"{entry.id}: {value}% in {sentence}"
    rates = {"3个月": "1.05%", "6个月": "1.25%", "1年": "1.35%", "2年": "1.45%", "3年": "1.75%", "5年": "1.80%"}
    table = BY_ID["deposit-rates"].texts[1]
    for term, rate in rates.items():
        assert re.search(rf"\|\s*{term}\s*\|\s*{re.escape(rate)}", table), term


_PROMISES = ("保本", "稳赚不赔", "零风险", "risk-free", "capital-guaranteed", "can't lose", "guaranteed return")
_QUOTES = {"“": "”", "「": "」", "‘": "’"}


def _inside_quotes(text: str, position: int) -> bool:
    before = text[:position]
    if any(before.count(o) > before.count(c) for o, c in _QUOTES.items()):
        return True
    return before.count('"') % 2 == 1


def test_forbidden_promises_appear_only_as_quoted_phrases() -> None:
    """A promise of safe returns may be named (as what a scammer or mis-seller says) but only in quotes."""
    quoted = 0
    for entry in ENTRIES:
        for text in entry.texts:
            for word in _PROMISES:
                for match in re.finditer(re.escape(word), text, flags=re.I):
                    assert _inside_quotes(text, match.start()), f"{entry.id}: unquoted {word!r}"
                    quoted += 1
    assert quoted, "the fraud and suitability entries should name these phrases as warnings"

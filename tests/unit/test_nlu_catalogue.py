"""The business catalogue and the labelled data: valid, consistent with the journeys and the approved
knowledge, and large enough to measure on (docs/labelling-guide.md)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from assistant.journeys.loader import load_flows
from assistant.nlu.catalogue import load_catalogue, shipped_catalogue
from assistant.nlu.data import NluDataError
from assistant.nlu.labelled import ACTS, LABELLED_DIR, exemplar_rows, labelled_rows, read_labelled
from knowledge.base import SHIPPED_CONTENT

pytestmark = pytest.mark.unit


def shipped_doc_ids() -> set[str]:
    ids = set()
    for path in SHIPPED_CONTENT.rglob("*.md"):
        found = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            ids.add(found.group(1))
    return ids


def test_every_journey_business_names_a_shipped_journey_and_every_doc_exists() -> None:
    catalogue = shipped_catalogue()
    flows = load_flows()
    docs = shipped_doc_ids()
    for name, business in catalogue.businesses.items():
        if business.kind == "journey":
            assert business.journey in flows, name
        for doc in business.docs:
            assert doc in docs, f"{name}: no document {doc!r}"


def test_every_business_the_kiosk_cannot_do_has_cited_how_and_where() -> None:
    catalogue = shipped_catalogue()
    unsupported = catalogue.unsupported()
    assert {"account_closing", "credit_card", "info_change", "card_password", "ukey_token"} <= unsupported
    for name in unsupported:
        business = catalogue.businesses[name]
        assert business.docs and business.where, name


def test_a_catalogue_with_a_journey_on_a_knowledge_business_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "businesses:\n  x:\n    kind: knowledge\n    journey: transfer\n    title: {zh: 甲, en: x}\n", encoding="utf-8"
    )
    with pytest.raises(NluDataError, match="journey"):
        load_catalogue(path)


def test_the_labelled_set_is_real_large_and_uses_known_labels() -> None:
    rows = labelled_rows(shipped_catalogue())
    styles = Counter(r.style for r in rows)
    chinese_real = [r for r in rows if r.style == "typed" and r.source.startswith(("bq_dev:", "atec:"))]
    assert len(chinese_real) >= 800
    assert styles["en"] >= 300
    assert {r.act for r in rows if r.measured} <= set(ACTS)
    assert {r.style for r in rows if not r.measured} == {"en_mapped"}  # business-only rows, never measured
    originals = {r.source for r in rows if not r.source.startswith("variant:")}
    for row in rows:
        if row.source.startswith("variant:"):
            assert row.group in originals, row


def test_a_bad_labelled_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    good = {"text": "我要转账", "act": "request", "business": "transfer", "source": "t:1", "style": "typed"}
    bad = {**good, "business": "teleport"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(NluDataError, match=r"x.jsonl:2: unknown business 'teleport'"):
        read_labelled(path, shipped_catalogue())


def test_exemplars_map_to_catalogue_businesses_and_acts() -> None:
    rows = exemplar_rows(shipped_catalogue())
    assert rows
    assert all(shipped_catalogue().get(r.business) is not None for r in rows)
    assert {r.act for r in rows} <= set(ACTS)
    assert LABELLED_DIR.is_dir()


def test_withdrawing_or_looking_up_a_time_deposit_is_not_opening_one() -> None:
    business = shipped_catalogue().businesses["time_deposit"]
    for text in ("把那个一年定期取两万出来", "帮我查查我的定期啥时候到期", "I want to withdraw my fixed deposit early"):
        assert business.excludes(text), text
    for text in ("我要存定期", "存两万定期一年", "定期存款利率多少", "I'd like to open a fixed deposit"):
        assert not business.excludes(text), text


def test_a_catalogue_with_a_broken_not_the_journey_pattern_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "businesses:\n  transfer:\n    kind: journey\n    journey: transfer\n"
        "    title: {zh: 转账, en: transfer}\n    not_the_journey: ['(unclosed']\n",
        encoding="utf-8",
    )
    with pytest.raises(NluDataError, match="not_the_journey"):
        load_catalogue(path)

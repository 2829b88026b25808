"""`lobby bench corrector` reads both corpus formats and counts the corrector's rewrites of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.corrector import read_sentences, run_benchmark

pytestmark = pytest.mark.unit


def test_reads_both_formats_once_each(tmp_path: Path) -> None:
    bq = tmp_path / "bq.csv"
    bq.write_text("\ufeffsentence1,sentence2,label\n花呗有额度吗,我的性用卡丢了,0\n", encoding="utf-8")
    atec = tmp_path / "atec.csv"
    atec.write_text("1\t花呗有额度吗\t借呗怎么还款\t1\nbroken line\n", encoding="utf-8")
    assert read_sentences(bq, atec, 10) == ["花呗有额度吗", "我的性用卡丢了", "借呗怎么还款"]
    assert read_sentences(bq, tmp_path / "missing.csv", 1) == ["花呗有额度吗"]


def test_counts_rewrites_and_names_them() -> None:
    result = run_benchmark(["花呗有额度吗", "我的性用卡丢了", "我的性用卡丢了，要挂书"])
    assert (result["sentences"], result["changed"]) == (3, 2)
    top = {(r["heard"], r["written"]): r["count"] for r in result["top_changes"]}
    assert top[("性用卡", "信用卡")] == 2 and top[("挂书", "挂失")] == 1

"""The dialogue runner's pure parts: file format, turn/task/back-end checks, the number-grounding check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.conversation.dialogues import (
    Calls,
    DialogueError,
    Expect,
    Task,
    check_calls,
    check_task,
    check_turn,
    customer_numbers,
    load_dialogues,
    numbers_in,
    ungrounded,
)
from assistant.conversation.schemas import Citation, JourneyInfo, Reply, TurnOut

pytestmark = pytest.mark.unit


def turn(text: str = "好的", **extra: object) -> TurnOut:
    return TurnOut.model_validate({"reply": Reply(text=text).model_dump(), **extra})


def test_numbers_are_compared_by_value_and_codes_are_not_numbers() -> None:
    assert numbers_in("转账2,000.00元，费率0.02%，09:30开门") == {
        Decimal(2000),
        Decimal("0.02"),
        Decimal(9),
        Decimal(30),
    }
    assert numbers_in("风险等级R2，客户C1，预约码BK3F7Q9A") == set()


def test_customer_words_count_in_chinese_numerals() -> None:
    assert Decimal(3000) in customer_numbers("不对，是三千")
    assert Decimal(12000) in customer_numbers("一万二")


def test_ungrounded_lists_numbers_found_in_no_source() -> None:
    sources = {Decimal(2000)}
    assert ungrounded("向李秀英转账2000.00元，手续费0元", sources) == ["0"]
    assert ungrounded("示范安享90天理财", set(), names=["示范安享90天理财"]) == []


def test_turn_checks_give_reasons() -> None:
    out = turn(
        "请核对：3000.00元", intent="transfer", journey=JourneyInfo(name="transfer", step="confirm", status="active")
    )
    assert check_turn(out, Expect(intent="transfer", journey="transfer", step="confirm", reply_contains=["3000"])) == []
    reasons = check_turn(out, Expect(step="details", citations=True, handoff=True, reply_contains=["2000", "两千"]))
    assert reasons == [
        "step 'confirm', expected 'details'",
        "reply lacks any of ['2000', '两千']",
        "no citations",
        "no handoff",
    ]


def test_task_and_calls_checks() -> None:
    cited = turn("周六09:30开门")
    cited.reply.citations.append(Citation(doc_id="faq-hours", title="营业时间"))
    assert check_task([cited], Task(cited_answer=True)) == []
    assert check_task([turn()], Task(cited_answer=True)) == ["final reply has no citations"]
    assert check_calls(["profile", "transfer"], Calls(must=["transfer"])) == []
    assert check_calls(["profile"], Calls(must_not=["*"])) == ["back-end calls made: ['profile']"]


def test_bad_files_get_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- id: x\n  description: d\n  language: zh\n  task: {cited_answer: true}\n"
        "  steps: [{say: a, event: {type: touch}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(DialogueError, match="either `say` or `event`"):
        load_dialogues(bad)
    with pytest.raises(DialogueError, match="no dialogue files"):
        load_dialogues(tmp_path / "none")

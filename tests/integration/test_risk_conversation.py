"""Risk control in the real conversation (intent engine, journeys, sandbox bank, store): warnings spoken,
holds that stop the money step and call a colleague, blocks from the bank's lists, camera and consent
events, the transcript's record of every decision, the compliance pass at the end of a visit, and the
shipped scenario set against the issue's targets."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.compliance import ComplianceStore
from assistant.config import Settings
from assistant.conversation.schemas import EventIn, SessionCreate, TurnIn, TurnOut
from assistant.risk.scenarios import load_scenarios, run_scenarios
from assistant.runtime import Runtime, open_runtime
from tests.integration.journey_driver import camera_still

# The module runs one runtime for every visit and the whole scenario set (about two minutes on a quiet
# machine, much longer on a loaded one): a wider limit than the default 300 s.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(1200)]

REPO_ROOT = Path(__file__).resolve().parents[2]
ZHANG = {"id_number": "110105198103150319"}
ZHANG_PIN = "270519"  # the sandbox cast's PIN of his account A1001
WANG = {"id_number": "440305197811020577"}  # on the sandbox bank's AML and anti-fraud lists
MONEY_WRITES = {"transfer", "open_time_deposit", "counter_order"}


def decision(out: TurnOut) -> dict[str, Any]:
    found = [r for r in out.risk if r.get("type") == "risk_decision"]
    assert len(found) == 1, out.risk
    return found[0]


def zhang_transfers(*steps: str | EventIn) -> list[str | EventIn]:
    """Zhang's ID card is read at the kiosk and he asks for a transfer; then `steps`."""
    return [EventIn(type="id_card_read", data=ZHANG), "我要转账", *steps]


def confirmed_transfer(payee: str, account: str, bank: str, amount: str) -> list[str | EventIn]:
    """A whole transfer by Zhang: payee, account, bank, amount, no note, confirmed."""
    return zhang_transfers(f"收款人{payee}", account, bank, amount, "不用", "确认")


def verified() -> list[str | EventIn]:
    """What the kiosk sends at the verify step: a camera still for the face match, then Zhang's PIN."""
    return [
        EventIn(type="face_captured", data={"image": camera_still()}),
        EventIn(type="pin_entered", data={"pin": ZHANG_PIN}),
    ]


async def visit(runtime: Runtime, steps: list[str | EventIn], end: bool = False) -> dict[str, Any]:
    await runtime.bank.sandbox.reset()
    conversation = runtime.conversation
    sid = (await conversation.create_session(SessionCreate(channel="kiosk", branch_id="BJ001"))).session_id
    outs = []
    for step in steps:
        if isinstance(step, str):
            outs.append(await conversation.turn(sid, TurnIn(text=step)))
        else:
            outs.append(await conversation.event(sid, step))
    if end:
        await conversation.end(sid)
    turns = await asyncio.to_thread(runtime.sessions.turns, sid)
    operations = [c.get("operation") for t in turns for c in t.backend_calls or [] if c.get("ok")]
    reviewed = await asyncio.to_thread(ComplianceStore(runtime.db).reviewed, sid)
    return {"sid": sid, "outs": outs, "turns": turns, "operations": operations, "reviewed": reviewed}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> dict[str, Any]:
    var_dir = tmp_path_factory.mktemp("risk-var")
    shutil.copytree(built_knowledge, var_dir / "kb")
    models_dir = Path(os.environ.get("LOBBY_MODELS_DIR", REPO_ROOT / "var" / "models"))
    settings = Settings(env="test", var_dir=var_dir, models_dir=models_dir, _env_file=None)

    async def go() -> dict[str, Any]:
        async with open_runtime(settings) as rt:
            await rt.knowledge.wait_ready()
            return {
                "hold": await visit(
                    rt,
                    zhang_transfers("公安局的人打电话说我涉嫌洗钱，让我把钱转到安全账户", "我要转账", "我要找人工"),
                    end=True,
                ),
                "warn": await visit(rt, ["领导微信让我马上给一个账户转三万块"]),
                "events": await visit(
                    rt,
                    [
                        EventIn(type="consent", data={"recording": True, "marketing": False}),
                        EventIn(type="vision", data={"event": "gaze", "yaw": 3.0, "pitch": 1.0}),
                        EventIn(type="id_card_read", data=ZHANG),
                        "我要转账",
                        "收款人王磊",
                        EventIn(type="vision", data={"event": "phone_at_ear"}),
                    ],
                ),
                "fraud_payee": await visit(
                    rt, confirmed_transfer("周建国", "6230580000123456789", "远洋商业银行", "一万元")
                ),
                "fraud_payee_opening": await visit(
                    rt, [EventIn(type="id_card_read", data=ZHANG), "我要给周建国转五万"]
                ),
                "card_lending": await visit(
                    rt, [EventIn(type="id_card_read", data=ZHANG), "我想把我的银行卡租出去，一个月给八百", "我要转账"]
                ),
                "watch_list": await visit(rt, [EventIn(type="id_card_read", data=WANG), "我要转账"]),
                "benign": await visit(
                    rt, [*confirmed_transfer("李秀英", "1101050001002002", "示范银行", "两千元"), *verified()]
                ),
                "scenarios": await run_scenarios(rt, load_scenarios()),
            }

    return asyncio.run(go())


def test_hold_stops_the_money_step_and_calls_a_colleague(runs: dict[str, Any]) -> None:
    run = runs["hold"]
    _card, start, script, again, human = run["outs"]
    assert decision(start)["action"] == "allow" and start.journey is not None and start.journey.status == "active"
    held = decision(script)
    assert held["action"] == "hold" and {"safe_account", "police_impersonation"} <= set(held["patterns"])
    assert script.handoff is not None and script.handoff["reason"] == "risk"
    assert script.journey is not None and script.journey.status == "cancelled"
    assert "安全账户" in script.reply.text and "同事" in script.reply.text
    assert again.journey is None and decision(again)["action"] == "hold"  # no new transfer journey starts
    assert human.intent == "human_agent" and human.handoff is not None  # a human is always reachable
    assert not MONEY_WRITES & set(run["operations"])
    recorded = [r for t in run["turns"] for r in t.risk or [] if r.get("type") == "risk_decision"]
    assert any(r["action"] == "hold" and r["reasons"] for r in recorded)  # the transcript keeps the reasons
    assert run["reviewed"]  # the compliance pass ran when the visit ended


def test_a_money_scam_named_with_the_request_is_held_for_a_colleague_and_named_first(runs: dict[str, Any]) -> None:
    """Every script that ends in sending money holds the money step (a warned customer may confirm anyway)."""
    (out,) = runs["warn"]["outs"]
    assert decision(out)["action"] == "hold"
    assert out.reply.text.startswith("您说的情况很像冒充亲友") and "工作人员" in out.reply.text
    assert out.handoff is not None and out.handoff["reason"] == "risk"
    assert out.journey is None or out.journey.status != "completed"


def test_consent_is_recorded_gaze_is_not_and_phone_at_ear_warns_during_a_transfer(runs: dict[str, Any]) -> None:
    run = runs["events"]
    consent, gaze, *_rest, phone = run["outs"]
    assert decision(consent)["action"] == "allow" and gaze.risk == []
    consent_turns = [t for t in run["turns"] if t.intent == "event:consent"]
    assert len(consent_turns) == 1 and consent_turns[0].slots == {"recording": True, "marketing": False}
    assert not [t for t in run["turns"] if "gaze" in t.text]
    assert all(t.text for t in run["turns"] if t.speaker == "assistant")  # silent events add no empty replies
    assert decision(phone)["action"] == "warn" and "电话" in phone.reply.text


def test_a_payee_on_the_fraud_list_is_held_as_soon_as_named_and_never_paid(runs: dict[str, Any]) -> None:
    run = runs["fraud_payee"]
    named = run["outs"][2]  # 收款人周建国: screened at the bank by name at once, before any account is given
    assert decision(named)["action"] == "hold" and decision(named)["bank"] == "warn"
    assert named.journey is not None and named.journey.status == "cancelled"
    assert named.handoff is not None and named.handoff["reason"] == "risk"
    assert "周建国" not in named.reply.text  # the customer is not told which list
    assert all(decision(o)["action"] in ("hold", "block") for o in run["outs"][3:-1])
    assert "transfer" not in run["operations"]


def test_a_fraud_list_payee_in_the_opening_sentence_starts_no_transfer(runs: dict[str, Any]) -> None:
    _card, opening = runs["fraud_payee_opening"]["outs"]
    assert decision(opening)["action"] == "hold" and opening.journey is None
    assert opening.handoff is not None and opening.handoff["reason"] == "risk"


def test_renting_out_a_card_is_refused_and_a_later_transfer_held(runs: dict[str, Any]) -> None:
    run = runs["card_lending"]
    refused, transfer = run["outs"][1:]
    assert decision(refused)["action"] == "warn" and "不能办理" in refused.reply.text
    assert "没太听清楚" not in refused.reply.text and refused.journey is None
    assert decision(transfer)["action"] == "hold" and transfer.handoff is not None and transfer.journey is None
    assert not MONEY_WRITES & set(run["operations"])


def test_a_watch_listed_customer_is_screened_at_identification(runs: dict[str, Any]) -> None:
    card, transfer = runs["watch_list"]["outs"]
    assert decision(card)["action"] == "block" and card.handoff is not None
    assert "洗钱" not in card.reply.text  # the customer is never told which list (no tipping-off)
    assert transfer.journey is None and "transfer" not in runs["watch_list"]["operations"]


def test_an_ordinary_transfer_is_not_warned(runs: dict[str, Any]) -> None:
    run = runs["benign"]
    assert [decision(o)["action"] for o in run["outs"]] == ["allow"] * len(run["outs"])
    assert "transfer" in run["operations"]


def test_scenario_set_meets_the_issue_targets(runs: dict[str, Any]) -> None:
    report = runs["scenarios"]
    assert report["n"] >= 40 and report["scam"] >= 20 and report["benign"] >= 15
    assert report["scam_recall_warn_or_stronger"] >= 0.95, report["misses"]
    assert {"card_lending", "phone_directed", "fraud_account_payee"} <= set(report["kinds"])
    assert report["benign_false_alarm_rate"] <= 0.05, report["false_alarms"]
    assert report["money_moved_when_stop_expected"] == 0
    assert set(report["per_action"]) == {"warn", "hold", "block"}

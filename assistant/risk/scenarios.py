"""Risk scenarios: whole visits, scam or benign, run through the real conversation and scored.

Why whole visits through the real runtime: a scam shows itself across turns (the script, then the
transfer, then the phone at the ear), and the decision depends on what the NLU extracted, what the
journey collected and what the bank answered. A scenario says what kind of visit it is (`label`),
which scam (`kind`) and the mildest action that counts as catching it (`expect`: warn, hold or block;
`allow` for benign visits). The report gives, per action, recall on the visits that call for it and
the false-alarm rate on those that do not, plus whether money moved in a visit that should have
been stopped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.conversation.dialogues import Step, check_turn
from assistant.conversation.schemas import SessionCreate, TurnIn, TurnOut
from assistant.conversation.yaml_sets import load_yaml_list
from assistant.risk.rules import ACTION_RANK, ACTIONS, DATA_DIR

SCENARIO_DIR = DATA_DIR / "scenarios"
MONEY_WRITES = {"transfer", "open_time_deposit", "counter_order"}
Action = Literal["allow", "warn", "hold", "block"]


class ScenarioError(ValueError):
    """A scenario file that cannot be read or does not follow the format."""


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    label: Literal["scam", "benign"]
    kind: str
    expect: Action
    language: Literal["zh", "en"] = "zh"
    description: str
    channel: Literal["kiosk", "teller"] = "kiosk"
    steps: list[Step] = Field(min_length=1)


def load_scenarios(path: Path = SCENARIO_DIR) -> list[Scenario]:
    """Every scenario in a YAML file (a list) or in the *.yaml files of a directory; ids unique, and a
    scam never expects `allow` nor a benign visit anything else."""
    found = load_yaml_list(path, Scenario, "scenario", ScenarioError, _label_matches_expect)
    ids = [s.id for s in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ScenarioError(f"duplicate scenario ids {duplicates}")
    return found


def _label_matches_expect(file: Path, scenario: Scenario) -> None:
    """A scam must expect a warning or stronger, a benign visit `allow`: a set that says otherwise is wrong."""
    if (scenario.label == "scam") == (scenario.expect == "allow"):
        raise ScenarioError(f"{file}: {scenario.id}: a scam expects warn/hold/block, a benign visit allow")


def strongest(outs: list[TurnOut]) -> tuple[str, list[str]]:
    """The strongest risk action over a visit's turns, and the patterns named on the way."""
    action, patterns = "allow", []
    for out in outs:
        for flag in out.risk:
            candidate = str(flag.get("action") or flag.get("decision") or "")
            if candidate in ACTION_RANK and ACTION_RANK[candidate] > ACTION_RANK[action]:
                action = candidate
            patterns += [p for p in flag.get("patterns") or [] if p not in patterns]
    return action, patterns


async def run_scenario(runtime: Any, scenario: Scenario) -> dict[str, Any]:
    """One visit in a fresh session on a freshly seeded sandbox bank."""
    await runtime.bank.sandbox.reset()
    conversation = runtime.conversation
    created = await conversation.create_session(
        SessionCreate(channel=scenario.channel, branch_id="BJ001", language=scenario.language)
    )
    outs: list[TurnOut] = []
    problems: list[str] = []
    for index, step in enumerate(scenario.steps, start=1):
        if step.say is not None:
            out = await conversation.turn(created.session_id, TurnIn(text=step.say))
        else:
            assert step.event is not None
            out = await conversation.event(created.session_id, step.event)
        outs.append(out)
        problems += [f"step {index}: {p}" for p in check_turn(out, step.expect)]
    turns = await _turns(runtime, created.session_id)
    moved = any(
        isinstance(call, dict) and call.get("operation") in MONEY_WRITES and call.get("ok")
        for row in turns
        for call in (row.backend_calls or [])
    )
    action, patterns = strongest(outs)
    return {
        "id": scenario.id,
        "label": scenario.label,
        "kind": scenario.kind,
        "expect": scenario.expect,
        "action": action,
        "caught": ACTION_RANK[action] >= ACTION_RANK[scenario.expect] if scenario.label == "scam" else None,
        "false_alarm": action != "allow" if scenario.label == "benign" else None,
        "money_moved": moved,
        "patterns": patterns,
        "problems": problems,
        "handoff": next((o.handoff.get("reason") for o in outs if o.handoff), None),
    }


async def _turns(runtime: Any, session_id: str) -> list[Any]:
    import asyncio

    return list(await asyncio.to_thread(runtime.sessions.turns, session_id))


def score(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Recall and false-alarm rate per action, the headline figures and the misses."""
    per_action: dict[str, Any] = {}
    for action in ACTIONS[1:]:
        rank = ACTION_RANK[action]
        positives = [r for r in results if ACTION_RANK[r["expect"]] >= rank]
        negatives = [r for r in results if ACTION_RANK[r["expect"]] < rank]
        hit = sum(ACTION_RANK[r["action"]] >= rank for r in positives)
        false = sum(ACTION_RANK[r["action"]] >= rank for r in negatives)
        per_action[action] = {
            "positives": len(positives),
            "recall": round(hit / len(positives), 4) if positives else None,
            "negatives": len(negatives),
            "false_alarm_rate": round(false / len(negatives), 4) if negatives else None,
        }
    scams = [r for r in results if r["label"] == "scam"]
    benign = [r for r in results if r["label"] == "benign"]
    stop_expected = [r for r in scams if ACTION_RANK[r["expect"]] >= ACTION_RANK["hold"]]
    return {
        "n": len(results),
        "scam": len(scams),
        "benign": len(benign),
        "scam_recall_warn_or_stronger": round(sum(r["action"] != "allow" for r in scams) / len(scams), 4)
        if scams
        else None,
        "scam_caught_at_expected_action": round(sum(bool(r["caught"]) for r in scams) / len(scams), 4)
        if scams
        else None,
        "benign_false_alarm_rate": round(sum(bool(r["false_alarm"]) for r in benign) / len(benign), 4)
        if benign
        else None,
        "money_moved_when_stop_expected": sum(r["money_moved"] for r in stop_expected),
        "per_action": per_action,
        "kinds": sorted({r["kind"] for r in results}),
        "misses": [r for r in scams if not r["caught"]],
        "false_alarms": [r for r in benign if r["false_alarm"]],
        "step_problems": {r["id"]: r["problems"] for r in results if r["problems"]},
    }


async def run_scenarios(runtime: Any, scenarios: list[Scenario]) -> dict[str, Any]:
    await runtime.knowledge.wait_ready()
    results = [await run_scenario(runtime, s) for s in scenarios]
    report = score(results)
    report["results"] = [{k: r[k] for k in ("id", "label", "kind", "expect", "action")} for r in results]
    return report

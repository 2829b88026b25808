"""`lobby eval risk [FILE_OR_DIR] --json`: run risk scenarios (whole visits) through the real runtime.

Prints recall and false-alarm rate per action (warn / hold / block), the headline figures (recall of
scam visits at warn or stronger, false alarms on benign visits) and every miss. The sandbox bank is
reset before each visit.
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json
from assistant.cli.scripted import run_on_runtime, select
from assistant.risk.scenarios import SCENARIO_DIR, ScenarioError, load_scenarios, run_scenarios


def risk(
    path: Path = typer.Argument(SCENARIO_DIR, help="A scenario YAML file or a directory of them."),
    only: str | None = typer.Option(None, "--only", help="Run only scenarios whose id contains this text."),
    json_out: bool = JsonOption,
) -> None:
    """Fraud detection recall and false-alarm rate per action over scam and benign visits."""
    selected = select(path, load_scenarios, ScenarioError, only, "scenarios")
    report = run_on_runtime(run_scenarios, selected)
    report["source"] = str(path)
    if json_out:
        emit_json(report)
        return
    typer.echo(f"scenarios {report['n']} (scam {report['scam']}, benign {report['benign']})")
    typer.echo(f"scam recall, warn or stronger   {_pct(report['scam_recall_warn_or_stronger'])}")
    typer.echo(f"benign false-alarm rate         {_pct(report['benign_false_alarm_rate'])}")
    for action, row in report["per_action"].items():
        typer.echo(f"  {action:<5} recall {_pct(row['recall'])}  false alarms {_pct(row['false_alarm_rate'])}")
    for miss in report["misses"]:
        typer.echo(f"MISS {miss['id']}: {miss['action']} (expected {miss['expect']})")
    for alarm in report["false_alarms"]:
        typer.echo(f"FALSE ALARM {alarm['id']}: {alarm['action']}")


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"

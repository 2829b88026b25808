"""`lobby eval dialogues [FILE_OR_DIR]`: run scripted dialogues through the real runtime and score them.

Prints {"n", "passed", "task_success_rate", "backend_calls_correct_rate", "ungrounded_facts", "failures"}
with --json, a short table otherwise. The sandbox bank is reset before each dialogue.
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json
from assistant.cli.scripted import run_on_runtime, select
from assistant.conversation.dialogues import DATA_DIR, DialogueError, load_dialogues, run_dialogues


def dialogues(
    path: Path = typer.Argument(DATA_DIR, help="A dialogue YAML file or a directory of them."),
    only: str | None = typer.Option(None, "--only", help="Run only dialogues whose id contains this text."),
    trace: bool = typer.Option(False, "--trace", help="With --json: keep every failure's turn-by-turn trace."),
    json_out: bool = JsonOption,
) -> None:
    """Task success rate, correct back-end calls rate and ungrounded facts over scripted dialogues."""
    selected = select(path, load_dialogues, DialogueError, only, "dialogues")
    report = run_on_runtime(run_dialogues, selected)
    report["source"] = str(path)
    if not trace:
        for failure in report["failures"]:
            failure.pop("trace", None)
    if json_out:
        emit_json(report)
        return
    typer.echo(f"dialogues {report['n']}  passed {report['passed']}")
    typer.echo(f"task success rate          {report['task_success_rate']:.1%}")
    typer.echo(f"back-end calls correct     {report['backend_calls_correct_rate']:.1%}")
    typer.echo(f"ungrounded facts           {report['ungrounded_facts']}")
    for failure in report["failures"]:
        typer.echo(f"FAIL {failure['id']}: " + "; ".join(failure["reasons"]))

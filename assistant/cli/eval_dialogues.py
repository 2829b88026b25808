"""`lobby eval dialogues [FILE_OR_DIR]`: run scripted dialogues through the real runtime and score them.

Prints {"n", "passed", "task_success_rate", "backend_calls_correct_rate", "ungrounded_facts", "failures"}
with --json, a short table otherwise. The sandbox bank is reset before each dialogue.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.conversation.dialogues import DATA_DIR, DialogueError, load_dialogues, run_dialogues
from assistant.logging import configure_logging
from assistant.runtime import open_runtime


def dialogues(
    path: Path = typer.Argument(DATA_DIR, help="A dialogue YAML file or a directory of them."),
    only: str | None = typer.Option(None, "--only", help="Run only dialogues whose id contains this text."),
    trace: bool = typer.Option(False, "--trace", help="With --json: keep every failure's turn-by-turn trace."),
    json_out: bool = JsonOption,
) -> None:
    """Task success rate, correct back-end calls rate and ungrounded facts over scripted dialogues."""
    if not path.exists():
        fail(f"{path}: no such file or directory")
    try:
        selected = load_dialogues(path)
    except DialogueError as exc:
        fail(str(exc))
    if only:
        selected = [d for d in selected if only in d.id]
    if not selected:
        fail("no dialogues selected")
    settings = load_settings(runtime=True)
    configure_logging("WARNING", json_output=False)
    report = asyncio.run(_run(settings, selected))
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


async def _run(settings: Any, selected: list[Any]) -> dict[str, Any]:
    async with open_runtime(settings) as runtime:
        return await run_dialogues(runtime, selected)

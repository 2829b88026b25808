"""`lobby eval text [--json]`: the customer-visible text check over the dialogue and risk evaluation sets.

Why: what a lobby kiosk shows and says is judged on whole visits; this runs both shipped sets through
the real runtime and lists every internal id, raw code, unformatted amount, unmasked number or
other-language text on screen, and every name, number or sensitive detail said aloud. Exits 1 when
anything is found, so it can gate a release.
"""

from __future__ import annotations

from typing import Any

import typer

from assistant.cli.common import JsonOption, emit_json
from assistant.cli.scripted import run_on_runtime
from assistant.conversation.text_check import scan


async def _scan(runtime: Any, _selected: list[Any]) -> dict[str, Any]:
    return await scan(runtime)


def text(json_out: bool = JsonOption) -> None:
    """Internal values on the kiosk screen and personal data in its voice, over whole visits."""
    report = run_on_runtime(_scan, [])
    if json_out:
        emit_json(report)
    else:
        typer.echo(f"replies {report['replies']}  findings {len(report['findings'])}")
        for kind, count in sorted(report["by_kind"].items()):
            typer.echo(f"  {kind:<18} {count}")
        for f in report["findings"][:50]:
            typer.echo(f"{f['visit'][:8]} step {f['step']} {f['where']}: {f['kind']}: {f['excerpt']}")
    if report["findings"]:
        raise typer.Exit(1)

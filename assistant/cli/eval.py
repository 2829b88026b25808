"""`lobby eval WHAT`: quality evaluations (intents, dialogues, ASR, risk), each printing JSON."""

from __future__ import annotations

import typer

app = typer.Typer(help="Quality evaluations.", no_args_is_help=True)

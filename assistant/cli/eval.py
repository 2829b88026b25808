"""`lobby eval WHAT`: quality evaluations (intents, dialogues, ASR, risk), each printing JSON."""

from __future__ import annotations

import typer

from assistant.cli import eval_dialogues, eval_intents, eval_risk, eval_text
from assistant.cli.asr import eval_asr

app = typer.Typer(help="Quality evaluations.", no_args_is_help=True)
app.command("asr")(eval_asr)
app.command("intents")(eval_intents.intents)
app.command("dialogues")(eval_dialogues.dialogues)
app.command("risk")(eval_risk.risk)
app.command("text")(eval_text.text)

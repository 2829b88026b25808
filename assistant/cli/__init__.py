"""The `lobby` command line. Each area lives in its own module and is registered here."""

from __future__ import annotations

import typer

from assistant.cli import asr as asr_cmd
from assistant.cli import audit as audit_cmd
from assistant.cli import bench, config_cmd, db, eval, kb, models, pending, serve
from assistant.cli import chat as chat_cmd
from assistant.cli import compliance as compliance_cmd
from assistant.cli import devices as devices_cmd
from assistant.cli import recordings as recordings_cmd
from assistant.cli import sandbox as sandbox_cmd
from assistant.cli import transcripts as transcripts_cmd
from assistant.cli import tts as tts_cmd
from assistant.cli import users as users_cmd
from assistant.cli import vision as vision_cmd

app = typer.Typer(
    name="lobby",
    help="Lobby: the digital-human service assistant for bank branches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("config")(config_cmd.config)
app.command("chat")(chat_cmd.chat)
app.command("vision")(vision_cmd.vision)
app.command("tts")(tts_cmd.tts)
app.command("asr")(asr_cmd.asr)
app.add_typer(kb.app, name="kb")
app.add_typer(models.app, name="models")
app.add_typer(db.app, name="db")
app.add_typer(bench.app, name="bench")
app.add_typer(sandbox_cmd.app, name="sandbox")
app.add_typer(eval.app, name="eval")
app.add_typer(compliance_cmd.app, name="compliance")
app.add_typer(transcripts_cmd.app, name="transcripts")
app.add_typer(users_cmd.app, name="users")
app.add_typer(devices_cmd.app, name="devices")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(recordings_cmd.app, name="recordings")
pending.register(app)


def main() -> None:
    app()

"""`lobby db`: apply and inspect migrations."""

from __future__ import annotations

import typer

from assistant.cli.common import JsonOption, emit_json, load_settings
from assistant.store import Database

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default head)."""
    db = Database(load_settings(runtime=True).effective_database_url)
    db.upgrade(revision)
    typer.echo(f"database at {db.current_revision()}")


@app.command("status")
def status(as_json: bool = JsonOption) -> None:
    """Current and head revision."""
    db = Database(load_settings(runtime=True).effective_database_url)
    data = {"backend": db.engine.dialect.name, "current": db.current_revision(), "head": db.head_revision()}
    if as_json:
        emit_json(data)
    else:
        typer.echo(f"{data['backend']}: at {data['current']}, head {data['head']}")

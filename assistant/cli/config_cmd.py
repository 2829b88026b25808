"""`lobby config`: the effective configuration, secrets masked."""

from __future__ import annotations

import typer

from assistant.cli.common import JsonOption, emit_json, load_settings


def config(as_json: bool = JsonOption) -> None:
    """Print the effective configuration (environment, .env and defaults) with secrets masked."""
    data = load_settings().masked()
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        typer.echo(f"{key} = {value}")

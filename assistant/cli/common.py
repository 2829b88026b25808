"""What every CLI command shares: loading settings with one-line errors, JSON output."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer
from pydantic import ValidationError

from assistant.config import ConfigError, Settings, check_runtime

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def fail(message: str, code: int = 2) -> NoReturn:
    """One clear line on stderr, then exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def load_settings(runtime: bool = False) -> Settings:
    """Settings from the environment; a bad value stops the command with one line naming it."""
    try:
        settings = Settings()
        if runtime:
            check_runtime(settings)
        return settings
    except ConfigError as exc:
        fail(str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "LOBBY_" + "__".join(str(p) for p in first["loc"]).upper()
        fail(f"{name}: {first['msg']}")


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

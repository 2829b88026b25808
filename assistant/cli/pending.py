"""Commands whose areas are still being built: listed in `lobby --help`, and each says which issue
brings it instead of pretending to work. An area's module replaces its entry here when it lands."""

from __future__ import annotations

from collections.abc import Callable

import typer

PENDING: dict[str, str] = {}


def register(app: typer.Typer) -> None:
    for name, purpose in PENDING.items():
        app.command(
            name,
            help=f"(not built yet) {purpose}",
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(_not_built(name, purpose))


def _not_built(name: str, purpose: str) -> Callable[..., None]:
    def command(ctx: typer.Context) -> None:
        typer.echo(f"error: `lobby {name}` is not built yet: {purpose}", err=True)
        raise typer.Exit(2)

    command.__name__ = name
    return command

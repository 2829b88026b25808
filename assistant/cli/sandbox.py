"""`lobby sandbox`: the sandbox bank alone (serve), its seeded cast (cast) and a fresh start (reset)."""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings

app = typer.Typer(
    help="The sandbox bank: a fake bank with a seeded cast behind the real bank API.", no_args_is_help=True
)

DbOption = typer.Option(None, "--db", help="SQLite file or SQLAlchemy URL (default: var_dir/sandbox.db).")


def _db(db: str | None) -> str | Path:
    if db:
        return db
    settings = load_settings(runtime=True)
    return settings.var_dir / settings.bank.sandbox_db


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Bind address."),
    port: int = typer.Option(9100, min=1, max=65535, help="Port."),
    db: str | None = DbOption,
) -> None:
    """Serve the sandbox bank over HTTP (point LOBBY_BANK_URL at it); OpenAPI at /docs."""
    import uvicorn

    from assistant.logging import configure_logging
    from integrations.pii import install_masking_filter
    from integrations.sandbox.app import create_sandbox_app
    from integrations.sandbox.routes_verification import VerificationPolicy

    settings = load_settings(runtime=True)
    configure_logging(settings.log_level, settings.log_json)
    install_masking_filter("uvicorn.access")  # access lines carry query strings (ID numbers, phones)
    policy = VerificationPolicy(settings.bank.sandbox_pin_max_tries, settings.bank.sandbox_face_max_tries)
    uvicorn.run(create_sandbox_app(_db(db), verification=policy), host=host, port=port, log_config=None)


@app.command()
def cast(json_output: bool = JsonOption) -> None:
    """Every identifier of the seeded cast: customer ids, ID/passport numbers, phones, accounts, cards,
    booking codes and QR tokens (synthetic; they pass the real checksums)."""
    from integrations.sandbox.seed import cast_summary

    data = cast_summary()
    if json_output:
        emit_json(data)
        return
    for key, person in data.items():
        ident = person.get("id_number") or person.get("passport_number") or person.get("account_number")
        typer.echo(f"{key:12} {person.get('customer_id') or '-':6} {person['name']:12} {ident}")


@app.command()
def reset(db: str | None = DbOption, json_output: bool = JsonOption) -> None:
    """Put the sandbox database back to the seeded cast (bookings dated today)."""
    from sqlalchemy.exc import SQLAlchemyError

    from integrations.sandbox.state import SandboxState

    target = _db(db)
    try:
        state = SandboxState(target)
        state.reset()
        seeded = state.seeded_on()
        state.dispose()
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot reset the sandbox at {target}: {exc}")
    result = {"database": str(target), "seeded_on": str(seeded)}
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"sandbox reset: {target} (seeded {seeded})")

"""`lobby audit verify|list`: check the hash chain of the audit log; read it back."""

from __future__ import annotations

import typer

from assistant.audit import AuditLog
from assistant.cli.common import JsonOption, emit_json
from assistant.cli.users import open_store

app = typer.Typer(help="The tamper-evident audit log: verify, list.", no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = JsonOption) -> None:
    """Recompute the whole chain. Exit 0 when intact; exit 1 naming the first broken record."""
    _, db = open_store()
    report = AuditLog(db).verify()
    if as_json:
        emit_json(report.to_dict())
    elif report.ok:
        typer.echo(f"audit log intact: {report.records} records, head {report.head_hash}")
    else:
        typer.echo(f"audit log BROKEN at record {report.broken_seq}: {report.problem}", err=True)
        typer.echo(f"{report.records} records before it are intact (head {report.head_hash})", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("list")
def list_records(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    action: str | None = typer.Option(None, "--action", help="Only this action, e.g. sign_in_failed."),
    actor: str | None = typer.Option(None, "--actor"),
    as_json: bool = JsonOption,
) -> None:
    """Newest records first."""
    _, db = open_store()
    entries = AuditLog(db).list(limit=limit, action=action, actor=actor)
    if as_json:
        emit_json([e.to_dict() for e in entries])
        return
    for e in entries:
        typer.echo(f"{e.seq:6} {e.at:%Y-%m-%d %H:%M:%S} {e.actor:20} {e.action:20} {e.subject or ''}")

"""`lobby recordings purge|list|show`: retention of visit recordings, and what is kept.

`purge` is what a scheduler runs (daily, say): every recording stored more than
`LOBBY_RECORDING__RETENTION_DAYS` ago is deleted from the configured store, each deletion is audited,
and the report says what went and how much space it freed. `--dry-run` reports without deleting.
"""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from assistant.audit import AuditLog
from assistant.cli.common import JsonOption, emit_json, fail
from assistant.cli.users import cli_actor, open_store
from assistant.recording import Recordings, open_recordings

app = typer.Typer(help="Recordings of consented visits: purge past retention, list.", no_args_is_help=True)


def _open() -> Recordings:
    settings, db = open_store()
    recordings = open_recordings(settings.recording, settings.var_dir, AuditLog(db))
    if recordings is None:
        fail("recording is switched off (LOBBY_RECORDING__ENABLED=false)")
    return recordings


@app.command("purge")
def purge(
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would go; delete nothing."),
    now: datetime | None = typer.Option(None, "--now", help="Purge as of this time (UTC), e.g. for a test."),
    as_json: bool = JsonOption,
) -> None:
    """Delete recordings older than the retention setting; print the report."""
    moment = (now.replace(tzinfo=UTC) if now is not None and now.tzinfo is None else now) or datetime.now(UTC)
    report = _open().purge(moment, dry_run=dry_run, actor=cli_actor())
    if as_json:
        emit_json(report)
        return
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb} {report['purged_count']} recording(s), {report['bytes_freed']} bytes, stored before "
        f"{report['cutoff']} (retention {report['retention_days']} days, {report['store']} store); "
        f"{report['kept']} kept"
    )
    for item in report["purged"]:
        typer.echo(f"  {item.get('session_id', item.get('key'))} part {item.get('part')} stored {item['stored_at']}")


@app.command("list")
def list_recordings(session_id: str = typer.Argument(..., help="The session."), as_json: bool = JsonOption) -> None:
    """The parts of one session's recording (hash, duration, segments)."""
    parts = _open().parts(session_id)
    if as_json:
        emit_json(parts)
        return
    if not parts:
        typer.echo(f"no recording of {session_id}")
    for m in parts:
        typer.echo(
            f"part {m['part']}: {m['duration_s']} s, {m['bytes']} bytes, sha256 {m['sha256']}, "
            f"{len(m.get('segments', []))} segments, stored {m['stored_at']}"
        )

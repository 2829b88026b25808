"""`lobby transcripts export`: the day's sessions as masked JSONL or CSV, for archiving or review offline.

The same export as the supervisor console's (same filters, same masking) and, like it, audited (`export`),
with the operating-system user as the actor.
"""

from __future__ import annotations

import datetime as dt
import getpass
import sys
from pathlib import Path

import typer

from assistant.audit import AuditLog
from assistant.cli.common import fail, load_settings
from assistant.store import Database
from assistant.supervision import SessionFilter, SupervisionStore
from assistant.supervision.export import lines
from assistant.supervision.filters import DEFAULT_TZ

app = typer.Typer(help="Session transcripts (masked).", no_args_is_help=True)


@app.command("export")
def export(
    date: str = typer.Option(..., "--date", help="first day, YYYY-MM-DD (local to --tz)"),
    until: str | None = typer.Option(None, "--until", help="last day, inclusive (default: --date)"),
    fmt: str = typer.Option("jsonl", "--format", help="jsonl (a session per line) or csv (a row per turn)"),
    branch: str | None = typer.Option(None, "--branch", help="only this branch"),
    tz: str = typer.Option(DEFAULT_TZ, "--tz", help="time zone of the dates"),
    output: Path | None = typer.Option(None, "--output", "-o", help="file to write (default: standard output)"),
) -> None:
    """Write the sessions of a day (or a range of days) with personal data masked."""
    if fmt not in ("jsonl", "csv"):
        fail(f"--format: {fmt!r} is not jsonl or csv")
    try:
        first = dt.date.fromisoformat(date)
        last = dt.date.fromisoformat(until) if until else first
        filters = SessionFilter(date_from=first, date_to=last, branch_id=branch, tz=tz)
    except ValueError as exc:
        fail(str(exc).splitlines()[0] if str(exc) else "bad date")
    db = Database(load_settings(runtime=True).effective_database_url)
    try:
        store = SupervisionStore(db)
        summaries, truncated = store.summaries(filters)
        details = {"format": fmt, "filters": filters.describe(), "sessions": len(summaries), "truncated": truncated}
        AuditLog(db).record(f"cli:{getpass.getuser()}", None, "export", None, {**details, "via": "cli"})
        by_id = {s.session_id: s for s in summaries}
        ids = list(by_id)
        chunks = lines("csv" if fmt == "csv" else "jsonl", by_id, store.export_turns(ids), store.export_names(ids))
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                out.writelines(chunks)
        typer.echo(f"exported {len(summaries)} session(s)" + (" (truncated)" if truncated else ""), err=True)
    finally:
        db.dispose()

"""`lobby recordings purge|list|analyse`: retention of visit recordings, what is kept, and the
after-visit analysis (`analyse SESSION` or `analyse --pending`: what `lobby serve` does in the background,
for a visit now or for every recording still waiting, with progress on stderr).

`purge` is what a scheduler runs (daily, say): every recording stored more than
`LOBBY_RECORDING__RETENTION_DAYS` ago is deleted from the configured store, each deletion is audited,
and the report says what went and how much space it freed. `--dry-run` reports without deleting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer

from assistant.audit import AuditLog
from assistant.cli.common import JsonOption, emit_json, fail
from assistant.cli.users import cli_actor, open_store
from assistant.compliance import ComplianceReviewer
from assistant.recording import Recordings, open_recordings
from assistant.recording.analysis import Analyser
from assistant.recording.rehear import analysis_recognizer
from assistant.store.db import Database
from assistant.store.tables import SessionRow

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


def _review_if_ended(db: Database) -> Callable[[str], None]:
    """The compliance review of an ended visit is run again, so the analysis's findings appear in it."""
    reviewer = ComplianceReviewer(db)

    def after(session_id: str) -> None:
        with db.session() as s:
            row = s.get(SessionRow, session_id)
            ended = row is not None and row.status == "ended"
        if ended:
            reviewer.after_end(session_id)

    return after


@app.command("analyse")
def analyse(
    session_id: str | None = typer.Argument(None, help="The session to analyse (again); omit with --pending."),
    pending: bool = typer.Option(False, "--pending", help="Every recording not analysed since it was stored."),
    as_json: bool = JsonOption,
) -> None:
    """Re-transcribe the customer's audio and compare it with what the live path understood."""
    if (session_id is None) == (not pending):
        fail("give one of SESSION_ID or --pending")
    settings, db = open_store()
    recordings = open_recordings(settings.recording, settings.var_dir, AuditLog(db))
    if recordings is None:
        fail("recording is switched off (LOBBY_RECORDING__ENABLED=false)")
    options = settings.recording
    analyser = Analyser(
        recordings,
        db,
        AuditLog(db),
        lambda: analysis_recognizer(settings.speech, settings.effective_models_dir, options),
        _review_if_ended(db),
    )
    sessions = analyser.pending(10_000) if pending else [str(session_id)]
    if session_id is not None and not recordings.parts(session_id):
        fail(f"no recording of {session_id} (no consent to recording, or purged)")
    results = []
    for number, sid in enumerate(sessions, 1):
        typer.echo(f"[{number}/{len(sessions)}] {sid}", err=True)

        def progress(done: int, total: int) -> None:
            typer.echo(f"  turn {done}/{total} re-heard", err=True)

        details = analyser.analyse(sid, progress)
        results.append(details)
        typer.echo(
            f"  {len(details['turns'])} turns compared, {len(details['findings'])} findings, "
            f"{details['audio_s']} s of audio, {details['cpu_s']} s CPU",
            err=True,
        )
    if as_json:
        emit_json(results)
        return
    if not sessions:
        typer.echo("no recording waits for analysis")
    for details in results:
        typer.echo(f"{details['session_id']}: {len(details['findings'])} findings")
        for finding in details["findings"]:
            typer.echo(f"  {finding['severity']:<6} turn {finding['turn_seq']}: {finding['detail']['message']}")

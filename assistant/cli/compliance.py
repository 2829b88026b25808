"""`lobby compliance`: the after-visit compliance pass from the command line.

`report --date D` first reviews ended visits that have no review yet (so the report is complete even
when no server ran the pass), then prints the day's report: visits reviewed, findings by rule and
severity, and each finding (quoted texts are masked).
"""

from __future__ import annotations

import datetime as dt

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.compliance import ComplianceReviewer
from assistant.store import Database

app = typer.Typer(help="Compliance review of finished visits.", no_args_is_help=True)


def _reviewer() -> ComplianceReviewer:
    db = Database(load_settings(runtime=True).effective_database_url)
    db.upgrade()
    return ComplianceReviewer(db)


def _date(value: str | None) -> dt.date:
    if value is None:
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--date must be YYYY-MM-DD, not {value!r}")


@app.command("report")
def report(
    date: str | None = typer.Option(None, "--date", help="Day the visits ended, YYYY-MM-DD (UTC; default today)."),
    sweep: bool = typer.Option(True, "--sweep/--no-sweep", help="Review unreviewed ended visits first."),
    json_out: bool = JsonOption,
) -> None:
    """The daily compliance report."""
    day = _date(date)
    reviewer = _reviewer()
    swept = 0
    if sweep:
        while (done := reviewer.sweep()) > 0:
            swept += done
    data = reviewer.store.report(day)
    data["reviewed_now"] = swept
    if json_out:
        emit_json(data)
        return
    typer.echo(f"{data['date']}: {data['sessions_reviewed']} visits reviewed, {data['findings']} findings")
    for rule, count in data["by_rule"].items():
        typer.echo(f"  {rule:<36} {count}")
    for item in data["items"]:
        typer.echo(f"{item['severity']:<6} {item['rule']} session {item['session_id']} turn {item['turn_seq']}")


@app.command("review")
def review(
    session_id: str = typer.Argument(..., help="The session to review now."), json_out: bool = JsonOption
) -> None:
    """Run the pass over one visit now and print its findings."""
    reviewer = _reviewer()
    try:
        findings = reviewer.review_session(session_id)
    except LookupError:
        fail(f"no session {session_id}")
    data = {"session_id": session_id, "findings": [f.__dict__ for f in findings]}
    if json_out:
        emit_json(data)
        return
    typer.echo(f"{session_id}: {len(findings)} findings")
    for f in findings:
        typer.echo(f"  {f.severity:<6} {f.rule} turn {f.turn_seq}")

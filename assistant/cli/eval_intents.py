"""`lobby eval intents`: how well turns are understood.

Default: the understander (rules + the trained recogniser) cross-validated on the labelled real
customer questions (`assistant/nlu/data/labelled/`, docs/labelling-guide.md): each fold trains on the
exemplars and the other folds, then understands its rows as a live turn would. Reported: act + business
accuracy, each alone, per act, per business, per style and per labelled set, how often the opening
would be routed right (the routing table's action on the prediction against the label's), and how
often a business the kiosk cannot do would have started a journey.

`--hold-out openings_i,openings_j`: train once without those labelled sets and read their rows once (how a
writer the recogniser never saw is understood).

`--train CSV --test CSV`: the plain nearest-exemplar baseline on a labelled CSV pair (e.g. banking77).
"""

from __future__ import annotations

from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings
from assistant.conversation.policy import (
    ACT_SURE_MIN_CONFIDENCE,
    SURE_MIN_CONFIDENCE,
    SWITCH_MIN_CONFIDENCE,
    Facts,
    shipped_routing,
)
from assistant.conversation.runtime import understander_dir
from assistant.nlu.catalogue import shipped_catalogue
from assistant.nlu.crossval import cross_validate, hold_out
from assistant.nlu.data import NluDataError
from assistant.nlu.engine import CACHE_SUBDIR
from assistant.nlu.evaluate import engine_from_csv, evaluate, read_csv
from assistant.nlu.labelled import exemplar_rows, labelled_rows
from assistant.nlu.training import build_understander, embed_rows


def opening_action(act: str, business: str, confidence: float = 1.0, act_confidence: float = 1.0) -> str:
    """What the routing table does with an opening turn (no journey yet) of this act and business."""
    catalogue = shipped_catalogue()
    known = catalogue.get(business)
    facts = Facts(
        act=act,
        business=business,
        kind=catalogue.kind(business),
        confident=confidence >= SWITCH_MIN_CONFIDENCE,
        sure=confidence >= SURE_MIN_CONFIDENCE,
        act_sure=act_confidence >= ACT_SURE_MIN_CONFIDENCE,
        other_journey=True,
        answered_by_journey=known is not None and known.answered_by_journey,
    )
    return shipped_routing().decide(facts)[0]


def intents(
    train: Path | None = typer.Option(None, "--train", help="Baseline: labelled CSV whose rows become exemplars."),
    test: Path | None = typer.Option(None, "--test", help="Baseline: labelled CSV to measure on (with --train)."),
    folds: int = typer.Option(5, "--folds", min=2, max=20, help="Cross-validation folds."),
    errors: int = typer.Option(0, "--errors", min=0, help="Also list the first N misunderstood utterances."),
    held_out: str | None = typer.Option(
        None,
        "--hold-out",
        help="Comma-separated labelled sets (e.g. openings_i,openings_j): train without them, test on them once.",
    ),
    json_out: bool = JsonOption,
) -> None:
    """Cross-validated understanding accuracy: {"real": {...}, "all": {...}, "per_style", "per_set", ...}."""
    if (train is None) != (test is None):
        fail("--train and --test go together")
    settings = load_settings()
    cache_dir = settings.var_dir / CACHE_SUBDIR
    try:
        if train is not None and test is not None:
            for path in (train, test):
                if not path.is_file():
                    fail(f"{path}: no such file")
            baseline = evaluate(engine_from_csv(train, cache_dir), read_csv(test), errors=errors)
            baseline["source"] = {"train": str(train), "test": str(test)}
            emit_json(baseline) if json_out else typer.echo(f"n={baseline['n']} accuracy={baseline['accuracy']:.4f}")
            return
        cache_dir = understander_dir(settings)
        understander = build_understander(cache_dir)
        catalogue = shipped_catalogue()
        exemplars, labelled = exemplar_rows(catalogue), labelled_rows(catalogue)
        exemplar_vectors = embed_rows(understander.embedder, exemplars, cache_dir)
        labelled_vectors = embed_rows(understander.embedder, labelled, cache_dir)
        if held_out:
            sets = [name.strip() for name in held_out.split(",") if name.strip()]
            report = hold_out(
                understander,
                exemplars,
                exemplar_vectors,
                labelled,
                labelled_vectors,
                sets,
                None,
                errors,
                opening_action,
            )
        else:
            report = cross_validate(
                understander,
                exemplars,
                exemplar_vectors,
                labelled,
                labelled_vectors,
                k=folds,
                errors=errors,
                route=opening_action,
            )
    except (NluDataError, ValueError) as exc:
        fail(str(exc))
    if json_out:
        emit_json(report)
        return
    for name in ("real", "all"):
        part = report[name]
        if not part["n"]:
            continue
        typer.echo(
            f"{name}: n={part['n']} act+business={part['act_business_accuracy']:.4f} "
            f"act={part['act_accuracy']:.4f} business={part['business_accuracy']:.4f} "
            f"routed_right={part.get('routed_right', 0):.4f} unsupported->journey={part['unsupported_to_journey']:.4f}"
        )
    for name, part in report["per_set"].items():
        typer.echo(
            f"  {name:<12} n={part['n']:<5} act+business={part['act_business_accuracy']:.4f} "
            f"routed_right={part.get('routed_right', 0):.4f}"
        )
    for item in report.get("errors", []):
        typer.echo(f"  {item['gold']:>28} -> {item['predicted']:<28} {item['text']}")

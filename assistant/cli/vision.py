"""`lobby vision IMAGE`: run the kiosk camera pipeline on one still image (offline checks)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import typer

from assistant.cli.common import JsonOption, emit_json, fail, load_settings

MAX_IMAGE_BYTES = 64 * 1024 * 1024  # a still image from disk may be larger than a camera frame


def vision(
    image: Path = typer.Argument(..., help="Image file (JPEG, PNG, WebP, BMP ...)."),
    json_out: bool = JsonOption,
    hands: bool = typer.Option(True, "--hands/--no-hands", help="Check for a hand or phone at the ear (pose)."),
    model: str | None = typer.Option(None, help="Face model: short or full (default LOBBY_AVATAR__VISION__MODEL)."),
    tiles: bool | None = typer.Option(None, "--tiles/--no-tiles", help="Also detect on four tiles (small faces)."),
) -> None:
    """Faces, boxes and the events a single image supports: customer_present, multiple_faces, phone_at_ear."""
    settings = load_settings()
    if model is not None and model not in ("short", "full"):
        fail(f"--model must be 'short' or 'full', not {model!r}")
    if not image.is_file():
        fail(f"no such image file: {image}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from avatar.vision.frames import FrameError, decode_frame

    try:
        rgb = decode_frame(image.read_bytes(), max_bytes=MAX_IMAGE_BYTES)
    except (FrameError, OSError) as exc:
        fail(f"{image}: {exc}")

    updates: dict[str, object] = {}
    if model is not None:
        updates["model"] = model
    if tiles is not None:
        updates["tiles"] = tiles
    options = settings.avatar.vision.model_copy(update=updates)
    with _native_stderr_quiet():
        from avatar.vision.analyzer import VisionAnalyzer
        from avatar.vision.tracker import describe_image

        analyzer = VisionAnalyzer(options)
        try:
            observation = analyzer.analyze(rgb, order="rgb", hands=hands)
        finally:
            analyzer.close()
    result = {"image": str(image), **observation.to_dict()}
    result["events"] = [event.to_dict() for event in describe_image(observation)]
    if json_out:
        emit_json(result)
        return
    typer.echo(f"{image}: {observation.width}x{observation.height}, {len(observation.faces)} face(s)")
    for index, face in enumerate(observation.faces):
        marker = "*" if index == observation.primary else " "
        box = face.box
        typer.echo(
            f" {marker} face {index}: x={box.x:.3f} y={box.y:.3f} w={box.w:.3f} h={box.h:.3f} score={face.score:.2f}"
        )
    if observation.head is not None:
        typer.echo(f"   head: yaw {observation.head.yaw:+.1f} deg, pitch {observation.head.pitch:+.1f} deg")
    typer.echo("   events: " + (", ".join(event["type"] for event in result["events"]) or "none"))


@contextlib.contextmanager
def _native_stderr_quiet() -> Iterator[None]:
    """Hold back the C++ start-up chatter of mediapipe/TFLite (written straight to fd 2); replay it if
    something fails, so a real error is never hidden."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)

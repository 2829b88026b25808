"""`lobby vision IMAGE` and `lobby bench vision` end to end, on images generated at test time."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from assistant.cli import app
from tests.integration.vision_images import kiosk_frame, portrait_bgr

pytestmark = [pytest.mark.integration, pytest.mark.slow]

runner = CliRunner()


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("vision")
    portrait = portrait_bgr()
    made = {
        "portrait": (folder / "portrait.jpg", portrait),
        "two": (folder / "two.png", kiosk_frame(portrait, behind_scale=0.45)),
        "empty": (folder / "empty.png", np.full((480, 640, 3), 90, dtype=np.uint8)),
    }
    for path, image in made.values():
        assert cv2.imwrite(str(path), image)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return {name: path for name, (path, _) in made.items()} | {"broken": folder / "broken.jpg", "dir": folder}


def test_vision_json_reports_faces_boxes_and_events(images: dict[str, Path]) -> None:
    result = runner.invoke(app, ["vision", str(images["two"]), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["faces"] == 2 and len(body["boxes"]) == 2
    assert {"x", "y", "w", "h", "score"} <= set(body["boxes"][0])
    assert [event["type"] for event in body["events"]] == ["customer_present", "multiple_faces"]
    assert body["hand_at_ear"] is False


def test_vision_text_output_and_empty_image(images: dict[str, Path]) -> None:
    result = runner.invoke(app, ["vision", str(images["portrait"])])
    assert result.exit_code == 0, result.output
    assert "1 face(s)" in result.stdout and "customer_present" in result.stdout
    empty = runner.invoke(app, ["vision", str(images["empty"]), "--json", "--no-hands"])
    assert empty.exit_code == 0
    body = json.loads(empty.stdout)
    assert body["faces"] == 0 and body["events"] == [] and body["hand_at_ear"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vision", "/nonexistent/frame.jpg"], "no such image file"),
        (["vision", "BROKEN"], "not a decodable image"),
        (["vision", "PORTRAIT", "--model", "huge"], "--model must be"),
    ],
)
def test_vision_bad_input_is_a_clear_error(images: dict[str, Path], args: list[str], message: str) -> None:
    args = [str(images["broken"]) if a == "BROKEN" else str(images["portrait"]) if a == "PORTRAIT" else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bench_vision_on_a_labelled_folder(images: dict[str, Path]) -> None:
    folder = images["dir"]
    (folder / "labels.csv").write_text(
        "file,expected_faces,notes\nportrait.jpg,1,\ntwo.png,2,\nempty.png,0,\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["bench", "vision", "--data", str(folder), "--json", "--repeats", "1"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["images"] == 3 and body["frame"] == "640x480"
    assert [(row["expected"], row["found"]) for row in body["per_image"]] == [(1, 1), (2, 2), (0, 0)]
    assert body["presence_accuracy"] == 1.0 and body["count_accuracy"] == 1.0
    assert body["detect_ms"]["frames"] == 3 and body["detect_ms"]["p50"] > 0
    assert set(body["signature"]["same_photo_perturbed"]) >= {"noise_sigma8", "jpeg_q30"}


def test_bench_vision_without_labels_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "vision", "--data", str(tmp_path)])
    assert result.exit_code == 2
    assert "labels.csv" in result.stderr

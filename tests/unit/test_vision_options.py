"""Vision options compose into the one Settings class and read `LOBBY_AVATAR__VISION__*`."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from assistant.config import Settings
from avatar.vision.options import VisionOptions

pytestmark = pytest.mark.unit


def test_defaults_are_the_benchmarked_configuration() -> None:
    options = Settings(_env_file=None).avatar.vision
    assert (options.model, options.min_score, options.tiles) == ("full", 0.5, False)


def test_environment_overrides_nested_vision_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOBBY_AVATAR__VISION__MODEL", "short")
    monkeypatch.setenv("LOBBY_AVATAR__VISION__ARRIVE_FRAMES", "5")
    monkeypatch.setenv("LOBBY_AVATAR__LEFT_AFTER_S", "12")
    settings = Settings(_env_file=None)
    assert settings.avatar.vision.model == "short" and settings.avatar.vision.arrive_frames == 5
    assert settings.avatar.left_after_s == 12.0


@pytest.mark.parametrize(("field", "value"), [("model", "huge"), ("min_score", 1.5), ("arrive_frames", 0)])
def test_bad_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        VisionOptions(**{field: value})


def test_importing_the_package_loads_no_models() -> None:
    import subprocess
    import sys

    code = "import sys, avatar.vision, assistant.config; print('mediapipe' in sys.modules, 'cv2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_model_check_finds_the_wheel_models_without_importing_mediapipe() -> None:
    import subprocess
    import sys

    code = (
        "import sys, json; from avatar.vision.assets import check_models; "
        "print(json.dumps([check_models(), 'mediapipe' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    result, imported = json.loads(out)
    assert result["ok"] is True and result["missing"] == [] and imported is False

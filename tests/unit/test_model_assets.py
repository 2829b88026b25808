"""Assembling packaged weights: verified by sha256, written atomically, clear errors on a bad part."""

import hashlib
import sys

import pytest

from speech.assets import AssembledModel, AssetError, SourceFile

pytestmark = pytest.mark.unit


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A tiny importable package carrying model parts, like the whisper part wheels do."""
    pkg = tmp_path / "site" / "fake_parts_pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "data" / "model.bin.part1").write_bytes(b"A" * 1000)
    (pkg / "data" / "model.bin.part2").write_bytes(b"B" * 500)
    (pkg / "data" / "config.json").write_text('{"ok": true}')
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    sys.modules.pop("fake_parts_pkg", None)
    return pkg


def model(joined_sha: str | None = None, part1_sha: str | None = None) -> AssembledModel:
    return AssembledModel(
        name="tiny",
        folder="tiny",
        joined_name="model.bin",
        joined_sha256=joined_sha or sha(b"A" * 1000 + b"B" * 500),
        parts=(
            SourceFile("fake_parts_pkg", "fake-parts", "data/model.bin.part1", part1_sha or sha(b"A" * 1000)),
            SourceFile("fake_parts_pkg", "fake-parts", "data/model.bin.part2", sha(b"B" * 500)),
        ),
        extras=(SourceFile("fake_parts_pkg", "fake-parts", "data/config.json", sha(b'{"ok": true}')),),
    )


def test_prepare_joins_parts_and_reports_ok(fake_package, tmp_path):
    models = tmp_path / "models"
    seen: list[tuple[int, int]] = []
    path = model().prepare(models, progress=lambda d, t: seen.append((d, t)))
    assert (path / "model.bin").read_bytes() == b"A" * 1000 + b"B" * 500
    assert (path / "config.json").exists()
    status = model().status(models)
    assert status["ok"] is True and status["size_bytes"] == 1500 + len('{"ok": true}')
    assert seen and seen[-1][0] == seen[-1][1]
    assert [p.name for p in models.iterdir()] == ["tiny"]  # no staging folder left behind


def test_missing_part_fails_clearly_and_writes_nothing(fake_package, tmp_path):
    (fake_package / "data" / "model.bin.part2").unlink()
    with pytest.raises(AssetError, match=r"model.bin.part2 is missing from fake-parts.*reinstall"):
        model().prepare(tmp_path / "models")
    assert not (tmp_path / "models" / "tiny").exists()


def test_corrupt_part_fails_clearly_and_keeps_the_good_model(fake_package, tmp_path):
    models = tmp_path / "models"
    model().prepare(models)
    (fake_package / "data" / "model.bin.part1").write_bytes(b"X" * 1000)
    with pytest.raises(AssetError, match="is corrupt"):
        model().prepare(models, force=True)
    assert (models / "tiny" / "model.bin").read_bytes().startswith(b"A")
    assert model().status(models)["ok"] is True


def test_status_is_missing_before_prepare(tmp_path):
    status = model().status(tmp_path / "models")
    assert status == {
        "name": "tiny",
        "path": str(tmp_path / "models" / "tiny"),
        "size_bytes": 0,
        "ok": False,
        "state": "missing",
    }


def test_uninstalled_package_names_the_pip_command(tmp_path):
    broken = AssembledModel(
        "x", "x", "m.bin", "0" * 64, parts=(SourceFile("no_such_pkg_zz", "no-such-pkg", "a", "0" * 64),), extras=()
    )
    with pytest.raises(AssetError, match="pip install no-such-pkg"):
        broken.prepare(tmp_path)

"""Browser tests: a real `lobby serve` process on a loopback port and Debian's Chromium driven by Playwright.

One server per test run (starting it loads the models); each test gets its own browser context. Tests that
need fake media (a wav file as the microphone, a video file as the camera) launch their own browser with
`launch_browser(extra_args)`. Screenshots go to `test-artifacts/e2e/` (kept by CI as artefacts).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from avatar.browser import CHROMIUM, FAKE_MEDIA_ARGS, HEADLESS_ARGS
from tests.conftest import PREPARED_MODELS, REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    url: str
    var_dir: Path
    process: subprocess.Popen[str]


@contextmanager
def serving(var_dir: Path, built_knowledge: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """`lobby serve` in its own process on `var_dir` (the shipped knowledge copied in), until it is ready;
    `extra_env` points it at shared PostgreSQL / Redis to make it one replica of several."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh (Debian package chromium)")
    shutil.copytree(built_knowledge, var_dir / "kb")
    port = _free_port()
    env = {
        **os.environ,
        "LOBBY_ENV": "development",
        "LOBBY_VAR_DIR": str(var_dir),
        "LOBBY_MODELS_DIR": str(os.environ.get("LOBBY_MODELS_DIR", PREPARED_MODELS)),
        **(extra_env or {}),
    }
    log_path = var_dir / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=var_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"lobby serve did not become ready:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield LiveServer(url=url, var_dir=var_dir, process=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, built_knowledge: Path) -> Iterator[LiveServer]:
    """`lobby serve` on embedded defaults (SQLite, in-process sandbox bank, offline models), ready."""
    with serving(tmp_path_factory.mktemp("e2e-var"), built_knowledge) as server:
        yield server


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def launch_browser(playwright_driver: Any) -> Iterator[Callable[..., Any]]:
    """Start Chromium with extra command-line flags (fake media files, ...); closed after the test."""
    browsers: list[Any] = []

    def launch(extra_args: list[str] | None = None) -> Any:
        browser = playwright_driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=[*HEADLESS_ARGS, *(extra_args or [])]
        )
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


@pytest.fixture
def browser(launch_browser: Callable[..., Any]) -> Any:
    """Chromium with fake camera and microphone devices (Chromium's test pattern and beep)."""
    return launch_browser(FAKE_MEDIA_ARGS)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Save a screenshot of a page as a test artefact: test-artifacts/e2e/<test>-<state>.png."""

    def save(page: Any, state: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{state}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save

"""`lobby serve` as a user runs it: a real process on a loopback port, ready, then a graceful stop."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import PREPARED_MODELS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_serve_becomes_ready_and_stops_gracefully(tmp_path, built_knowledge):
    shutil.copytree(built_knowledge, tmp_path / "var" / "kb")  # the knowledge base is built once per run
    port = free_port()
    env = {**os.environ, "LOBBY_VAR_DIR": str(tmp_path / "var"), "LOBBY_MODELS_DIR": str(PREPARED_MODELS)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status, body = 0, {}
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/readyz")
                if status == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.5)
        assert status == 200, body
        assert all(sub["ok"] for sub in body["subsystems"].values())
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    # uvicorn finishes the shutdown, then re-raises the SIGTERM it caught (exit status -15)
    assert proc.returncode in (0, -signal.SIGTERM), output
    log_lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    events = [line.get("event") for line in log_lines]
    assert "started" in events and "stopped" in events
    assert any(line.get("request_id") for line in log_lines if line.get("event") == "request")

"""A real S3-compatible server for tests: moto's standalone server (`moto_server`, from the dev extra)
on a free local port, one per test module. Its HTTP API is the S3 protocol boto3 speaks to any store."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = Path(sys.executable).parent / "moto_server"
    if not server.is_file():
        pytest.fail("moto_server is not installed: run `make setup` (the dev extra has moto[server])")
    port = _free_port()
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()  # noqa: S310 - local test server
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)

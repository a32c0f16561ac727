"""``python -m mock_llm`` serves on a free port and prints its URL."""

from __future__ import annotations

import subprocess
import sys

import httpx
from conftest import EXAMPLES_DIR


def test_module_prints_its_url_and_serves_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_llm", "--port", "0", "--seed", "2", "--ttft-ms", "1"],
        cwd=EXAMPLES_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url + "/health").json() == {"status": "ok"}
        models = httpx.get(url + "/v1/models").json()
        assert models["object"] == "list"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0

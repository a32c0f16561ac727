"""Shared fixtures: the mock server on a free loopback port, and SDK clients aimed at it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))

from mock_llm import RunningServer, ServerConfig, start_server  # noqa: E402


@pytest.fixture
def mock_server() -> Iterator[RunningServer]:
    with start_server(ServerConfig(seed=11)) as server:
        yield server


@pytest.fixture
def openai_client(mock_server: RunningServer):
    import openai

    client = openai.OpenAI(base_url=mock_server.openai_base_url, api_key="test-key", max_retries=0)
    yield client
    client.close()


@pytest.fixture
def anthropic_client(mock_server: RunningServer):
    import anthropic

    client = anthropic.Anthropic(
        base_url=mock_server.anthropic_base_url, api_key="test-key", max_retries=0
    )
    yield client
    client.close()

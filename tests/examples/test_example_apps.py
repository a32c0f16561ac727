"""Each example runs under ``opentelemetry-instrument`` and exports the expected span tree.

The apps run as subprocesses against the mock server, with the JSON-lines exporter
(or the plain console exporter when llmlens' exporters are not installed).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from spans import SpanTree, load_jsonl, outermost, parse_console, with_operation
from telemetry_env import (
    EXAMPLES_DIR,
    detect_setup,
    instrumented_command,
    instrumented_env,
    run_instrumented,
)

from mock_llm import RunningServer, ServerConfig, start_server

APP_TIMEOUT = 240


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(ServerConfig(seed=21)) as running:
        yield running


@pytest.fixture(scope="module")
def setup():
    return detect_setup(console=False)


def run_app(script: str, server: RunningServer, setup, tmp_path: Path) -> SpanTree:
    spans_path = tmp_path / "spans.jsonl"
    env = instrumented_env(
        setup, "example-test", server.openai_base_url, server.anthropic_base_url, spans_path
    )
    result = run_instrumented(script, env, timeout=APP_TIMEOUT, capture=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    spans = load_jsonl(spans_path) if setup.writes_jsonl else parse_console(result.stdout)
    assert spans, "the app exported no span"
    return SpanTree(spans)


def test_openai_chat_tree(server, setup, tmp_path):
    tree = run_app("openai_chat.py", server, setup, tmp_path)
    sessions = [span for span in tree.roots() if span["name"] == "chat session"]
    assert len(sessions) == 3
    users = set()
    for session in sessions:
        below = tree.descendants(session)
        chats = with_operation(below, "chat")
        assert [span["name"] for span in chats] == ["chat gpt-4o-mini"] * 4
        assert all(tree.parent(span) is session for span in chats)
        assert all(span["attributes"]["gen_ai.provider.name"] == "openai" for span in chats)
        api_types = sorted(span["attributes"].get("openai.api.type") for span in chats)
        assert api_types == ["chat_completions"] * 3 + ["responses"]
        streamed = [span for span in chats if span["attributes"].get("gen_ai.request.stream")]
        assert len(streamed) == 1
        assert streamed[0]["attributes"]["gen_ai.usage.output_tokens"] > 0
        tool_calls = [span["attributes"].get("gen_ai.response.finish_reasons") for span in chats]
        assert ["tool_calls"] in tool_calls
        tools = with_operation(below, "execute_tool")
        assert [span["name"] for span in tools] == ["execute_tool get_weather"]
        users |= {span["attributes"].get("user.id") for span in chats}
    assert users == {"alice", "bob", "carol"}


def test_anthropic_stream_tree_and_cache_reads(server, setup, tmp_path):
    tree = run_app("anthropic_stream.py", server, setup, tmp_path)
    sessions = [span for span in tree.roots() if span["name"] == "tutor session"]
    assert len(sessions) == 3
    chats = []
    for session in sessions:
        below = with_operation(tree.descendants(session), "chat")
        assert len(below) == 1, "one span per call: no twin from the SDK's own tracing"
        chats.append(below[0])
    attributes = [span["attributes"] for span in chats]
    assert all(a["gen_ai.provider.name"] == "anthropic" for a in attributes)
    assert all(a["gen_ai.request.stream"] is True for a in attributes)
    assert all(a["gen_ai.response.model"] == "claude-haiku-4-5-20251001" for a in attributes)
    # The system prompt is marked cacheable: later sessions read what an earlier one wrote.
    reads = [a.get("gen_ai.usage.cache_read.input_tokens", 0) for a in attributes]
    assert reads[0] == 0
    assert reads[1] > 0 and reads[2] > 0
    assert {a.get("user.id") for a in attributes} == {"dave", "erin", "alice"}


def test_llamaindex_rag_tree(server, setup, tmp_path):
    tree = run_app("rag_llamaindex.py", server, setup, tmp_path)
    chats = outermost(tree, with_operation(tree.spans, "chat"))
    assert len(chats) == 2, "one answer per question"
    for chat in chats:
        trace = tree.in_trace(chat)
        root = tree.ancestors(chat)[-1]
        assert with_operation(trace, "retrieval"), "the query is retrieved before generation"
        embeddings = with_operation(tree.descendants(root), "embeddings")
        assert embeddings, "the query is embedded inside the same trace"
        assert chat["attributes"].get("user.id") in {"frank", "grace"}
    assert with_operation(tree.spans, "embeddings"), "the documents are embedded"


def test_langchain_chain_tree(server, setup, tmp_path):
    tree = run_app("langchain_chain.py", server, setup, tmp_path)
    tools = with_operation(tree.spans, "execute_tool")
    assert [span["attributes"].get("gen_ai.tool.name") for span in tools] == ["remaining_budget"]
    trace = tree.in_trace(tools[0])
    chats = outermost(tree, with_operation(trace, "chat"))
    # Two model calls, each one outermost chat span: no unnested twin from the provider SDK.
    assert len(chats) == 2, [(c["name"], tree.parent(c)["name"]) for c in chats]
    assert with_operation(trace, "retrieval")
    assert with_operation(trace, "embeddings")
    assert {chat["attributes"].get("user.id") for chat in chats} == {"heidi"}


def _wait_for_health(url: str, process: subprocess.Popen) -> None:
    for _ in range(600):
        assert process.poll() is None, "the service exited early"
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the service never became healthy")


def test_fastapi_server_spans_parent_the_llm_spans_under_load(server, setup, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    spans_path = tmp_path / "spans.jsonl"
    env = instrumented_env(
        setup, "chat-service", server.openai_base_url, server.anthropic_base_url, spans_path
    )
    command = instrumented_command("fastapi_service.py", "--port", str(port))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_health(url, process)
        requests = [
            ({"message": "Hello", "model": "gpt-4o-mini"}, "user.id=alice,llmlens.team=search"),
            ({"message": "Hi", "model": "claude-haiku-4-5", "stream": True}, "user.id=bob"),
        ]
        for body, baggage in requests:
            reply = httpx.post(url + "/chat", json=body, headers={"baggage": baggage}, timeout=60)
            assert reply.status_code == 200, reply.text
            assert reply.json()["output_tokens"] > 0
        loadgen = [sys.executable, str(EXAMPLES_DIR / "loadgen.py"), "--url", url]
        loadgen += ["--users", "3", "--duration", "1.5", "--think-ms", "10"]
        result = subprocess.run(
            loadgen, capture_output=True, text=True, timeout=APP_TIMEOUT, check=False
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert "from 3 users" in result.stdout
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    tree = SpanTree(load_jsonl(spans_path))
    chats = with_operation(tree.spans, "chat")
    assert {span["attributes"]["gen_ai.provider.name"] for span in chats} == {
        "anthropic",
        "openai",
    }
    for chat in chats:
        servers = [s for s in tree.ancestors(chat) if s["kind"] == "SERVER"]
        assert [s["name"] for s in servers] == ["POST /chat"]
    # Two users named by the requests above, a third only by the load generator's baggage.
    assert {chat["attributes"].get("user.id") for chat in chats} == {"alice", "bob", "carol"}


def test_loadgen_drives_the_sdks_and_summarizes(server, tmp_path):
    env = {
        **os.environ,
        "OPENAI_BASE_URL": server.openai_base_url,
        "ANTHROPIC_BASE_URL": server.anthropic_base_url,
        "OPENAI_API_KEY": "mock-key",
        "ANTHROPIC_API_KEY": "mock-key",
    }
    command = [sys.executable, str(EXAMPLES_DIR / "loadgen.py"), "--target", "sdk"]
    command += ["--users", "3", "--duration", "1.5", "--think-ms", "10"]
    result = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=APP_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "100%" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["model", "requests"]
    total = next(line for line in lines if line.startswith("total"))
    requests, errors = (int(cell) for cell in total.split()[1:3])
    assert requests > 0
    assert errors == 0
    assert "from 3 users" in lines[-1]

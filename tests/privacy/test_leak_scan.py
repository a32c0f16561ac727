"""Across instrumentors, driven through the real SDKs over a mocked HTTP
transport: with content off, a marker put in prompts, system prompts, tool
definitions, tool arguments and results, and returned in outputs (plain and
streamed) never reaches any span, event, log or metric; with content on, the
clients' API keys, organization and project ids never do."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from privacy_support import exported_text

from llmlens_semconv.content import ENV_CAPTURE
from llmlens_semconv.testing import Telemetry

MARKER = "QZX-leak-marker-7731"
# credentials are assembled at run time so the repository holds none
OPENAI_KEY = "sk-" + "proj-" + "Lk4" * 16
OPENAI_ORG = "org-" + "Hq2Vb7" * 4
OPENAI_PROJECT = "proj_" + "Tn8Rw1" * 4
ANTHROPIC_KEY = "sk-" + "ant-api03-" + "Mv6_" * 22
CREDENTIALS = (OPENAI_KEY, OPENAI_ORG, OPENAI_PROJECT, ANTHROPIC_KEY)

HAS_OPENAI = all(importlib.util.find_spec(m) for m in ("openai", "llmlens_openai"))
HAS_ANTHROPIC = all(importlib.util.find_spec(m) for m in ("anthropic", "llmlens_anthropic"))


# --- OpenAI ---------------------------------------------------------------------------


def openai_tools(marker: str) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {
        "name": "lookup", "description": f"desc {marker}",
        "parameters": {"type": "object",
                       "properties": {"q": {"type": "string", "description": marker}}}}}]


def openai_messages(marker: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": f"system {marker}"},
        {"role": "user", "content": f"user {marker}"},
        {"role": "assistant", "content": None, "tool_calls": [{
            "id": "call_0", "type": "function",
            "function": {"name": "lookup", "arguments": json.dumps({"q": f"args {marker}"})}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": f"tool result {marker}"},
    ]


def run_openai(marker: str) -> list[Any]:
    import openai
    from privacy_support import http_module_of, openai_handler

    http = http_module_of("openai._base_client")
    seen: list[Any] = []
    client = openai.OpenAI(
        api_key=OPENAI_KEY, organization=OPENAI_ORG, project=OPENAI_PROJECT,
        base_url="https://api.openai.com/v1", max_retries=0,
        http_client=http.Client(transport=http.MockTransport(openai_handler(marker, seen))))
    client.chat.completions.create(model="gpt-4o-mini", messages=openai_messages(marker),
                                   tools=openai_tools(marker))
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=openai_messages(marker), tools=openai_tools(marker),
        stream=True, stream_options={"include_usage": True})
    for _ in stream:
        pass
    client.embeddings.create(model="text-embedding-3-small", input=[f"embed {marker}"])
    if hasattr(client, "responses"):
        client.responses.create(model="gpt-4o-mini", instructions=f"system {marker}",
                                input=f"user {marker}")
    return seen


@pytest.fixture
def openai_instrumented(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str], None]]:
    from llmlens_openai import OpenAIInstrumentor

    instrumentor = OpenAIInstrumentor()

    def instrument(mode: str) -> None:
        monkeypatch.setenv(ENV_CAPTURE, mode)
        instrumentor.instrument(**telemetry.providers())

    yield instrument
    instrumentor.uninstrument()


# --- Anthropic ------------------------------------------------------------------------


def anthropic_kwargs(marker: str) -> dict[str, Any]:
    return {
        "model": "claude-privacy-test", "max_tokens": 256,
        "system": f"system {marker}",
        "tools": [{"name": "lookup", "description": f"desc {marker}", "input_schema": {
            "type": "object", "properties": {"q": {"type": "string", "description": marker}}}}],
        "messages": [
            {"role": "user", "content": f"user {marker}"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_0", "name": "lookup",
                 "input": {"q": f"args {marker}"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_0",
                 "content": f"tool result {marker}"}]},
        ],
    }


def run_anthropic(marker: str) -> list[Any]:
    import anthropic
    from privacy_support import anthropic_handler, http_module_of

    http = http_module_of("anthropic._base_client")
    seen: list[Any] = []
    client = anthropic.Anthropic(
        api_key=ANTHROPIC_KEY, max_retries=0,
        http_client=http.Client(transport=http.MockTransport(anthropic_handler(marker, seen))))
    client.messages.create(**anthropic_kwargs(marker))
    for _ in client.messages.create(**anthropic_kwargs(marker), stream=True):
        pass
    with client.messages.stream(**anthropic_kwargs(marker)) as stream:
        stream.get_final_message()
    count_kwargs = {k: v for k, v in anthropic_kwargs(marker).items() if k != "max_tokens"}
    client.messages.count_tokens(**count_kwargs)
    return seen


@pytest.fixture
def anthropic_instrumented(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str], None]]:
    from llmlens_anthropic import AnthropicInstrumentor

    instrumentor = AnthropicInstrumentor()

    def instrument(mode: str) -> None:
        monkeypatch.setenv(ENV_CAPTURE, mode)
        instrumentor.instrument(**telemetry.providers())

    yield instrument
    instrumentor.uninstrument()


PROVIDERS = [
    pytest.param("openai", marks=pytest.mark.skipif(not HAS_OPENAI, reason="needs openai")),
    pytest.param("anthropic",
                 marks=pytest.mark.skipif(not HAS_ANTHROPIC, reason="needs anthropic")),
]


@pytest.fixture
def drive(request: pytest.FixtureRequest) -> Callable[..., list[Any]]:
    def run(provider: str, mode: str, marker: str = MARKER) -> list[Any]:
        instrument = request.getfixturevalue(f"{provider}_instrumented")
        instrument(mode)
        return run_openai(marker) if provider == "openai" else run_anthropic(marker)

    return run


def llmlens_spans(telemetry: Telemetry) -> list[Any]:
    return [s for s in telemetry.spans()
            if s.instrumentation_scope and s.instrumentation_scope.name.startswith("llmlens")]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["NO_CONTENT", "", "not-a-mode"])
def test_content_off_no_marker_reaches_any_signal(
    drive: Callable[..., list[Any]], telemetry: Telemetry, provider: str, mode: str,
) -> None:
    requests = drive(provider, mode)
    # the marker did travel: in every request body the SDK sent
    assert requests and all(MARKER in r.content.decode() for r in requests)
    assert len(llmlens_spans(telemetry)) == len(requests)
    text = exported_text(telemetry)
    assert MARKER not in text
    assert MARKER[: len(MARKER) // 2] not in text  # nor half of a streamed one
    assert "desc " not in text  # tool descriptions are opt-in content
    assert "lookup" in text     # tool names are recorded whatever the mode


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"])
def test_content_on_credentials_never_recorded(
    drive: Callable[..., list[Any]], telemetry: Telemetry, provider: str, mode: str,
) -> None:
    requests = drive(provider, mode)
    sent_headers = " ".join(str(dict(r.headers)) for r in requests)
    assert (OPENAI_KEY if provider == "openai" else ANTHROPIC_KEY) in sent_headers
    text = exported_text(telemetry)
    # content is captured (so the scan can see what a leak would look like)
    assert f"user {MARKER}" in text and f"answer {MARKER}" in text
    assert f"streamed {MARKER}" in text
    for credential in CREDENTIALS:
        assert credential not in text
    assert "Bearer " not in text and "x-api-key" not in text.lower()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_content_on_secrets_in_prompts_are_redacted(
    drive: Callable[..., list[Any]], telemetry: Telemetry, provider: str,
) -> None:
    pasted = f"mail ops@example.com with key {OPENAI_KEY}"
    requests = drive(provider, "SPAN_AND_EVENT", pasted)
    assert all("ops@example.com" in r.content.decode() for r in requests)
    text = exported_text(telemetry)
    assert "ops@example.com" not in text and OPENAI_KEY not in text
    assert "mail <EMAIL> with key <API_KEY>" in text


async def run_openai_async(marker: str) -> list[Any]:
    import openai
    from privacy_support import http_module_of, openai_handler

    http = http_module_of("openai._base_client")
    seen: list[Any] = []
    client = openai.AsyncOpenAI(
        api_key=OPENAI_KEY, organization=OPENAI_ORG, project=OPENAI_PROJECT,
        base_url="https://api.openai.com/v1", max_retries=0,
        http_client=http.AsyncClient(transport=http.MockTransport(openai_handler(marker, seen))))
    await client.chat.completions.create(model="gpt-4o-mini", messages=openai_messages(marker),
                                         tools=openai_tools(marker))
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=openai_messages(marker), stream=True,
        stream_options={"include_usage": True})
    async for _ in stream:
        pass
    return seen


async def run_anthropic_async(marker: str) -> list[Any]:
    import anthropic
    from privacy_support import anthropic_handler, http_module_of

    http = http_module_of("anthropic._base_client")
    seen: list[Any] = []
    client = anthropic.AsyncAnthropic(
        api_key=ANTHROPIC_KEY, max_retries=0,
        http_client=http.AsyncClient(
            transport=http.MockTransport(anthropic_handler(marker, seen))))
    await client.messages.create(**anthropic_kwargs(marker))
    async for _ in await client.messages.create(**anthropic_kwargs(marker), stream=True):
        pass
    async with client.messages.stream(**anthropic_kwargs(marker)) as stream:
        await stream.get_final_message()
    return seen


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("mode", ["NO_CONTENT", "SPAN_AND_EVENT"])
async def test_async_clients_follow_the_same_policy(
    request: pytest.FixtureRequest, telemetry: Telemetry, provider: str, mode: str,
) -> None:
    request.getfixturevalue(f"{provider}_instrumented")(mode)
    run = run_openai_async if provider == "openai" else run_anthropic_async
    requests = await run(MARKER)
    assert len(llmlens_spans(telemetry)) == len(requests)
    text = exported_text(telemetry)
    if mode == "NO_CONTENT":
        assert MARKER not in text
    else:
        assert f"streamed {MARKER}" in text
    for credential in CREDENTIALS:
        assert credential not in text

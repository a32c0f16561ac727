"""The instrumentor itself: entry point, dependencies, no import of LangChain
at import time, fail-open callbacks, uninstrument, LLM batches."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
from fakes import chat_model
from langchain_core.language_models.fake import FakeListLLM

from llmlens_langchain import LangChainInstrumentor, mapping
from llmlens_langchain.package import _instruments
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry


def test_entry_point_and_instruments_extra_match() -> None:
    points = metadata.entry_points(group="opentelemetry_instrumentor")
    point = next(p for p in points if p.name == "llmlens_langchain")
    assert point.value == "llmlens_langchain:LangChainInstrumentor"
    requires = metadata.requires("llmlens-langchain") or []
    extra = [r.split(";")[0].replace(" ", "") for r in requires
             if "instruments" in r.split(";", 1)[-1]]
    assert extra == [d.replace(" ", "") for d in _instruments]
    assert list(LangChainInstrumentor().instrumentation_dependencies()) == list(_instruments)


def test_importing_the_package_does_not_import_langchain() -> None:
    code = ("import sys, llmlens_langchain; "
            "assert 'langchain_core' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_broken_mapping_never_breaks_the_call(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mapping bug")

    monkeypatch.setattr(mapping, "model_request", broken)
    monkeypatch.setattr(mapping, "model_response", broken)
    assert chat_model().invoke("hi").content == "hello there world"
    assert "chat" not in [s.name for s in telemetry.spans()]


def test_uninstrument_stops_all_telemetry(telemetry: Telemetry) -> None:
    model = chat_model(repeat=2)
    model.invoke("hi")
    assert len(telemetry.spans()) == 1
    LangChainInstrumentor().uninstrument()
    model.invoke("hi")
    assert len(telemetry.spans()) == 1
    LangChainInstrumentor().instrument(**telemetry.providers())  # for the fixture


def test_llm_batch_reports_usage_once(telemetry: Telemetry, handler) -> None:
    llm = FakeListLLM(responses=["one", "two", "three"])
    result = llm.generate(["a", "b", "c"])
    assert [g[0].text for g in result.generations] == ["one", "two", "three"]
    spans = [s for s in telemetry.spans() if s.name == "text_completion"]
    assert len(spans) == 3
    assert all(s.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_TEXT_COMPLETION for s in spans)
    assert len(handler.runs) == 0


def test_provider_names_follow_the_conventions() -> None:
    from llmlens_langchain.providers import provider_name

    assert provider_name("openai") == n.PROVIDER_OPENAI
    assert provider_name("azure") == n.PROVIDER_AZURE_OPENAI
    assert provider_name("amazon_bedrock") == n.PROVIDER_AWS_BEDROCK
    assert provider_name("google_vertexai") == n.PROVIDER_GCP_VERTEX_AI
    assert provider_name("xai") == n.PROVIDER_X_AI
    assert provider_name("mistralai") == n.PROVIDER_MISTRAL_AI
    assert provider_name("ollama") == "ollama"
    assert provider_name(None) is None


def test_request_parameters_from_invocation_params() -> None:
    request = mapping.model_request(
        n.OP_CHAT, {"id": ["langchain", "chat_models", "X"]},
        {"ls_provider": "anthropic", "ls_model_name": "claude-x"},
        {"temperature": 0.5, "max_tokens": 100, "top_p": 0.9, "top_k": 40,
         "stop_sequences": ["END"], "seed": 7, "n": 2,
         "tools": [{"name": "get_weather", "description": "d", "input_schema": {}},
                   {"type": "function", "function": {"name": "add", "parameters": {}}}]})
    assert (request.provider, request.model) == (n.PROVIDER_ANTHROPIC, "claude-x")
    assert (request.temperature, request.max_tokens, request.top_p, request.top_k) \
        == (0.5, 100, 0.9, 40.0)
    assert (request.stop_sequences, request.seed, request.choice_count) == (["END"], 7, 2)
    assert [d["name"] for d in request.tool_definitions or []] == ["get_weather", "add"]
    assert request.framework is True


def test_usage_with_cache_and_reasoning_details() -> None:
    usage = mapping.usage_from_metadata({
        "input_tokens": 100, "output_tokens": 50, "total_tokens": 150,
        "input_token_details": {"cache_read": 30, "cache_creation": 0,
                                "ephemeral_5m_input_tokens": 10},
        "output_token_details": {"priority_reasoning": 20}})
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens) == (100, 50)
    assert (usage.cache_read_input_tokens, usage.cache_write_input_tokens) == (30, 10)
    assert usage.reasoning_output_tokens == 20


async def test_return_types_and_exceptions_unchanged(telemetry: Telemetry) -> None:
    import inspect

    from langchain_core.runnables import RunnableLambda

    model = chat_model(repeat=2)
    stream = model.stream("hi")
    assert inspect.isgenerator(stream)
    assert "".join(c.content for c in stream) == "hello there world"
    astream = model.astream("hi")
    assert inspect.isasyncgen(astream)
    assert "".join([c.content async for c in astream]) == "hello there world"

    error = LookupError("the user's own")

    def fail(_: object) -> None:
        raise error

    with pytest.raises(LookupError) as raised:
        RunnableLambda(fail).invoke(1)
    assert raised.value is error

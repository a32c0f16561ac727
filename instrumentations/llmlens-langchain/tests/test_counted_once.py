"""Counted once: langchain-openai and langchain-anthropic over their real SDKs,
HTTP mocked at the transport, with llmlens' OpenAI and Anthropic instrumentors
on. The provider span nests under the LangChain model span and carries the
usage; metric totals equal the API's usage exactly (sync, async, streamed)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from http_mock import (
    ANTHROPIC_INPUT_TOTAL,
    ANTHROPIC_MODEL,
    ANTHROPIC_USAGE,
    OPENAI_MODEL,
    OPENAI_USAGE,
    MockAPI,
    anthropic_api,
    openai_api,
)
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from opentelemetry.trace import SpanKind

from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

MODES = ["invoke", "stream", "ainvoke", "astream"]
LANGCHAIN_SCOPE = "llmlens_langchain"


@pytest.fixture
def providers(telemetry: Telemetry) -> Iterator[Telemetry]:
    """llmlens' provider instrumentors installed here, on the same pipelines."""
    instrumentors = []
    for sdk, package, name in (("openai", "llmlens_openai", "OpenAIInstrumentor"),
                               ("anthropic", "llmlens_anthropic", "AnthropicInstrumentor")):
        try:
            importlib.import_module(sdk)
            module = importlib.import_module(package)
        except ImportError:
            continue
        instrumentor = getattr(module, name)()
        instrumentor.instrument(**telemetry.providers())
        instrumentors.append(instrumentor)
    try:
        yield telemetry
    finally:
        for instrumentor in instrumentors:
            instrumentor.uninstrument()


def _openai_model(api: MockAPI) -> Any:
    pytest.importorskip("openai")
    pytest.importorskip("llmlens_openai")
    langchain_openai = pytest.importorskip("langchain_openai")
    return langchain_openai.ChatOpenAI(
        model="gpt-4o-mini", api_key="sk-test", max_retries=0, temperature=0.2,
        max_tokens=64, stream_usage=True,
        http_client=api.client(), http_async_client=api.async_client())


def _anthropic_model(api: MockAPI) -> Any:
    anthropic = pytest.importorskip("anthropic")
    pytest.importorskip("llmlens_anthropic")
    langchain_anthropic = pytest.importorskip("langchain_anthropic")
    model = langchain_anthropic.ChatAnthropic(
        model="claude-haiku-4-5", api_key="sk-ant-test", max_retries=0, temperature=0.2,
        max_tokens=64)
    # ChatAnthropic takes no http client: replace its SDK clients (cached
    # properties in newer releases, private attributes in older ones)
    clients = {
        "_client": anthropic.Anthropic(
            api_key="sk-ant-test", max_retries=0, http_client=api.client()),
        "_async_client": anthropic.AsyncAnthropic(
            api_key="sk-ant-test", max_retries=0, http_client=api.async_client()),
    }
    private = getattr(type(model), "__private_attributes__", {})
    for name, client in clients.items():
        if name in private:
            setattr(model, name, client)
        else:
            model.__dict__[name] = client
    return model


CASES = {
    "openai": (openai_api, _openai_model, n.PROVIDER_OPENAI, "gpt-4o-mini", OPENAI_MODEL,
               OPENAI_USAGE["prompt_tokens"], OPENAI_USAGE["completion_tokens"], "stop"),
    "anthropic": (anthropic_api, _anthropic_model, n.PROVIDER_ANTHROPIC, "claude-haiku-4-5",
                  ANTHROPIC_MODEL, ANTHROPIC_INPUT_TOTAL, ANTHROPIC_USAGE["output_tokens"],
                  "end_turn"),
}


async def _run(chain: Any, mode: str) -> str:
    question = {"q": "Say hello"}
    if mode == "invoke":
        return chain.invoke(question)
    if mode == "stream":
        return "".join(chain.stream(question))
    if mode == "ainvoke":
        return await chain.ainvoke(question)
    return "".join([c async for c in chain.astream(question)])


def _scope(span: Any) -> str:
    return span.instrumentation_scope.name


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("provider", sorted(CASES))
async def test_usage_counted_once(providers: Telemetry, provider: str, mode: str) -> None:
    telemetry = providers
    pytest.importorskip(provider)  # the SDK, named like its provider
    make_api, make_model, provider_name, request_model, response_model, \
        input_tokens, output_tokens, finish = CASES[provider]
    api = make_api()
    chain = (ChatPromptTemplate.from_messages([("user", "{q}")]) | make_model(api)
             | StrOutputParser())

    assert await _run(chain, mode) == "Hello there"
    assert len(api.requests) == 1

    chats = [s for s in telemetry.spans()
             if s.attributes.get(n.GEN_AI_OPERATION_NAME) == n.OP_CHAT]
    framework = [s for s in chats if _scope(s) == LANGCHAIN_SCOPE]
    sdk = [s for s in chats if _scope(s) != LANGCHAIN_SCOPE]
    assert len(framework) == 1 and len(sdk) == 1, [(s.name, _scope(s)) for s in chats]
    outer, inner = framework[0], sdk[0]

    # the provider span is the model span's child; exactly one carries usage
    assert inner.parent.span_id == outer.context.span_id
    assert inner.kind is SpanKind.CLIENT and outer.kind is SpanKind.CLIENT
    carriers = [s for s in (outer, inner) if n.GEN_AI_USAGE_INPUT_TOKENS in s.attributes]
    assert len(carriers) == 1
    assert carriers[0].attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == input_tokens
    assert carriers[0].attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == output_tokens
    assert outer.attributes.get(n.LLMLENS_USAGE_DELEGATED, False) is (carriers[0] is inner)
    summed = sum(s.attributes.get(n.GEN_AI_USAGE_INPUT_TOKENS, 0) for s in telemetry.spans())
    assert summed == input_tokens

    # the metrics equal the API's usage exactly
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == input_tokens
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT}) == output_tokens

    # the LangChain span itself, from LangChain's view of the call
    assert outer.name == f"chat {request_model}"
    assert outer.attributes[n.GEN_AI_PROVIDER_NAME] == provider_name
    assert outer.attributes[n.GEN_AI_REQUEST_MODEL] == request_model
    assert outer.attributes[n.GEN_AI_REQUEST_TEMPERATURE] == 0.2
    assert outer.attributes[n.GEN_AI_REQUEST_MAX_TOKENS] == 64
    streamed = mode in ("stream", "astream")
    if streamed:  # older integrations leave the model out of streamed metadata
        assert outer.attributes.get(n.GEN_AI_RESPONSE_MODEL, response_model) == response_model
    else:
        assert outer.attributes[n.GEN_AI_RESPONSE_MODEL] == response_model
    assert outer.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == (finish,)
    assert outer.attributes.get(n.GEN_AI_REQUEST_STREAM, False) is streamed
    assert (n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in outer.attributes) is streamed


@pytest.mark.parametrize(("provider", "mode"), [
    *(("openai", mode) for mode in MODES),
    ("anthropic", "invoke"),
    ("anthropic", "ainvoke"),
    ("anthropic", "stream"),
    ("anthropic", "astream"),
])
async def test_provider_span_takes_the_usage(
    providers: Telemetry, provider: str, mode: str,
) -> None:
    telemetry = providers
    pytest.importorskip(provider)
    make_api, make_model, *_, input_tokens, output_tokens, _finish = CASES[provider]
    api = make_api()
    await _run(ChatPromptTemplate.from_messages([("user", "{q}")]) | make_model(api)
               | StrOutputParser(), mode)
    outer = next(s for s in telemetry.spans() if _scope(s) == LANGCHAIN_SCOPE
                 and s.attributes.get(n.GEN_AI_OPERATION_NAME) == n.OP_CHAT)
    inner = next(s for s in telemetry.spans() if _scope(s) != LANGCHAIN_SCOPE)
    assert outer.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in outer.attributes
    assert inner.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == input_tokens
    assert inner.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == output_tokens


def test_openai_call_by_hand_inside_a_tool_is_traced(providers: Telemetry) -> None:
    """Nothing suppresses an SDK call beneath a LangChain run that is not a
    model: it is traced, nested under the tool, and counted in full."""
    telemetry = providers
    openai = pytest.importorskip("openai")
    api = openai_api()
    client = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=api.client())

    @tool
    def summarize(text: str) -> str:
        """Summarize with a direct SDK call."""
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content or ""

    chain = _openai_model(api) | StrOutputParser() | (lambda text: {"text": text}) | summarize
    assert chain.invoke("hi") == "Hello there"

    tool_span = telemetry.span("execute_tool summarize")
    sdk = [s for s in telemetry.spans()
           if _scope(s) != LANGCHAIN_SCOPE and s.attributes.get(n.GEN_AI_OPERATION_NAME)]
    assert len(sdk) == 2
    by_hand = [s for s in sdk if s.parent.span_id == tool_span.context.span_id]
    assert len(by_hand) == 1
    assert by_hand[0].attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == OPENAI_USAGE["prompt_tokens"]
    assert n.LLMLENS_USAGE_DELEGATED not in by_hand[0].attributes
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == 2 * OPENAI_USAGE["prompt_tokens"]


@pytest.mark.parametrize("mode", MODES)
async def test_openai_responses_api_counted_once(providers: Telemetry, mode: str) -> None:
    """langchain-openai over the Responses API."""
    from http_mock import OPENAI_RESPONSES_USAGE, openai_responses_api

    telemetry = providers
    pytest.importorskip("openai")
    api = openai_responses_api()
    model = _openai_model(api)
    if "use_responses_api" not in type(model).model_fields:
        pytest.skip("this langchain-openai has no Responses API support")
    model.use_responses_api = True
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | model | StrOutputParser()
    assert await _run(chain, mode) == "Hello there"
    assert len(api.requests) == 1 and "input" in api.requests[0]

    input_tokens = OPENAI_RESPONSES_USAGE["input_tokens"]
    carriers = [s for s in telemetry.spans() if n.GEN_AI_USAGE_INPUT_TOKENS in s.attributes]
    assert [s.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] for s in carriers] == [input_tokens]
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == input_tokens
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT}) == OPENAI_RESPONSES_USAGE["output_tokens"]
    outer = next(s for s in telemetry.spans() if _scope(s) == LANGCHAIN_SCOPE
                 and s.attributes.get(n.GEN_AI_OPERATION_NAME) == n.OP_CHAT)
    inner = [s for s in telemetry.spans() if _scope(s) != LANGCHAIN_SCOPE]
    assert len(inner) == 1 and inner[0].parent.span_id == outer.context.span_id
    assert carriers == inner and outer.attributes[n.LLMLENS_USAGE_DELEGATED] is True

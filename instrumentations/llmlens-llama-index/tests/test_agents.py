"""Agents (llama-index-workflows FunctionAgent) over the OpenAI integration:
invoke_agent, its steps, chat calls and tool calls in one trace, tokens
counted once."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.llms.openai import OpenAI
from openai_api import OpenAIMock, chat_completion, chat_stream, tool_call
from opentelemetry import context as otel_context
from trees import by_name, is_child, one, roots, trace_ids

from llmlens_llama_index import SCOPE, LlamaIndexInstrumentor
from llmlens_openai import OpenAIInstrumentor
from llmlens_semconv import ContentPolicy
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

FIRST = (50, 10)  # the turn that asks for the tool
SECOND = (70, 3)  # the answer


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@pytest.fixture
def both() -> Iterator[Telemetry]:
    telemetry = Telemetry.create()
    llama = LlamaIndexInstrumentor()
    sdk = OpenAIInstrumentor()
    llama.instrument(**telemetry.providers(), content=ContentPolicy())
    sdk.instrument(**telemetry.providers())
    try:
        yield telemetry
    finally:
        sdk.uninstrument()
        llama.uninstrument()
        telemetry.shutdown()


def _llm(api: OpenAIMock, **kwargs) -> OpenAI:
    return OpenAI(
        model="gpt-4o-mini", api_key="sk-test", max_retries=0,
        http_client=api.client(), async_http_client=api.async_client(), **kwargs,
    )


def _tokens(telemetry: Telemetry, token_type: str) -> float:
    return telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: token_type})


async def test_agent_with_a_tool_call_is_one_trace_counted_once(both):
    api = OpenAIMock()
    api.reply("/chat/completions", chat_completion(
        "", prompt_tokens=FIRST[0], completion_tokens=FIRST[1], finish_reason="tool_calls",
        tool_calls=[tool_call("call_1", "multiply", {"a": 6, "b": 7})]))
    api.reply("/chat/completions", chat_completion(
        "42", prompt_tokens=SECOND[0], completion_tokens=SECOND[1]))
    agent = FunctionAgent(
        tools=[multiply], llm=_llm(api), name="calculator", description="does math",
        streaming=False,
    )
    before = otel_context.get_current()

    result = await agent.run(user_msg="What is 6 times 7?")

    assert "42" in str(result)
    assert otel_context.get_current() is before
    spans = both.spans()
    agent_span = one(spans, "invoke_agent calculator")
    assert roots(spans) == [agent_span]
    assert len(trace_ids(spans)) == 1
    assert agent_span.attributes[n.GEN_AI_AGENT_NAME] == "calculator"
    assert agent_span.attributes[n.GEN_AI_AGENT_DESCRIPTION] == "does math"
    tool = one(spans, "execute_tool multiply")
    assert is_child(spans, tool, one(spans, "step call_tool"))
    ours = [s for s in by_name(spans, "chat") if s.instrumentation_scope.name == SCOPE]
    sdk = [s for s in by_name(spans, "chat") if s.instrumentation_scope.name != SCOPE]
    assert len(ours) == len(sdk) == 2
    for llm_span in ours:
        assert any(is_child(spans, llm_span, s) for s in by_name(spans, "step run_agent_step"))
        assert llm_span.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    for child in sdk:
        assert any(is_child(spans, child, parent) for parent in ours)
    assert sorted(s.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS][0] for s in ours) == [
        "stop", "tool_calls"]
    assert _tokens(both, n.TOKEN_TYPE_INPUT) == FIRST[0] + SECOND[0]
    assert _tokens(both, n.TOKEN_TYPE_OUTPUT) == FIRST[1] + SECOND[1]
    # the tool result went back to the model
    last_request = api.bodies("/chat/completions")[-1]
    assert any(m.get("role") == "tool" and json.loads(json.dumps(m["content"])) == "42"
               for m in last_request["messages"])


async def test_streaming_agent_nests_the_provider_call_and_counts_once(both):
    api = OpenAIMock()
    api.reply("/chat/completions", sse=chat_stream(
        ["4", "2"], prompt_tokens=SECOND[0], completion_tokens=SECOND[1]))
    agent = FunctionAgent(
        tools=[multiply], name="calculator", streaming=True,
        llm=_llm(api, additional_kwargs={"stream_options": {"include_usage": True}}),
    )

    result = await agent.run(user_msg="Say 42")

    assert "42" in str(result)
    spans = both.spans()
    assert len(trace_ids(spans)) == 1
    ours = [s for s in by_name(spans, "chat") if s.instrumentation_scope.name == SCOPE]
    sdk = [s for s in by_name(spans, "chat") if s.instrumentation_scope.name != SCOPE]
    assert len(ours) == len(sdk) == 1
    assert is_child(spans, sdk[0], ours[0])
    assert ours[0].attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert ours[0].attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert _tokens(both, n.TOKEN_TYPE_INPUT) == SECOND[0]
    assert _tokens(both, n.TOKEN_TYPE_OUTPUT) == SECOND[1]


async def test_agent_question_and_answer_are_opt_in_content():
    from llmlens_semconv import CaptureMode

    telemetry = Telemetry.create()
    instrumentor = LlamaIndexInstrumentor()
    instrumentor.instrument(
        **telemetry.providers(), content=ContentPolicy(mode=CaptureMode.SPAN_ONLY))
    api = OpenAIMock()
    api.reply("/chat/completions", chat_completion(
        "42", prompt_tokens=SECOND[0], completion_tokens=SECOND[1]))
    agent = FunctionAgent(tools=[multiply], llm=_llm(api), name="calculator", streaming=False)
    try:
        await agent.run(user_msg="What is 6 times 7?")
    finally:
        instrumentor.uninstrument()

    span = one(telemetry.spans(), "invoke_agent calculator")
    question = json.loads(span.attributes[n.GEN_AI_INPUT_MESSAGES])
    answer = json.loads(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert question[0]["parts"][0]["content"] == "What is 6 times 7?"
    assert answer[0]["parts"][0]["content"] == "42"

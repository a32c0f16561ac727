"""A tool decorated by the user, calling OpenAI inside an agent step: one tree."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

import llmlens
from llmlens_openai import OpenAIInstrumentor
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

from mock_llm import ServerConfig, start_server


@pytest.fixture
def client(telemetry: Telemetry) -> Iterator[openai.OpenAI]:
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    with start_server(ServerConfig(seed=1)) as server:
        yield openai.OpenAI(base_url=server.openai_base_url, api_key="mock", max_retries=0)
    instrumentor.uninstrument()


def test_user_tool_calling_openai_inside_an_agent_is_one_tree(
    telemetry: Telemetry, client: openai.OpenAI,
) -> None:
    @llmlens.tool("summarize")
    def summarize(text: str) -> str:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
        return reply.choices[0].message.content or ""

    @llmlens.agent("researcher")
    def research() -> str:
        return summarize("tell me about otters")

    with llmlens.workflow("report"):
        assert research()
    spans = {s.name: s for s in telemetry.spans()}
    chat = next(s for name, s in spans.items() if name.startswith("chat "))
    tool, agent, workflow = (spans["execute_tool summarize"], spans["invoke_agent researcher"],
                             spans["invoke_workflow report"])
    assert chat.parent.span_id == tool.context.span_id
    assert tool.parent.span_id == agent.context.span_id
    assert agent.parent.span_id == workflow.context.span_id
    assert len({s.context.trace_id for s in spans.values()}) == 1
    assert chat.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] > 0
    # the evaluation of that answer lands on the chat span, found by response id
    assert llmlens.evaluate("relevance", score=1.0,
                            response_id=chat.attributes[n.GEN_AI_RESPONSE_ID])
    (event,) = [r for r in telemetry.logs() if r.event_name == n.EVENT_EVALUATION_RESULT]
    assert event.span_id == chat.context.span_id

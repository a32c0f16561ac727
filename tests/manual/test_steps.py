"""The user's own steps: decorators and context managers, sync and async."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

import llmlens
from llmlens_semconv import Request, Response, Usage
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry


def by_name(telemetry: Telemetry) -> dict[str, Any]:
    return {s.name: s for s in telemetry.spans()}


def test_workflow_agent_tool_nest_into_one_tree(telemetry: Telemetry) -> None:
    @llmlens.tool("lookup")
    def lookup(city: str) -> str:
        return f"sunny in {city}"

    @llmlens.agent("planner")
    def plan() -> str:
        return lookup("Paris")

    @llmlens.workflow("trip")
    def trip() -> str:
        return plan()

    assert trip() == "sunny in Paris"
    spans = by_name(telemetry)
    wf, ag, tl = spans["invoke_workflow trip"], spans["invoke_agent planner"], spans[
        "execute_tool lookup"]
    assert ag.parent.span_id == wf.context.span_id
    assert tl.parent.span_id == ag.context.span_id
    assert {wf.context.trace_id, ag.context.trace_id, tl.context.trace_id} == {wf.context.trace_id}
    assert ag.kind == SpanKind.INTERNAL
    assert ag.attributes[n.GEN_AI_AGENT_NAME] == "planner"
    assert tl.attributes[n.GEN_AI_TOOL_NAME] == "lookup"
    assert wf.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_INVOKE_WORKFLOW
    # one collection (the session's reader uses delta temporality)
    data = telemetry.metric_reader.get_metrics_data()
    counts = {m.name: sum(p.count for p in m.data.data_points)
              for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert counts[n.METRIC_EXECUTE_TOOL_DURATION] == 1
    assert counts[n.METRIC_INVOKE_AGENT_DURATION] == 1
    assert counts[n.METRIC_WORKFLOW_DURATION] == 1


def test_llm_call_inside_a_tool_nests(telemetry: Telemetry) -> None:
    from llmlens.steps import emitter

    @llmlens.tool("ask")
    def ask() -> None:
        call = emitter().start(Request(operation=n.OP_CHAT, provider="openai", model="m"))
        call.finish(Response(usage=Usage(3, 4)))

    with llmlens.agent("a"):
        ask()
    spans = by_name(telemetry)
    assert spans["chat m"].parent.span_id == spans["execute_tool ask"].context.span_id
    assert spans["execute_tool ask"].parent.span_id == spans["invoke_agent a"].context.span_id


def test_tool_arguments_and_result_only_under_capture(telemetry: Telemetry) -> None:
    @llmlens.tool("echo")
    def echo(text: str, times: int = 1) -> str:
        return text * times

    echo("MARKER", times=2)
    attrs = telemetry.span().attributes
    assert n.GEN_AI_TOOL_CALL_ARGUMENTS not in attrs
    assert "MARKER" not in str(dict(attrs))


def test_tool_arguments_and_result_with_capture(capture_content: Telemetry) -> None:
    @llmlens.tool("echo")
    def echo(text: str, times: int = 1) -> str:
        return text * times

    echo("hi", times=2)
    attrs = capture_content.span().attributes
    assert json.loads(attrs[n.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"text": "hi", "times": 2}
    assert attrs[n.GEN_AI_TOOL_CALL_RESULT] == "hihi"


def test_exceptions_mark_the_span_and_pass_through(telemetry: Telemetry) -> None:
    class Boom(Exception):
        pass

    @llmlens.tool("fragile")
    def fragile() -> None:
        raise Boom("bad")

    with pytest.raises(Boom, match="bad") as info:
        fragile()
    assert info.type is Boom
    span = telemetry.span()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "Boom"
    assert trace.get_current_span() is trace.INVALID_SPAN or not trace.get_current_span(
    ).get_span_context().is_valid


def test_context_manager_exposes_the_span_and_result(capture_content: Telemetry) -> None:
    with llmlens.tool("calc") as run:
        run.span.set_attribute("app.step", 1)
        run.record_result({"sum": 3})
    attrs = capture_content.span().attributes
    assert attrs["app.step"] == 1
    assert json.loads(attrs[n.GEN_AI_TOOL_CALL_RESULT]) == {"sum": 3}


def test_return_values_are_untouched(telemetry: Telemetry) -> None:
    marker = object()

    @llmlens.workflow("w")
    def give() -> object:
        return marker

    assert give() is marker


def test_retrieval_and_plain_span(telemetry: Telemetry) -> None:
    with llmlens.retrieval("kb", top_k=3):
        with llmlens.span("rerank", attributes={"app.candidates": 10}):
            pass
    spans = by_name(telemetry)
    assert spans["retrieval kb"].attributes[n.GEN_AI_RETRIEVAL_TOP_K] == 3
    assert spans["retrieval kb"].kind == SpanKind.CLIENT
    rerank = spans["rerank"]
    assert rerank.parent.span_id == spans["retrieval kb"].context.span_id
    assert rerank.attributes["app.candidates"] == 10
    assert n.GEN_AI_OPERATION_NAME not in rerank.attributes


async def test_async_functions_and_concurrent_tasks(telemetry: Telemetry) -> None:
    @llmlens.tool("fetch")
    async def fetch(i: int) -> int:
        await asyncio.sleep(0.01)
        return i

    @llmlens.agent("worker")
    async def work(i: int) -> int:
        return await fetch(i)

    assert await asyncio.gather(*(work(i) for i in range(5))) == list(range(5))
    spans = telemetry.spans()
    agents = {s.context.span_id: s for s in spans if s.name == "invoke_agent worker"}
    tools = [s for s in spans if s.name == "execute_tool fetch"]
    assert len(agents) == 5 and len(tools) == 5
    assert {t.parent.span_id for t in tools} == set(agents)


async def test_async_with(telemetry: Telemetry) -> None:
    async with llmlens.workflow("aw"):
        await asyncio.sleep(0)
    assert telemetry.span().name == "invoke_workflow aw"


def test_generator_span_covers_the_iteration(telemetry: Telemetry) -> None:
    @llmlens.retrieval("stream-docs")
    def docs() -> Any:
        for i in range(3):
            assert trace.get_current_span().is_recording()
            yield i

    gen = docs()
    assert next(gen) == 0
    # while the caller holds a yielded value, the step is not current
    assert not trace.get_current_span().get_span_context().is_valid
    assert telemetry.spans() == []
    assert list(gen) == [1, 2]
    assert telemetry.span().name == "retrieval stream-docs"


def test_generator_closed_early_ends_its_span(telemetry: Telemetry) -> None:
    @llmlens.workflow("g")
    def gen() -> Any:
        yield from range(10)

    g = gen()
    next(g)
    g.close()
    span = telemetry.span()
    assert span.status.status_code == StatusCode.UNSET


async def test_async_generator(telemetry: Telemetry) -> None:
    @llmlens.agent("streamer")
    async def tokens() -> Any:
        for i in range(3):
            await asyncio.sleep(0)
            yield i

    assert [t async for t in tokens()] == [0, 1, 2]
    assert telemetry.span().name == "invoke_agent streamer"


async def test_async_generator_error(telemetry: Telemetry) -> None:
    @llmlens.agent("broken")
    async def tokens() -> Any:
        yield 1
        raise ValueError("mid-way")

    with pytest.raises(ValueError, match="mid-way"):
        async for _ in tokens():
            pass
    assert telemetry.span().attributes[n.ERROR_TYPE] == "ValueError"


def test_the_api_works_without_an_sdk_set_up() -> None:
    import subprocess
    import sys

    code = (
        "import llmlens\n"
        "@llmlens.tool('t')\n"
        "def f(x):\n    return x + 1\n"
        "with llmlens.workflow('w'):\n    print(f(1))\n"
        "llmlens.evaluate('e', score=1.0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
